"""Permutation Feature Importance: how much a model's score drops when a feature is shuffled."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.inspection import permutation_importance

from components.inputs import expect_instance
from components.ml.learners import TrainedModel
from components.ml.metrics import actual_values, check_metric, labelled_rows, metric_value
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

METRICS = {
    "Accuracy": "accuracy",
    "Precision": "precision",
    "Recall": "recall",
    "Mean Absolute Error": "mae",
    "Root Mean Squared Error": "rmse",
    "Relative Absolute Error": "rae",
    "Relative Squared Error": "rse",
    "Coefficient of Determination": "r2",
}
METRIC_LABEL = "Metric for measuring performance"
# Each feature is shuffled this many times; its importance is the mean drop.
REPEATS = 5


@component(
    id="permutation_feature_importance",
    name="Permutation Feature Importance",
    category="Feature Selection",
    inputs=[
        Port("trained_model", PortKind.TRAINED_MODEL, "Trained model"),
        Port("test_data", PortKind.DATASET, "Test data"),
    ],
    outputs=[Port("feature_importance", PortKind.DATASET, "Feature importance")],
    params=[
        Param("seed", ParamType.INT, "Random seed", default=0, min=0, max=4294967295),
        Param("metric", ParamType.CHOICE, METRIC_LABEL, default="Accuracy", choices=tuple(METRICS)),
    ],
)
def permutation_feature_importance(
    trained_model: TrainedModel, test_data: pd.DataFrame, *, seed: int, metric: str
) -> dict[str, Any]:
    """Compute feature importance scores by shuffling each feature of the test data.

    A feature's score is the mean drop in the metric over 5 shuffles (for an error metric, the
    rise in error), so the most important feature comes first.
    """
    model = expect_instance(
        trained_model, TrainedModel, "Trained model", "a model trained by Train Model"
    )
    key = METRICS[metric]
    chosen = check_metric(model.task, key, METRIC_LABEL, metric)
    rows = labelled_rows(model, test_data, "Test data")
    features = model.features.prepare(rows)
    actual = actual_values(model, rows[model.label_column])
    sign = 1.0 if chosen.higher_is_better else -1.0

    def scorer(_: Any, shuffled: pd.DataFrame, truth: Any) -> float:
        return sign * metric_value(model, shuffled, truth, key)

    result = permutation_importance(
        model.pipeline, features, actual, scoring=scorer, n_repeats=REPEATS, random_state=seed
    )
    table = pd.DataFrame({"Feature": list(model.feature_columns), "Score": result.importances_mean})
    table = table.sort_values("Score", ascending=False, kind="stable").reset_index(drop=True)
    return {"feature_importance": table}
