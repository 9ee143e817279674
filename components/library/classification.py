"""Classification learners (two-class and multiclass): each outputs an untrained model."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from components.ml.learner_params import (
    UNTRAINED_MODEL_OUTPUT,
    Tunable,
    seed_param,
    trainer_params,
    trainer_settings,
)
from components.ml.learners import Learner
from components.ml.tasks import Task
from components.ml.tree_params import (
    BAGGING,
    BOOSTED_TREES,
    DECISION_FOREST,
    resampling_param,
)
from components.registry import component
from components.spec import ParamType

# L-BFGS at the designer's tolerance of 1e-7 needs more than scikit-learn's default 100 steps.
MAX_ITERATIONS = 1000
TWO_CLASS, MULTICLASS = "Two-Class", "Multiclass"


def inverse_weight(l2_weight: float) -> float:
    """scikit-learn's C for an L2 weight (no penalty at weight 0)."""
    return 1.0 / l2_weight if l2_weight > 0 else np.inf


LOGISTIC = (
    Tunable(
        "optimization_tolerance",
        "Optimization tolerance",
        ParamType.FLOAT,
        1e-7,
        "0.00001; 0.00000001",
        "tol",
        min=0.0,
        min_exclusive=True,
    ),
    Tunable(
        "l2_weight",
        "L2 regularization weight",
        ParamType.FLOAT,
        1.0,
        "0.01; 0.1; 1.0",
        "C",
        min=0.0,
        to_setting=inverse_weight,
    ),
)


def _logistic(task: Task, values: dict[str, Any]) -> Learner:
    single, sweep = trainer_settings(LOGISTIC, values, prefix="logisticregression__")
    classifier = LogisticRegression(
        C=inverse_weight(single["l2_weight"]),
        tol=single["optimization_tolerance"],
        solver="lbfgs",
        max_iter=MAX_ITERATIONS,
        random_state=values["seed"],
    )
    # Standardized features let L-BFGS converge on unscaled data (incomes next to ages).
    estimator = make_pipeline(StandardScaler(), classifier)
    kind = TWO_CLASS if task == Task.BINARY else MULTICLASS
    return Learner(f"{kind} Logistic Regression", task, estimator, sweep)


@component(
    id="two_class_logistic_regression",
    name="Two-Class Logistic Regression",
    category="Classification",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[*trainer_params(*LOGISTIC), seed_param()],
)
def two_class_logistic_regression(
    *,
    create_trainer_mode: str,
    optimization_tolerance: float,
    optimization_tolerance_range: str,
    l2_weight: float,
    l2_weight_range: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a binary classifier using logistic regression."""
    return {"untrained_model": _logistic(Task.BINARY, locals())}


@component(
    id="multiclass_logistic_regression",
    name="Multiclass Logistic Regression",
    category="Classification",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[*trainer_params(*LOGISTIC), seed_param()],
)
def multiclass_logistic_regression(
    *,
    create_trainer_mode: str,
    optimization_tolerance: float,
    optimization_tolerance_range: str,
    l2_weight: float,
    l2_weight_range: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a multiclass classifier using (multinomial) logistic regression."""
    return {"untrained_model": _logistic(Task.MULTICLASS, locals())}


def _boosted_trees(task: Task, values: dict[str, Any]) -> Learner:
    single, sweep = trainer_settings(BOOSTED_TREES, values)
    estimator = HistGradientBoostingClassifier(
        max_leaf_nodes=single["max_leaves"],
        min_samples_leaf=single["min_leaf_instances"],
        learning_rate=single["learning_rate"],
        max_iter=single["num_trees"],
        early_stopping=False,
        random_state=values["seed"],
    )
    kind = TWO_CLASS if task == Task.BINARY else MULTICLASS
    return Learner(f"{kind} Boosted Decision Tree", task, estimator, sweep)


@component(
    id="two_class_boosted_decision_tree",
    name="Two-Class Boosted Decision Tree",
    category="Classification",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[*trainer_params(*BOOSTED_TREES), seed_param()],
)
def two_class_boosted_decision_tree(
    *,
    create_trainer_mode: str,
    max_leaves: int,
    max_leaves_range: str,
    min_leaf_instances: int,
    min_leaf_instances_range: str,
    learning_rate: float,
    learning_rate_range: str,
    num_trees: int,
    num_trees_range: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a binary classifier using the boosted decision tree algorithm."""
    return {"untrained_model": _boosted_trees(Task.BINARY, locals())}


@component(
    id="multiclass_boosted_decision_tree",
    name="Multiclass Boosted Decision Tree",
    category="Classification",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[*trainer_params(*BOOSTED_TREES), seed_param()],
)
def multiclass_boosted_decision_tree(
    *,
    create_trainer_mode: str,
    max_leaves: int,
    max_leaves_range: str,
    min_leaf_instances: int,
    min_leaf_instances_range: str,
    learning_rate: float,
    learning_rate_range: str,
    num_trees: int,
    num_trees_range: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a multiclass classifier using the boosted decision tree algorithm."""
    return {"untrained_model": _boosted_trees(Task.MULTICLASS, locals())}


def _forest(task: Task, values: dict[str, Any]) -> Learner:
    single, sweep = trainer_settings(DECISION_FOREST, values)
    estimator = RandomForestClassifier(
        n_estimators=single["num_trees"],
        max_depth=single["max_depth"],
        min_samples_leaf=single["min_samples_per_leaf"],
        bootstrap=values["resampling_method"] == BAGGING,
        random_state=values["seed"],
    )
    kind = TWO_CLASS if task == Task.BINARY else MULTICLASS
    return Learner(f"{kind} Decision Forest", task, estimator, sweep)


@component(
    id="two_class_decision_forest",
    name="Two-Class Decision Forest",
    category="Classification",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[resampling_param(), *trainer_params(*DECISION_FOREST), seed_param()],
)
def two_class_decision_forest(
    *,
    resampling_method: str,
    create_trainer_mode: str,
    num_trees: int,
    num_trees_range: str,
    max_depth: int,
    max_depth_range: str,
    min_samples_per_leaf: int,
    min_samples_per_leaf_range: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a binary classifier using the decision forest algorithm."""
    return {"untrained_model": _forest(Task.BINARY, locals())}


@component(
    id="multiclass_decision_forest",
    name="Multiclass Decision Forest",
    category="Classification",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[resampling_param(), *trainer_params(*DECISION_FOREST), seed_param()],
)
def multiclass_decision_forest(
    *,
    resampling_method: str,
    create_trainer_mode: str,
    num_trees: int,
    num_trees_range: str,
    max_depth: int,
    max_depth_range: str,
    min_samples_per_leaf: int,
    min_samples_per_leaf_range: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a multiclass classifier using the decision forest algorithm."""
    return {"untrained_model": _forest(Task.MULTICLASS, locals())}
