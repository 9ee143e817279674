"""Tests of Create Python Model with Train Model and Score Model, through the real sandbox."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from components import get, metadata
from components.errors import ComponentInputError
from components.ml.python_model import PythonLearner, TrainedPythonModel

Run = Callable[..., dict[str, Any]]

CONSTANT = """\
import os
import uuid
import pandas as pd

# Each sandbox is a new process running the script afresh (its PID is 2 in its own namespace).
PROCESS = uuid.uuid4().hex


class AzureMLModel:
    def __init__(self):
        self.created_in = PROCESS

    def train(self, df_train, df_label):
        self.trained_in = PROCESS
        self.columns = list(df_train.columns)

    def predict(self, df):
        return pd.DataFrame({"Scored Labels": [42.0] * len(df),
                             "Columns": [",".join(self.columns)] * len(df),
                             "Pids": [f"{self.created_in},{self.trained_in},{PROCESS}"]
                                     * len(df),
                             "Uid": [os.getuid()] * len(df)})
"""


def binary_table(rows: int = 60) -> pd.DataFrame:
    """Two numeric features (one with a gap) and a yes/no label that depends on them."""
    rng = np.random.default_rng(11)
    x1, x2 = rng.normal(0, 1, rows), rng.normal(0, 1, rows)
    label = np.where(x1 + 0.5 * x2 + rng.normal(0, 0.7, rows) > 0, "yes", "no")
    df = pd.DataFrame({"x1": x1, "x2": x2, "label": label})
    df.loc[3, "x2"] = np.nan
    return metadata.with_roles(df, {"label": metadata.LABEL})


def train_and_score(
    run: Run, script: str | None, train: pd.DataFrame, test: pd.DataFrame
) -> tuple[TrainedPythonModel, pd.DataFrame]:
    """Create, train (label from the roles) and score a Python model."""
    params = {} if script is None else {"python_script": script}
    learner = run("create_python_model", **params)["untrained_model"]
    model = run("train_model", {"untrained_model": learner, "dataset": train})["trained_model"]
    scored = run("score_model", {"trained_model": model, "dataset": test})["scored_dataset"]
    return model, scored


def test_constant_model_scores_every_row_outside_this_process(run: Run) -> None:
    """A model predicting 42 scores each row; __init__, train and predict ran in other processes."""
    data = binary_table(8)
    model, scored = train_and_score(run, CONSTANT, data, data.iloc[2:6])
    assert isinstance(model, TrainedPythonModel)
    assert scored.index.tolist() == [2, 3, 4, 5]
    assert scored["Scored Labels"].tolist() == [42.0] * 4
    assert scored["Columns"].iloc[0] == "x1,x2"
    assert metadata.roles(scored)["Scored Labels"] == metadata.SCORE
    assert metadata.roles(scored)["label"] == metadata.LABEL
    assert len(set(scored["Pids"].iloc[0].split(","))) == 3
    assert scored["Uid"].iloc[0] not in (0, os.getuid())  # an unprivileged sandbox uid


def test_error_in_train_reports_the_users_line(run: Run) -> None:
    """An exception in train names the script's line and method, not Flowbench's frames."""
    script = (
        "class AzureMLModel:\n"
        "    def __init__(self):\n"
        "        self.n = 0\n"
        "    def train(self, df_train, df_label):\n"
        "        raise ValueError('labels look odd')\n"
        "    def predict(self, df):\n"
        "        return df\n"
    )
    learner = run("create_python_model", python_script=script)["untrained_model"]
    with pytest.raises(
        ComponentInputError,
        match=r'File "<script>", line 5, in train(.|\n)*ValueError: labels look '
        r"odd",
    ) as caught:
        run("train_model", {"untrained_model": learner, "dataset": binary_table(8)})
    assert "<flowbench>" not in str(caught.value) and "_flowbench" not in str(caught.value)


def test_default_template_accuracy_matches_sklearn(run: Run) -> None:
    """The default template trains and scores; Evaluate Model's Accuracy agrees with sklearn."""
    data = binary_table()
    _, scored = train_and_score(run, None, data.iloc[:40], data.iloc[40:])
    assert scored["Scored Probabilities"].between(0, 1).all()
    report = run("evaluate_model", {"scored_dataset": scored})["evaluation_results"]
    expected = accuracy_score(scored["label"].astype(str), scored["Scored Labels"].astype(str))
    assert report["Accuracy"].iloc[0] == pytest.approx(expected)
    assert 0.6 < expected < 1.0


def test_trained_model_pickles_and_scores_again(run: Run) -> None:
    """A trained Python model holds text and bytes; reloaded, it scores the same again."""
    data = binary_table(8)
    model, scored = train_and_score(run, CONSTANT, data, data)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    restored = joblib.load(io.BytesIO(buffer.getvalue()))
    assert isinstance(restored.model, bytes) and restored.feature_columns == ("x1", "x2")
    again = run("score_model", {"trained_model": restored, "dataset": data})["scored_dataset"]
    assert again["Scored Labels"].tolist() == scored["Scored Labels"].tolist()


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("x = 1\n", r"must define a class named AzureMLModel"),
        (
            "class AzureMLModel:\n    def train(self, a, b):\n        pass\n",
            r"Class AzureMLModel must define predict",
        ),
        (
            "class AzureMLModel:\n    def __init__(self):\n        1 / 0\n"
            "    def train(self, a, b):\n        pass\n    def predict(self, df):\n        pass\n",
            r"line 3, in __init__(.|\n)*ZeroDivisionError",
        ),
    ],
)
def test_bad_scripts_fail_at_create(run: Run, script: str, message: str) -> None:
    """A script without the class, without a method, or failing in __init__ fails at once."""
    with pytest.raises(ComponentInputError, match=message):
        run("create_python_model", python_script=script)


def test_predict_must_return_one_row_per_input_row(run: Run) -> None:
    """A predict that drops rows is reported with both counts."""
    script = (
        "import pandas as pd\n"
        "class AzureMLModel:\n"
        "    def train(self, df_train, df_label):\n"
        "        pass\n"
        "    def predict(self, df):\n"
        "        return pd.DataFrame({'Scored Labels': [1.0]})\n"
    )
    with pytest.raises(ComponentInputError, match=r"one row per input row: got 1 row\(s\) for 8"):
        train_and_score(run, script, binary_table(8), binary_table(8))


def test_training_without_a_runtime_is_refused(table: pd.DataFrame) -> None:
    """Train Model run without a runtime says a sandbox is needed instead of running the code."""
    learner = PythonLearner(script=CONSTANT, model=b"never unpickled")
    with pytest.raises(ComponentInputError, match=r"no runtime was given"):
        get("train_model").run({"untrained_model": learner, "dataset": table}, {})


def test_python_model_is_refused_by_tune_model(run: Run, table: pd.DataFrame) -> None:
    """Tune Model Hyperparameters takes built-in learners only, as in the designer."""
    learner = PythonLearner(script=CONSTANT, model=b"")
    with pytest.raises(ComponentInputError, match=r"expects an untrained model .*PythonLearner"):
        run(
            "tune_model_hyperparameters",
            {"untrained_model": learner, "training_dataset": table},
            label_column="price",
        )
