"""A short algorithm guide, after the designer's Algorithm Cheat Sheet: what to predict and what
matters most, mapped to learners of the library with one line on each. Pure data and a ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GOALS = {
    "number": "A number (regression)",
    "two": "One of two classes",
    "several": "One of several classes",
    "groups": "Groups in the data (clustering)",
    "anomalies": "Unusual rows (anomaly detection)",
    "recommendations": "Recommendations (user, item, rating)",
}
PRIORITIES = {
    "accuracy": "Accuracy",
    "speed": "Training time",
    "explainability": "Explainability",
    "size": "Large data",
}


@dataclass(frozen=True)
class Learner:
    component: str  # the component id
    goal: str
    line: str
    strengths: frozenset[str]


def _learner(component: str, goal: str, line: str, *strengths: str) -> Learner:
    return Learner(component, goal, line, frozenset(strengths))


LEARNERS = (
    _learner(
        "linear_regression",
        "number",
        "A straight-line fit: trains in moments, each coefficient reads as an effect.",
        "speed",
        "explainability",
        "size",
    ),
    _learner(
        "boosted_decision_tree_regression",
        "number",
        "Trees added one after another: often the most accurate on tables.",
        "accuracy",
    ),
    _learner(
        "decision_forest_regression",
        "number",
        "Many trees averaged: accurate, robust to outliers, trains in parallel.",
        "accuracy",
        "size",
    ),
    _learner(
        "poisson_regression",
        "number",
        "For counts (visits, calls): predicts a rate that never goes below zero.",
        "speed",
        "explainability",
    ),
    _learner(
        "fast_forest_quantile_regression",
        "number",
        "Predicts ranges (quantiles), not only one value.",
        "accuracy",
    ),
    _learner(
        "neural_network_regression",
        "number",
        "Fits complex shapes; needs more data and time.",
        "accuracy",
    ),
    _learner(
        "two_class_logistic_regression",
        "two",
        "Fast and explainable probabilities; a good first model.",
        "speed",
        "explainability",
        "size",
    ),
    _learner(
        "two_class_boosted_decision_tree",
        "two",
        "Often the most accurate on tables; slower to train.",
        "accuracy",
    ),
    _learner(
        "two_class_decision_forest",
        "two",
        "Accurate and robust; trains in parallel.",
        "accuracy",
        "size",
    ),
    _learner(
        "two_class_averaged_perceptron",
        "two",
        "A linear model that trains very fast on large data.",
        "speed",
        "size",
    ),
    _learner(
        "two_class_support_vector_machine",
        "two",
        "Strong with many features and few rows.",
        "accuracy",
    ),
    _learner(
        "two_class_neural_network", "two", "Fits complex boundaries; needs more data.", "accuracy"
    ),
    _learner(
        "multiclass_logistic_regression",
        "several",
        "Fast, explainable class probabilities.",
        "speed",
        "explainability",
        "size",
    ),
    _learner(
        "multiclass_boosted_decision_tree",
        "several",
        "Often the most accurate; slower to train.",
        "accuracy",
    ),
    _learner(
        "multiclass_decision_forest",
        "several",
        "Accurate and robust; trains in parallel.",
        "accuracy",
        "size",
    ),
    _learner(
        "multiclass_neural_network",
        "several",
        "Fits complex boundaries; needs more data.",
        "accuracy",
    ),
    _learner(
        "k_means_clustering",
        "groups",
        "Groups rows around K centres; fast and easy to read.",
        "speed",
        "explainability",
        "size",
        "accuracy",
    ),
    _learner(
        "pca_based_anomaly_detection",
        "anomalies",
        "Flags rows far from the main patterns; trains on normal data.",
        "speed",
        "size",
        "accuracy",
    ),
    _learner(
        "train_svd_recommender",
        "recommendations",
        "Learns user and item factors from ratings; then Score SVD Recommender.",
        "accuracy",
        "speed",
        "size",
    ),
)


def recommend(
    goal: str, priority: str | None, catalogue: dict[str, dict[str, Any]]
) -> list[tuple[dict[str, Any], str, bool]]:
    """Learners for `goal`, those strong in `priority` first: (component, line, strong)."""
    found = [
        (
            catalogue[learner.component],
            learner.line,
            priority in learner.strengths if priority else False,
        )
        for learner in LEARNERS
        if learner.goal == goal and learner.component in catalogue
    ]
    return sorted(found, key=lambda item: not item[2])  # stable: the guide's order otherwise
