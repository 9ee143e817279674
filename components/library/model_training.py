"""Train Model: fit an untrained model (a learner or a Python model) to a labelled dataset."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import metadata
from components.errors import ComponentInputError
from components.inputs import expect_instance
from components.ml.labels import label_checks, label_of
from components.ml.learners import Learner, find_label_column
from components.ml.python_model import PythonLearner
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind


def _trained_model(inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The learner's task and name, the label, and the features it will train on when the
    dataset's columns are known (those with the feature role, but the label, as `Learner.fit`
    takes them)."""
    learner, columns = inputs.get("untrained_model"), inputs.get("dataset")
    requested = params.get("label_column") or None
    if not isinstance(learner, dict) or not isinstance(requested, str | None):
        return {"trained_model": None}
    known: dict[str, Any] = {**learner, "label": requested}
    if isinstance(columns, list):
        try:
            label = label_of(columns, requested)
        except ComponentInputError:
            # No label to train on: the label check says why, and what the model would be
            # is unknown (a label that is not there would make its scores' label role wrong).
            return {"trained_model": None}
        known["label"] = label
        known["features"] = [
            c["name"] for c in columns if c.get("role") == metadata.FEATURE and c["name"] != label
        ]
    return {"trained_model": known}


@component(
    id="train_model",
    name="Train Model",
    category="Model Training",
    columns=_trained_model,
    checks=label_checks("dataset"),
    inputs=[
        Port("untrained_model", PortKind.UNTRAINED_MODEL, "Untrained model"),
        Port("dataset", PortKind.DATASET, "Dataset"),
    ],
    outputs=[Port("trained_model", PortKind.TRAINED_MODEL, "Trained model")],
    params=[
        Param(
            "label_column",
            ParamType.COLUMN,
            "Label column",
            default=None,
            help="Blank: the column marked as label (Edit Metadata, Fields: Labels).",
        )
    ],
)
def train_model(
    untrained_model: Learner | PythonLearner, dataset: pd.DataFrame, *, label_column: str | None
) -> dict[str, Any]:
    """Train a classification or regression model in a supervised manner.

    A Python model (Create Python Model) trains in the runner's sandbox, which `Component.run`
    publishes (`components.runtime.current_runtime`).
    """
    learner = expect_instance(
        untrained_model,
        (Learner, PythonLearner),
        "Untrained model",
        "an untrained model from a learner such as Linear Regression or Create Python Model",
    )
    label = find_label_column(dataset, label_column)
    return {"trained_model": learner.fit(dataset, label)}
