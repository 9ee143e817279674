"""Tests of Tune Model Hyperparameters: grid size, random sweeps and the best row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from components import metadata
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def wave() -> pd.DataFrame:
    """120 rows of a noisy sine: deeper trees fit better."""
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 6, 120)
    df = pd.DataFrame({"x": x, "z": rng.normal(size=120), "y": np.sin(x) + rng.normal(0, 0.1, 120)})
    return metadata.with_roles(df, {"y": metadata.LABEL})


def tune(
    run: Run, learner: Any, train: pd.DataFrame, valid: pd.DataFrame | None = None, **params: Any
) -> dict[str, Any]:
    return run(
        "tune_model_hyperparameters",
        {"untrained_model": learner, "training_dataset": train, "validation_dataset": valid},
        **params,
    )


def test_entire_grid_runs_every_combination(run: Run, wave: pd.DataFrame) -> None:
    """The sweep has one row per combination: the product of the range lengths."""
    learner = run(
        "decision_forest_regression",
        create_trainer_mode="ParameterRange",
        num_trees_range="2; 4",
        max_depth_range="1; 2; 8",
        min_samples_per_leaf_range="1; 5",
        seed=0,
    )["untrained_model"]
    sweep = tune(run, learner, wave.iloc[:80], wave.iloc[80:], sweeping_mode="Entire grid")[
        "sweep_results"
    ]
    assert len(sweep) == 2 * 3 * 2
    assert set(sweep.columns) == {
        "Number of decision trees",
        "Maximum depth of the decision trees",
        "Minimum number of samples per leaf node",
        "Mean absolute error",
    }
    assert len(sweep.drop(columns="Mean absolute error").drop_duplicates()) == 12


def test_best_model_has_the_best_metric(run: Run, wave: pd.DataFrame) -> None:
    """The trained best model is the argmax (R²) row's settings, scored on the validation set."""
    learner = run(
        "boosted_decision_tree_regression",
        create_trainer_mode="ParameterRange",
        max_leaves_range="2; 16",
        num_trees_range="5; 50",
        seed=0,
    )["untrained_model"]
    outputs = tune(
        run,
        learner,
        wave.iloc[:80],
        wave.iloc[80:],
        sweeping_mode="Entire grid",
        metric_regression="Coefficient of determination",
    )
    sweep, model = outputs["sweep_results"], outputs["trained_best_model"]
    best = sweep.loc[sweep["Coefficient of determination"].idxmax()]
    assert model.estimator.max_leaf_nodes == best["Maximum number of leaves per tree"]
    assert model.estimator.max_iter == best["Total number of trees constructed"]
    valid = wave.iloc[80:]
    r2 = skm.r2_score(valid["y"], model.predict_frame(valid)["Scored Labels"])
    assert r2 == pytest.approx(sweep["Coefficient of determination"].max())


def test_random_sweep_draws_the_asked_number_of_runs(run: Run, wave: pd.DataFrame) -> None:
    """A random sweep runs 'Maximum number of runs' times, the same draws for the same seed."""
    learner = run("decision_forest_regression", seed=0)["untrained_model"]
    first = tune(run, learner, wave, max_runs=3, seed=4)["sweep_results"]
    second = tune(run, learner, wave, max_runs=3, seed=4)["sweep_results"]
    assert len(first) == 3
    pd.testing.assert_frame_equal(first, second)


def test_single_parameter_learner_uses_default_ranges(run: Run, wave: pd.DataFrame) -> None:
    """A SingleParameter learner is swept over its default ranges (here 3 x 3 x 3)."""
    learner = run("decision_forest_regression", num_trees=2, seed=0)["untrained_model"]
    sweep = tune(run, learner, wave.head(60), sweeping_mode="Entire grid")["sweep_results"]
    assert len(sweep) == 27
    assert sorted(sweep["Number of decision trees"].unique()) == [1, 8, 32]


def test_classification_log_loss_is_minimised(run: Run, wave: pd.DataFrame) -> None:
    """For a loss metric the best row is the smallest value."""
    data = metadata.with_roles(
        wave.assign(up=np.where(wave["y"] > 0, "up", "down")), {"up": metadata.LABEL}
    )
    learner = run(
        "two_class_logistic_regression",
        create_trainer_mode="ParameterRange",
        l2_weight_range="0.001; 100",
    )["untrained_model"]
    outputs = tune(
        run,
        learner,
        data.drop(columns="y"),
        sweeping_mode="Entire grid",
        metric_classification="Average Log Loss",
    )
    sweep = outputs["sweep_results"]
    best = sweep.loc[sweep["Average Log Loss"].idxmin(), "L2 regularization weight"]
    assert outputs["trained_best_model"].estimator[-1].C == pytest.approx(1 / best)


def test_clustering_learners_cannot_be_tuned(run: Run, wave: pd.DataFrame) -> None:
    """Tuning a K-Means learner is a user error naming the learner."""
    learner = run("k_means_clustering")["untrained_model"]
    with pytest.raises(
        ComponentInputError,
        match=r"needs a classification or regression "
        r"learner; 'K-Means Clustering'",
    ):
        tune(run, learner, wave)


def test_validation_set_needs_the_label(run: Run, wave: pd.DataFrame) -> None:
    """A validation dataset without the label column names the column and the port."""
    learner = run("linear_regression")["untrained_model"]
    with pytest.raises(
        ComponentInputError,
        match=r"'Optional validation dataset' lacks the "
        r"label column 'y'",
    ):
        tune(run, learner, wave, wave.drop(columns="y"))
