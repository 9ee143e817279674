"""One named metric of a trained model on labelled rows, for model selection.

Tune Model Hyperparameters picks the best settings and Permutation Feature Importance measures
the drop in performance with these. Each metric says whether higher is better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from components import conversions
from components.errors import ComponentInputError
from components.learners import (
    CLASSIFICATION,
    NUMERIC_LABEL,
    TrainedModel,
    class_labels,
    class_probabilities,
)
from components.metrics import regression_metrics


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
    return conversions.to_double(labels, model.label_column).to_numpy()


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
