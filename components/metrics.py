"""The metrics Evaluate Model reports, under the designer's names (REFERENCE.md 1.5).

Plain functions of arrays, so Cross Validate Model and Tune Model Hyperparameters can reuse them.
Every value is finite: where a ratio is undefined (a constant label), the result follows
scikit-learn's `force_finite` convention instead of NaN or infinity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import metrics as skm

REGRESSION_METRICS = ("Mean_Absolute_Error", "Root_Mean_Squared_Error", "Relative_Squared_Error",
                      "Relative_Absolute_Error", "Coefficient_of_Determination")
BINARY_METRICS = ("AUC", "Accuracy", "Precision", "Recall", "F1", "True Negative",
                  "False Positive", "False Negative", "True Positive")
MULTICLASS_METRICS = ("Overall_Accuracy", "Micro_Precision", "Macro_Precision", "Micro_Recall",
                      "Macro_Recall")


def regression_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, relative squared and absolute errors, and R² of `predicted` against `actual`."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    errors = actual - predicted
    deviations = actual - actual.mean()
    r2 = float(skm.r2_score(actual, predicted)) if len(actual) > 1 else 0.0
    return {
        "Mean_Absolute_Error": float(np.abs(errors).mean()),
        "Root_Mean_Squared_Error": float(np.sqrt((errors ** 2).mean())),
        "Relative_Squared_Error": _ratio((errors ** 2).sum(), (deviations ** 2).sum()),
        "Relative_Absolute_Error": _ratio(np.abs(errors).sum(), np.abs(deviations).sum()),
        "Coefficient_of_Determination": r2,
    }


def binary_metrics(actual: np.ndarray, predicted: np.ndarray, probabilities: np.ndarray,
                   positive: Any) -> dict[str, float | int]:
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
    return {"AUC": auc, "Accuracy": (tp + tn) / len(is_positive) if len(is_positive) else 0.0,
            "Precision": precision, "Recall": recall, "F1": f1, "True Negative": tn,
            "False Positive": fp, "False Negative": fn, "True Positive": tp}


def multiclass_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Overall accuracy and micro/macro precision and recall over every class seen."""
    actual, predicted = np.asarray(actual, dtype=object), np.asarray(predicted, dtype=object)
    options = {"zero_division": 0.0}
    return {
        "Overall_Accuracy": float(skm.accuracy_score(actual, predicted)),
        "Micro_Precision": float(skm.precision_score(actual, predicted, average="micro",
                                                     **options)),
        "Macro_Precision": float(skm.precision_score(actual, predicted, average="macro",
                                                     **options)),
        "Micro_Recall": float(skm.recall_score(actual, predicted, average="micro", **options)),
        "Macro_Recall": float(skm.recall_score(actual, predicted, average="macro", **options)),
    }


def _ratio(numerator: float, denominator: float) -> float:
    if denominator > 0:
        return float(numerator / denominator)
    # A constant label: a perfect prediction scores 0, any other 1 (as R² gives 1 and 0).
    return 0.0 if numerator == 0 else 1.0
