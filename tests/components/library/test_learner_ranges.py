"""Tests of "Create trainer mode": single values, parameter ranges and the learner's sweep."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]
RANGE = "ParameterRange"


def test_range_mode_fills_the_param_grid(run: Run) -> None:
    """ParameterRange values become a scikit-learn param_grid keyed by estimator parameter."""
    learner = run(
        "two_class_boosted_decision_tree",
        create_trainer_mode=RANGE,
        max_leaves_range="2; 8",
        num_trees_range="5",
        learning_rate_range="0.1; 0.2; 0.4",
    )["untrained_model"]
    assert learner.param_grid == {
        "max_leaf_nodes": [2, 8],
        "min_samples_leaf": [1, 10, 50],
        "learning_rate": [0.1, 0.2, 0.4],
        "max_iter": [5],
    }


def test_range_mode_trains_with_single_parameter_defaults(run: Run) -> None:
    """In range mode the estimator Train Model fits uses the single-parameter defaults."""
    learner = run(
        "two_class_decision_forest", create_trainer_mode=RANGE, num_trees=3, num_trees_range="1; 2"
    )["untrained_model"]
    assert learner.estimator.n_estimators == 8


def test_single_mode_sweeps_the_default_ranges(run: Run) -> None:
    """A single-parameter learner carries its values and, for tuning, the default ranges."""
    learner = run("decision_forest_regression", num_trees=3)["untrained_model"]
    assert learner.estimator.n_estimators == 3
    assert learner.param_grid["n_estimators"] == [1, 8, 32]


def test_transformed_settings_keep_the_shown_values(run: Run) -> None:
    """An L2 weight range maps to C = 1 / weight while the sweep shows the weights."""
    learner = run(
        "two_class_logistic_regression", create_trainer_mode=RANGE, l2_weight_range="0.5; 2"
    )["untrained_model"]
    sweep = {p.label: p for p in learner.sweep}["L2 regularization weight"]
    assert sweep.values == (0.5, 2.0)
    assert learner.param_grid["logisticregression__C"] == [2.0, 0.5]


def test_wrapped_learners_prefix_their_grid(run: Run) -> None:
    """One-vs-All exposes the binary learner's ranges under the wrapper's estimator."""
    binary = run("two_class_averaged_perceptron")["untrained_model"]
    wrapped = run("one_vs_all_multiclass", {"untrained_model": binary})["untrained_model"]
    assert wrapped.param_grid == {f"estimator__{k}": v for k, v in binary.param_grid.items()}
    estimator = wrapped.with_settings({"estimator__perceptron__eta0": 0.5}).estimator
    assert estimator.estimator["perceptron"].eta0 == 0.5


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"max_leaves_range": "2; eight"},
            r"'Maximum number of leaves per tree \(range\)' "
            r"parameter must list numbers.*'eight'",
        ),
        (
            {"max_leaves_range": "1; 8"},
            r"In 'Maximum number of leaves per tree \(range\)'.*"
            r"range \[2, 131072\]",
        ),
        ({"learning_rate_range": " ; "}, r"'Learning rate \(range\)' parameter must list values"),
    ],
)
def test_bad_ranges_name_the_parameter(run: Run, params: dict[str, Any], message: str) -> None:
    """Malformed or out-of-bounds ranges are rejected naming the range parameter."""
    with pytest.raises(ComponentInputError, match=message):
        run("boosted_decision_tree_regression", create_trainer_mode=RANGE, **params)


def test_range_parameters_hidden_in_single_mode(run: Run) -> None:
    """A nonsense range is not validated while the learner is in SingleParameter mode."""
    learner = run("poisson_regression", l2_weight_range="nonsense")["untrained_model"]
    assert np.isclose(learner.estimator.l2_weight, 1.0)


def test_ols_has_no_sweep(run: Run) -> None:
    """Ordinary least squares has no ranges; online gradient descent has three."""
    assert run("linear_regression")["untrained_model"].sweep == ()
    ogd = run("linear_regression", solution_method="Online Gradient Descent")["untrained_model"]
    assert set(ogd.param_grid) == {
        "sgdregressor__eta0",
        "sgdregressor__max_iter",
        "sgdregressor__alpha",
    }
