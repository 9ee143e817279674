"""Regression learners: each outputs an untrained model for Train Model."""

from __future__ import annotations

from typing import Any

from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, Ridge, SGDRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from components.learners import Learner, Task
from components.library.learner_params import UNTRAINED_MODEL_OUTPUT, seed_param
from components.registry import component
from components.spec import Param, ParamType

OLS, OGD = "Ordinary Least Squares", "Online Gradient Descent"
_OGD = {"solution_method": (OGD,)}


@component(
    id="linear_regression", name="Linear Regression", category="Regression",
    inputs=[], outputs=UNTRAINED_MODEL_OUTPUT,
    params=[
        Param("solution_method", ParamType.CHOICE, "Solution method", default=OLS,
              choices=(OLS, OGD)),
        Param("l2_weight", ParamType.FLOAT, "L2 regularization weight", default=0.001, min=0.0),
        Param("include_intercept", ParamType.BOOL, "Include intercept term", default=True,
              visible_if={"solution_method": (OLS,)}),
        Param("learning_rate", ParamType.FLOAT, "Learning rate", default=0.1, min=0.0,
              min_exclusive=True, visible_if=_OGD),
        Param("epochs", ParamType.INT, "Number of training epochs", default=10, min=1,
              visible_if=_OGD),
        Param("normalize_features", ParamType.BOOL, "Normalize features", default=True,
              visible_if=_OGD),
        Param("decrease_learning_rate", ParamType.BOOL,
              "Decrease learning rate as iterations progress", default=True, visible_if=_OGD),
        seed_param(),
    ],
)
def linear_regression(
    *, solution_method: str, l2_weight: float, include_intercept: bool, learning_rate: float,
    epochs: int, normalize_features: bool, decrease_learning_rate: bool, seed: int | None,
) -> dict[str, Any]:
    """Create a linear regression model."""
    if solution_method == OLS:
        estimator: Any = (Ridge(alpha=l2_weight, fit_intercept=include_intercept) if l2_weight > 0
                          else LinearRegression(fit_intercept=include_intercept))
    else:
        sgd = SGDRegressor(
            penalty="l2", alpha=l2_weight, eta0=learning_rate, max_iter=epochs, tol=None,
            learning_rate="invscaling" if decrease_learning_rate else "constant",
            random_state=seed)
        # tol=None runs exactly `epochs` passes, as the designer's epoch count promises.
        estimator = make_pipeline(StandardScaler(), sgd) if normalize_features else sgd
    return {"untrained_model": Learner("Linear Regression", Task.REGRESSION, estimator)}


@component(
    id="boosted_decision_tree_regression", name="Boosted Decision Tree Regression",
    category="Regression", inputs=[], outputs=UNTRAINED_MODEL_OUTPUT,
    params=[
        Param("max_leaves", ParamType.INT, "Maximum number of leaves per tree", default=20,
              min=2, max=131072),
        Param("min_leaf_instances", ParamType.INT,
              "Minimum number of training instances required to form a leaf", default=10, min=1),
        Param("learning_rate", ParamType.FLOAT, "Learning rate", default=0.2, min=0.0, max=1.0,
              min_exclusive=True),
        Param("num_trees", ParamType.INT, "Total number of trees constructed", default=100,
              min=1),
        seed_param(),
    ],
)
def boosted_decision_tree_regression(
    *, max_leaves: int, min_leaf_instances: int, learning_rate: float, num_trees: int,
    seed: int | None,
) -> dict[str, Any]:
    """Create a regression model using the boosted decision tree algorithm."""
    # No early stopping: the designer builds exactly the number of trees asked for.
    estimator = HistGradientBoostingRegressor(
        max_leaf_nodes=max_leaves, min_samples_leaf=min_leaf_instances,
        learning_rate=learning_rate, max_iter=num_trees, early_stopping=False, random_state=seed)
    return {"untrained_model": Learner("Boosted Decision Tree Regression", Task.REGRESSION,
                                       estimator)}
