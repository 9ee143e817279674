"""Model metrics: what Evaluate Model reports, and the one metric a user picks to compare models.

The first part is Evaluate Model's metrics under the designer's names (REFERENCE.md 1.5): plain
functions of arrays, so Cross Validate Model can reuse them. Every value is finite: where a
ratio is undefined (a constant label), the result follows scikit-learn's `force_finite`
convention instead of NaN or infinity.

The second part (`Metric`, `check_metric`, `metric_value`) is one named metric of a trained
model on labelled rows: Tune Model Hyperparameters picks the best settings and Permutation
Feature Importance measures the drop in performance with it. Each says whether higher is better.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from components.errors import ComponentInputError
from components.ml import column_types
from components.ml.features import value_text
from components.ml.learners import TrainedModel, class_labels, class_probabilities
from components.ml.tasks import CLASSIFICATION, NUMERIC_LABEL

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


@dataclass(frozen=True)
class Metric:
    """A metric: its key, whether higher is better, and the tasks it applies to."""

    key: str
    higher_is_better: bool
    classification: bool


METRICS = {
    m.key: m
    for m in (
        Metric("accuracy", True, True),
        Metric("precision", True, True),
        Metric("recall", True, True),
        Metric("f_score", True, True),
        Metric("auc", True, True),
        Metric("log_loss", False, True),
        Metric("mae", False, False),
        Metric("rmse", False, False),
        Metric("rae", False, False),
        Metric("rse", False, False),
        Metric("r2", True, False),
    )
}


def check_metric(model_task: str, key: str, parameter: str, shown: str) -> Metric:
    """The metric for `key`, if it suits the model's task.

    Raises:
        ComponentInputError: a classification metric for a regression model or the reverse.
    """
    metric = METRICS[key]
    is_classifier = model_task in CLASSIFICATION
    if model_task not in (*CLASSIFICATION, *NUMERIC_LABEL):
        raise ComponentInputError(
            f"Only classification and regression models can be measured with '{parameter}'; "
            f"got a {model_task.replace('_', ' ')} model."
        )
    if metric.classification != is_classifier:
        kind = "classification" if metric.classification else "regression"
        raise ComponentInputError(
            f"The '{parameter}' parameter is {shown!r}, a {kind} metric, but the model is a "
            f"{model_task.replace('_', ' ')} model."
        )
    return metric


def labelled_rows(model: TrainedModel, data: pd.DataFrame, port: str) -> pd.DataFrame:
    """The rows of `data` that have a label, checking the model's label column is there.

    Raises:
        ComponentInputError: the label column is missing or has no values.
    """
    label = model.label_column
    if label not in data.columns:
        raise ComponentInputError(
            f"'{port}' lacks the label column '{label}' that the model was trained to predict; "
            f"got columns: {', '.join(map(str, data.columns))}."
        )
    rows = data[data[label].notna()]
    if rows.empty:
        raise ComponentInputError(f"'{port}' has no rows with a value in label column '{label}'.")
    return rows


def actual_values(model: TrainedModel, labels: pd.Series) -> np.ndarray:
    """True labels as the model's predictions are typed."""
    if model.task in CLASSIFICATION:
        return class_labels(labels)
    return column_types.to_double(labels, model.label_column).to_numpy()


def metric_value(
    model: TrainedModel, features: pd.DataFrame, actual: np.ndarray, key: str
) -> float:
    """Metric `key` of `model` on prepared `features` (see FeatureSchema.prepare)."""
    if model.task not in CLASSIFICATION:
        predicted = np.asarray(model.pipeline.predict(features), dtype=float)
        return _regression(key, np.asarray(actual, dtype=float), predicted)
    probabilities = class_probabilities(model.pipeline, features)
    classes = np.asarray(model.classes, dtype=object)
    predicted = classes[probabilities.argmax(axis=1)]
    actual = np.asarray(actual, dtype=object)
    binary = len(classes) == 2
    average = {"average": "binary", "pos_label": classes[1]} if binary else {"average": "macro"}
    if key == "accuracy":
        return float(np.mean(predicted == actual))
    if key in ("precision", "recall", "f_score"):
        score = {
            "precision": skm.precision_score,
            "recall": skm.recall_score,
            "f_score": skm.f1_score,
        }[key]
        return float(
            score(
                actual,
                predicted,
                labels=list(classes) if not binary else None,
                zero_division=0.0,
                **average,
            )
        )
    if key == "log_loss":
        return float(
            skm.log_loss(actual, np.clip(probabilities, 1e-15, 1 - 1e-15), labels=list(classes))
        )
    present = set(actual.tolist())
    if len(present) < 2 or not present <= set(classes.tolist()):
        return 0.0  # AUC is undefined on a single class (the designer reports 0)
    if binary:
        return float(skm.roc_auc_score(actual == classes[1], probabilities[:, 1]))
    return float(skm.roc_auc_score(actual, probabilities, multi_class="ovr", labels=list(classes)))


def _regression(key: str, actual: np.ndarray, predicted: np.ndarray) -> float:
    names = {
        "mae": "Mean_Absolute_Error",
        "rmse": "Root_Mean_Squared_Error",
        "rae": "Relative_Absolute_Error",
        "rse": "Relative_Squared_Error",
        "r2": "Coefficient_of_Determination",
    }
    return regression_metrics(actual, predicted)[names[key]]
