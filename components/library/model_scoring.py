"""Score Model and Apply Transformation: run fitted objects on new rows."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import column_flow, metadata
from components.inputs import expect_instance
from components.ml import score_columns
from components.ml.features import missing_features
from components.ml.learners import TrainedModel
from components.ml.python_model import TrainedPythonModel
from components.ml.scoring import score
from components.ml.tasks import Task
from components.ml.transforms import Transformation
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind


def _scored_columns(inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """The dataset's columns (or only the label) with the model's score columns."""
    data, model = inputs.get("dataset"), inputs.get("trained_model")
    if data is None or not isinstance(model, dict):
        return {"*": None}
    scores = [column_flow.column(score_columns.SCORED_LABELS, role=metadata.SCORE)]
    if model.get("task") == Task.BINARY:
        scores.append(column_flow.column(score_columns.SCORED_PROBABILITIES, role=metadata.SCORE))
    label = model.get("label")
    score_names = {c["name"] for c in scores}
    if params.get("append_score_columns", True):
        base = [c for c in data if c["name"] not in score_names]
    else:
        base = [c for c in data if c["name"] == label]
    base = [
        dict(
            c,
            role=metadata.LABEL
            if c["name"] == label
            else (metadata.FEATURE if c.get("role") == metadata.LABEL else c.get("role")),
        )
        for c in base
    ]
    return {"*": base + scores}


def _feature_checks(inputs: dict[str, Any], params: dict[str, Any]) -> list[tuple[str, str]]:
    """The features the model will have been trained on, all in the dataset to score."""
    data, model = inputs.get("dataset"), inputs.get("trained_model")
    if data is None or not isinstance(model, dict) or "features" not in model:
        return []
    problem = missing_features(model["features"], [c["name"] for c in data])
    return [] if problem is None else [("dataset", problem)]


@component(
    id="score_model",
    name="Score Model",
    category="Model Scoring and Evaluation",
    columns=_scored_columns,
    checks=_feature_checks,
    inputs=[
        Port("trained_model", PortKind.TRAINED_MODEL, "Trained model"),
        Port("dataset", PortKind.DATASET, "Dataset"),
    ],
    outputs=[Port("scored_dataset", PortKind.DATASET, "Scored dataset")],
    params=[
        Param(
            "append_score_columns",
            ParamType.BOOL,
            "Append score columns to output",
            default=True,
            help="Unchecked: output only the scores and the true label.",
        )
    ],
)
def score_model(
    trained_model: TrainedModel | TrainedPythonModel,
    dataset: pd.DataFrame,
    *,
    append_score_columns: bool,
) -> dict[str, Any]:
    """Score predictions for a trained classification or regression model.

    A Python model (Create Python Model) predicts in the runner's sandbox; its `predict`
    returns the score columns.
    """
    model = expect_instance(
        trained_model,
        (TrainedModel, TrainedPythonModel),
        "Trained model",
        "a model trained by Train Model",
    )
    return {"scored_dataset": score(model, dataset, append_score_columns)}


@component(
    id="apply_transformation",
    name="Apply Transformation",
    category="Model Scoring and Evaluation",
    inputs=[
        Port("transformation", PortKind.TRANSFORMATION, "Transformation"),
        Port("dataset", PortKind.DATASET, "Dataset"),
    ],
    outputs=[Port("transformed_dataset", PortKind.DATASET, "Transformed dataset")],
)
def apply_transformation(transformation: Transformation, dataset: pd.DataFrame) -> dict[str, Any]:
    """Apply a well-specified data transformation to a dataset."""
    fitted = expect_instance(
        transformation,
        Transformation,  # type: ignore[type-abstract]
        "Transformation",
        "a transformation such as Clean Missing Data's",
    )
    return {"transformed_dataset": fitted.apply(dataset)}
