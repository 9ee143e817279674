"""Tests of the regression learners: Linear Regression, Boosted Decision Tree Regression."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, Ridge, SGDRegressor
from sklearn.metrics import r2_score

from components import metadata
from components.errors import ComponentInputError
from components.ml.tasks import Task

Run = Callable[..., dict[str, Any]]
Train = Callable[..., Any]


@pytest.fixture
def linear() -> pd.DataFrame:
    """200 rows where y = 3*x1 - 2*x2 + 5 exactly, y in the tens of thousands."""
    rng = np.random.default_rng(3)
    x1, x2 = rng.uniform(0, 5000, 200), rng.uniform(0, 100, 200)
    return metadata.with_roles(
        pd.DataFrame({"x1": x1, "x2": x2, "y": 3 * x1 - 2 * x2 + 5}), {"y": metadata.LABEL}
    )


def test_ols_defaults_to_ridge(run: Run) -> None:
    """OLS with the default L2 weight is a Ridge with alpha 0.001 and an intercept."""
    learner = run("linear_regression")["untrained_model"]
    assert learner.task == Task.REGRESSION and learner.name == "Linear Regression"
    assert isinstance(learner.estimator, Ridge)
    assert learner.estimator.alpha == 0.001 and learner.estimator.fit_intercept


def test_ols_without_penalty_is_least_squares(run: Run) -> None:
    """An L2 weight of 0 gives plain least squares; the intercept option is honoured."""
    learner = run("linear_regression", l2_weight=0, include_intercept=False)["untrained_model"]
    assert isinstance(learner.estimator, LinearRegression)
    assert not learner.estimator.fit_intercept


def test_ols_recovers_exact_linear_relation(train: Train, linear: pd.DataFrame) -> None:
    """Unpenalized OLS reproduces a noiseless linear label."""
    model = train("linear_regression", linear, l2_weight=0)
    scores = model.predict_frame(linear)["Scored Labels"]
    assert scores.to_numpy() == pytest.approx(linear["y"].to_numpy(), rel=1e-9)


def test_ols_matches_scikit_learn_ridge(train: Train, table: pd.DataFrame) -> None:
    """On complete numeric features, predictions equal a Ridge fitted directly."""
    data = table[["horsepower", "doors", "price"]].dropna()
    data = metadata.with_roles(data, {"price": metadata.LABEL})
    model = train("linear_regression", data)
    direct = Ridge(alpha=0.001).fit(data[["horsepower", "doors"]], data["price"])
    expected = direct.predict(data[["horsepower", "doors"]])
    assert model.predict_frame(data)["Scored Labels"].to_numpy() == pytest.approx(expected)


def test_online_gradient_descent_normalizes_features(run: Run) -> None:
    """With 'Normalize features' (the default) the features are standardized before SGD."""
    learner = run("linear_regression", solution_method="Online Gradient Descent")
    steps = [type(step).__name__ for step in learner["untrained_model"].estimator]
    assert steps == ["StandardScaler", "SGDRegressor"]


def test_online_gradient_descent_settings(run: Run) -> None:
    """OGD maps the learning rate, epochs, L2 weight and schedule onto SGDRegressor."""
    learner = run(
        "linear_regression",
        solution_method="Online Gradient Descent",
        learning_rate=0.05,
        epochs=7,
        l2_weight=0.01,
        decrease_learning_rate=False,
        normalize_features=False,
        seed=5,
    )["untrained_model"]
    sgd = learner.estimator
    assert isinstance(sgd, SGDRegressor)
    assert (sgd.eta0, sgd.max_iter, sgd.alpha, sgd.learning_rate, sgd.random_state) == (
        0.05,
        7,
        0.01,
        "constant",
        5,
    )


def test_online_gradient_descent_learns(train: Train, linear: pd.DataFrame) -> None:
    """OGD with the designer's defaults (normalized features) learns a linear relation."""
    model = train("linear_regression", linear, solution_method="Online Gradient Descent", seed=0)
    scores = model.predict_frame(linear)["Scored Labels"]
    assert r2_score(linear["y"], scores) > 0.99


def test_boosted_trees_settings(run: Run) -> None:
    """The designer's tree parameters map onto HistGradientBoostingRegressor."""
    learner = run(
        "boosted_decision_tree_regression",
        max_leaves=8,
        min_leaf_instances=3,
        learning_rate=0.4,
        num_trees=20,
        seed=11,
    )["untrained_model"]
    tree = learner.estimator
    assert isinstance(tree, HistGradientBoostingRegressor)
    assert (
        tree.max_leaf_nodes,
        tree.min_samples_leaf,
        tree.learning_rate,
        tree.max_iter,
        tree.random_state,
        tree.early_stopping,
    ) == (8, 3, 0.4, 20, 11, False)


def test_boosted_trees_match_scikit_learn(train: Train, linear: pd.DataFrame) -> None:
    """Predictions equal a HistGradientBoostingRegressor fitted directly with the same settings."""
    model = train("boosted_decision_tree_regression", linear, num_trees=30, seed=0)
    direct = HistGradientBoostingRegressor(
        max_leaf_nodes=20,
        min_samples_leaf=10,
        learning_rate=0.2,
        max_iter=30,
        early_stopping=False,
        random_state=0,
    )
    expected = direct.fit(linear[["x1", "x2"]], linear["y"]).predict(linear[["x1", "x2"]])
    assert model.predict_frame(linear)["Scored Labels"].to_numpy() == pytest.approx(expected)


@pytest.mark.parametrize(
    ("component", "params", "message"),
    [
        (
            "boosted_decision_tree_regression",
            {"max_leaves": 1},
            r"'Maximum number of leaves per "
            r"tree' parameter must be in the "
            r"range \[2, 131072\]",
        ),
        ("boosted_decision_tree_regression", {"learning_rate": 0}, r"range \(0, 1\]"),
        ("linear_regression", {"l2_weight": -1}, r"'L2 regularization weight'.*\[0, inf\]"),
        ("linear_regression", {"seed": -2}, r"'Random number seed'"),
    ],
)
def test_parameter_ranges(run: Run, component: str, params: dict[str, Any], message: str) -> None:
    """Out-of-range learner parameters are rejected with the designer's label."""
    with pytest.raises(ComponentInputError, match=message):
        run(component, **params)
