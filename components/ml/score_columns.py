"""The designer's score-column contract (evaluate-model.md), shared by scorers and evaluators."""

from __future__ import annotations

from typing import Any

SCORED_LABELS = "Scored Labels"
SCORED_PROBABILITIES = "Scored Probabilities"
# Multiclass scorers add one probability column per class: "Scored Probabilities_<class>".
PROBABILITY_PREFIX = "Scored Probabilities_"
# A column with this name is taken as the true label when no column has the label role.
TRUE_LABELS = "Labels"

# Explicit names other scorers may use; Evaluate Model recognises them too.
BINARY_SCORED_LABELS = "Binary Class Scored Labels"
BINARY_SCORED_PROBABILITIES = "Binary Class Scored Probabilities"
MULTICLASS_SCORED_LABELS = "Multi Class Scored Labels"
REGRESSION_SCORED_LABELS = "Regression Scored Labels"


def probability_column(cls: Any) -> str:
    """The multiclass probability column for class `cls`."""
    return f"{PROBABILITY_PREFIX}{cls}"


# Clustering: the assigned cluster (0-based) and the distance to each cluster's center.
ASSIGNMENTS = "Assignments"
DISTANCE_PREFIX = "DistancesToClusterCenter no."
# Quantile regression: one column per estimated quantile.
QUANTILE_PREFIX = "Scores for quantile :"
# Explicit anomaly-detection names Evaluate Model recognises.
ANOMALY_SCORED_LABELS = "Anomaly Detection Scored Labels"
ANOMALY_SCORED_PROBABILITIES = "Anomaly Detection Scored Probabilities"


def distance_column(cluster: int) -> str:
    """The distance column for cluster number `cluster` (0-based)."""
    return f"{DISTANCE_PREFIX}{cluster}"


def quantile_column(quantile: float) -> str:
    """The score column for `quantile` (0.25 -> "Scores for quantile :0.25")."""
    return f"{QUANTILE_PREFIX}{quantile:g}"
