"""The metrics Evaluate Model reports, under the designer's names (REFERENCE.md 1.5).

Plain functions of arrays, so Cross Validate Model and Tune Model Hyperparameters can reuse them.
Every value is finite: where a ratio is undefined (a constant label), the result follows
scikit-learn's `force_finite` convention instead of NaN or infinity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import metrics as skm

from components.features import value_text

REGRESSION_METRICS = (
    "Mean_Absolute_Error",
    "Root_Mean_Squared_Error",
    "Relative_Squared_Error",
    "Relative_Absolute_Error",
    "Coefficient_of_Determination",
)
BINARY_METRICS = (
    "AUC",
    "Accuracy",
    "Precision",
    "Recall",
    "F1",
    "True Negative",
    "False Positive",
    "False Negative",
    "True Positive",
)
MULTICLASS_METRICS = (
    "Overall_Accuracy",
    "Micro_Precision",
    "Macro_Precision",
    "Micro_Recall",
    "Macro_Recall",
)


def regression_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, relative squared and absolute errors, and R² of `predicted` against `actual`."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    errors = actual - predicted
    deviations = actual - actual.mean()
    r2 = float(skm.r2_score(actual, predicted)) if len(actual) > 1 else 0.0
    return {
        "Mean_Absolute_Error": float(np.abs(errors).mean()),
        "Root_Mean_Squared_Error": float(np.sqrt((errors**2).mean())),
        "Relative_Squared_Error": _ratio((errors**2).sum(), (deviations**2).sum()),
        "Relative_Absolute_Error": _ratio(np.abs(errors).sum(), np.abs(deviations).sum()),
        "Coefficient_of_Determination": r2,
    }


def binary_metrics(
    actual: np.ndarray, predicted: np.ndarray, probabilities: np.ndarray, positive: Any
) -> dict[str, float | int]:
    """AUC, accuracy, precision, recall, F1 and the confusion counts for class `positive`.

    AUC is 0.0 when `actual` holds a single class (the designer's convention).
    """
    is_positive = np.asarray(actual) == positive
    said_positive = np.asarray(predicted) == positive
    tp = int(np.sum(is_positive & said_positive))
    fp = int(np.sum(~is_positive & said_positive))
    fn = int(np.sum(is_positive & ~said_positive))
    tn = int(np.sum(~is_positive & ~said_positive))
    both_classes = 0 < is_positive.sum() < len(is_positive)
    auc = float(skm.roc_auc_score(is_positive, probabilities)) if both_classes else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "AUC": auc,
        "Accuracy": (tp + tn) / len(is_positive) if len(is_positive) else 0.0,
        "Precision": precision,
        "Recall": recall,
        "F1": f1,
        "True Negative": tn,
        "False Positive": fp,
        "False Negative": fn,
        "True Positive": tp,
    }


def multiclass_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Overall accuracy and micro/macro precision and recall over every class seen."""
    # As text (3 and 3.0 alike): scikit-learn cannot type an object array of numbers.
    actual, predicted = _class_text(actual), _class_text(predicted)
    options = {"zero_division": 0.0}
    return {
        "Overall_Accuracy": float(skm.accuracy_score(actual, predicted)),
        "Micro_Precision": float(
            skm.precision_score(actual, predicted, average="micro", **options)
        ),
        "Macro_Precision": float(
            skm.precision_score(actual, predicted, average="macro", **options)
        ),
        "Micro_Recall": float(skm.recall_score(actual, predicted, average="micro", **options)),
        "Macro_Recall": float(skm.recall_score(actual, predicted, average="macro", **options)),
    }


def _class_text(values: np.ndarray) -> np.ndarray:
    return np.array([value_text(v) for v in np.asarray(values, dtype=object)], dtype=object)


def _ratio(numerator: float, denominator: float) -> float:
    if denominator > 0:
        return float(numerator / denominator)
    # A constant label: a perfect prediction scores 0, any other 1 (as R² gives 1 and 0).
    return 0.0 if numerator == 0 else 1.0


CLUSTERING_METRICS = (
    "Result Description",
    "Average Distance to Other Center",
    "Average Distance to Cluster Center",
    "Number of Points",
    "Maximal Distance to Cluster Center",
)


def clustering_metrics(assignments: np.ndarray, distances: np.ndarray) -> list[dict[str, Any]]:
    """One row per cluster, then a combined row, from each point's distances to every center.

    A point's distance to other centers is its mean distance to the centers of the clusters it
    was not assigned to; an empty cluster reports zeros.
    """
    assignments = np.asarray(assignments, dtype=np.int64)
    distances = np.asarray(distances, dtype=float)
    count = distances.shape[1]
    own = distances[np.arange(len(distances)), assignments]
    others = (distances.sum(axis=1) - own) / (count - 1) if count > 1 else np.zeros_like(own)
    groups = [(f"Evaluation For Cluster No.{k}", assignments == k) for k in range(count)]
    rows = []
    for description, rows_in in [*groups, ("Combined Evaluation", np.ones_like(own, bool))]:
        points = int(rows_in.sum())
        rows.append(
            dict(
                zip(
                    CLUSTERING_METRICS,
                    (
                        description,
                        float(others[rows_in].mean()) if points else 0.0,
                        float(own[rows_in].mean()) if points else 0.0,
                        points,
                        float(own[rows_in].max()) if points else 0.0,
                    ),
                    strict=True,
                )
            )
        )
    return rows


def quantile_metrics(actual: np.ndarray, predictions: dict[float, np.ndarray]) -> dict[str, float]:
    """The quantile (pinball) loss of each quantile's predictions, and their average."""
    actual = np.asarray(actual, dtype=float)
    losses = {}
    for quantile, predicted in predictions.items():
        residual = actual - np.asarray(predicted, dtype=float)
        loss = np.maximum(quantile * residual, (quantile - 1) * residual).mean()
        losses[f"Quantile Loss:{quantile:g}"] = float(loss)
    losses["Average Quantile Loss"] = float(np.mean(list(losses.values())))
    return losses
