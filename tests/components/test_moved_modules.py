"""Objects pickled under the helpers' old module names (before components.ml) still load."""

import pickle

import joblib
import pandas as pd
import pytest

from components.ml.learners import Learner
from components.ml.tasks import Task
from components.ml.transforms.normalization import Normalizer


def _stored_under(obj: object, new: str, old: str) -> bytes:
    """`obj` pickled as an older Flowbench wrote it: its class named by the old module."""
    text = pickle.dumps(obj, protocol=0)  # protocol 0 names modules as plain text lines
    assert new.encode() in text
    return text.replace(new.encode() + b"\n", old.encode() + b"\n")


@pytest.mark.parametrize(
    ("obj", "new", "old"),
    [
        (Task.BINARY, "components.ml.tasks", "components.learners"),
        (
            Learner("Linear", Task.REGRESSION, estimator=None),
            "components.ml.learners",
            "components.learners",
        ),
        (
            Normalizer.fit(pd.DataFrame({"x": [1.0, 2.0, 4.0]}), ["x"], method="ZScore"),
            "components.ml.transforms.normalization",
            "components.transforms.normalization",
        ),
    ],
    ids=["task", "learner", "transformation"],
)
def test_old_module_names_load_as_the_new_classes(obj, new, old, tmp_path):
    stored = _stored_under(obj, new, old)
    loaded = pickle.loads(stored)
    assert type(loaded) is type(obj)
    path = tmp_path / "object.joblib"
    path.write_bytes(stored)
    assert type(joblib.load(path)) is type(obj)


def test_an_old_name_is_the_new_module_with_its_own_spec():
    import components.transforms.cleaning as old

    import components.ml.transforms.cleaning as new

    assert old is new
    assert new.__spec__.name == "components.ml.transforms.cleaning"
