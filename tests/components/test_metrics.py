"""Tests of components.ml.metrics edge cases (the common cases run through Evaluate Model)."""

from __future__ import annotations

import math

import numpy as np

from components.ml.metrics import binary_metrics, multiclass_metrics, regression_metrics

# REFERENCE.md 1.5: the names Evaluate Model reports, in the designer's order.
REGRESSION = (
    "Mean_Absolute_Error",
    "Root_Mean_Squared_Error",
    "Relative_Squared_Error",
    "Relative_Absolute_Error",
    "Coefficient_of_Determination",
)
BINARY = (
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
MULTICLASS = (
    "Overall_Accuracy",
    "Micro_Precision",
    "Macro_Precision",
    "Micro_Recall",
    "Macro_Recall",
)


def test_constant_label_gives_finite_relative_errors() -> None:
    """With a constant label the relative errors stay finite: 0 when perfect, else 1."""
    perfect = regression_metrics(np.array([5.0, 5.0]), np.array([5.0, 5.0]))
    off = regression_metrics(np.array([5.0, 5.0]), np.array([4.0, 6.0]))
    assert perfect["Relative_Squared_Error"] == 0.0 and perfect["Relative_Absolute_Error"] == 0.0
    assert off["Relative_Squared_Error"] == 1.0 and off["Relative_Absolute_Error"] == 1.0
    assert all(math.isfinite(v) for v in (*perfect.values(), *off.values()))


def test_no_predicted_positives_gives_zero_precision() -> None:
    """Precision and F1 are 0, not NaN, when nothing is predicted positive."""
    result = binary_metrics(np.array([0, 1]), np.array([0, 0]), np.array([0.1, 0.2]), 1)
    assert result["Precision"] == 0.0 and result["F1"] == 0.0 and result["AUC"] == 1.0


def test_metric_names_match_the_designer() -> None:
    """Each function reports exactly the designer's metric names, in its order."""
    assert tuple(regression_metrics(np.array([1.0, 2.0]), np.array([1.0, 3.0]))) == REGRESSION
    assert (
        tuple(binary_metrics(np.array([0, 1]), np.array([0, 1]), np.array([0.2, 0.9]), 1)) == BINARY
    )
    assert tuple(multiclass_metrics(np.array(["a", "b"]), np.array(["a", "a"]))) == MULTICLASS
