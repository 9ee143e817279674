"""Tests of the added learners against scikit-learn fitted directly on the same data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from components import metadata
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]
Train = Callable[..., Any]
CLASSIFIERS = [
    "two_class_boosted_decision_tree",
    "two_class_decision_forest",
    "two_class_neural_network",
    "two_class_averaged_perceptron",
    "two_class_support_vector_machine",
]
MULTICLASS = [
    "multiclass_boosted_decision_tree",
    "multiclass_decision_forest",
    "multiclass_logistic_regression",
    "multiclass_neural_network",
]


@pytest.fixture
def blobs() -> pd.DataFrame:
    """Three well separated classes in two numeric features (label 'kind')."""
    rng = np.random.default_rng(5)
    centers = {"a": (0, 0), "b": (6, 0), "c": (0, 6)}
    rows = [
        (x + rng.normal(), y + rng.normal(), kind)
        for kind, (x, y) in centers.items()
        for _ in range(30)
    ]
    df = pd.DataFrame(rows, columns=["x1", "x2", "kind"])
    return metadata.with_roles(df, {"kind": metadata.LABEL})


@pytest.mark.parametrize("learner", CLASSIFIERS)
def test_two_class_learners_separate_two_blobs(
    train: Train, blobs: pd.DataFrame, learner: str
) -> None:
    """Each two-class learner separates two classes; probabilities lie in [0, 1]."""
    two = blobs[blobs["kind"] != "c"].reset_index(drop=True)
    scores = train(learner, two, seed=0).predict_frame(two)
    assert (scores["Scored Labels"] == two["kind"]).mean() > 0.95
    assert scores["Scored Probabilities"].between(0, 1).all()


@pytest.mark.parametrize("learner", MULTICLASS)
def test_multiclass_learners_separate_three_blobs(
    train: Train, blobs: pd.DataFrame, learner: str
) -> None:
    """Each multiclass learner scores three classes with one probability column per class."""
    scores = train(learner, blobs, seed=0).predict_frame(blobs)
    assert (scores["Scored Labels"] == blobs["kind"]).mean() > 0.95
    probabilities = scores[[f"Scored Probabilities_{k}" for k in "abc"]]
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_one_vs_all_equals_scikit_learn(run: Run, train: Train, blobs: pd.DataFrame) -> None:
    """One-vs-All over logistic regression predicts as sklearn's OneVsRestClassifier does."""
    binary = run("two_class_logistic_regression")["untrained_model"]
    wrapped = run("one_vs_all_multiclass", {"untrained_model": binary})["untrained_model"]
    model = run("train_model", {"untrained_model": wrapped, "dataset": blobs})["trained_model"]
    direct = OneVsRestClassifier(
        make_pipeline(StandardScaler(), LogisticRegression(C=1.0, tol=1e-7, max_iter=1000))
    )
    direct.fit(blobs[["x1", "x2"]], blobs["kind"])
    expected = direct.predict(blobs[["x1", "x2"]])
    assert model.predict_frame(blobs)["Scored Labels"].tolist() == expected.tolist()
    assert np.allclose(
        model.predict_frame(blobs)["Scored Probabilities_b"],
        direct.predict_proba(blobs[["x1", "x2"]])[:, 1],
    )


def test_one_vs_one_picks_the_most_voted_class(run: Run, blobs: pd.DataFrame) -> None:
    """One-vs-One gives the label of its highest softmaxed vote total."""
    binary = run("two_class_support_vector_machine", seed=0)["untrained_model"]
    wrapped = run("one_vs_one_multiclass", {"untrained_model": binary})["untrained_model"]
    model = run("train_model", {"untrained_model": wrapped, "dataset": blobs})["trained_model"]
    scores = model.predict_frame(blobs)
    assert (
        scores["Scored Labels"].tolist()
        == model.pipeline.predict(model.features.prepare(blobs)).tolist()
    )


def test_wrappers_refuse_a_multiclass_learner(run: Run) -> None:
    """One-vs-All given a multiclass learner names the learner and its kind."""
    learner = run("multiclass_decision_forest")["untrained_model"]
    with pytest.raises(
        ComponentInputError,
        match=r"needs a two-class learner; 'Multiclass "
        r"Decision Forest' is a multiclass",
    ):
        run("one_vs_all_multiclass", {"untrained_model": learner})


def test_quantile_forest_orders_and_covers_quantiles(train: Train) -> None:
    """Quantile scores are ordered and about q of the labels lie below quantile q."""
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 10, 600)
    df = metadata.with_roles(
        pd.DataFrame({"x": x, "y": x + rng.normal(0, 2, 600)}), {"y": metadata.LABEL}
    )
    model = train("fast_forest_quantile_regression", df, quantiles="0.1; 0.5; 0.9", seed=0)
    scores = model.predict_frame(df)
    assert list(scores.columns) == [
        "Scores for quantile :0.1",
        "Scores for quantile :0.5",
        "Scores for quantile :0.9",
    ]
    assert (scores.diff(axis=1).iloc[:, 1:] >= 0).all().all()
    below = (df["y"].to_numpy()[:, None] <= scores.to_numpy()).mean(axis=0)
    assert below == pytest.approx([0.1, 0.5, 0.9], abs=0.1)


@pytest.mark.parametrize("text", ["0.5; 1.5", "half", ""])
def test_bad_quantiles_are_named(run: Run, text: str) -> None:
    """Quantiles outside (0, 1) or not numbers name the parameter."""
    with pytest.raises(ComponentInputError, match=r"'Quantiles to be estimated'"):
        run("fast_forest_quantile_regression", quantiles=text)


def test_poisson_regression_rejects_negative_counts(train: Train, table: pd.DataFrame) -> None:
    """Poisson Regression on a label with negative values names the label column."""
    negative = table.assign(price=table["price"] - 20000)
    with pytest.raises(
        ComponentInputError,
        match=r"Poisson Regression could not be trained "
        r"with label 'price'",
    ):
        train("poisson_regression", negative)


def test_poisson_regression_fits_counts(train: Train) -> None:
    """Poisson Regression recovers a log-linear count rate."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 2, 500)
    df = metadata.with_roles(
        pd.DataFrame({"x": x, "n": rng.poisson(np.exp(1 + x))}), {"n": metadata.LABEL}
    )
    model = train("poisson_regression", df, l2_weight=0.0)
    predicted = model.predict_frame(pd.DataFrame({"x": [0.0, 2.0]}))["Scored Labels"]
    assert predicted.to_numpy() == pytest.approx(np.exp([1.0, 3.0]), rel=0.15)


def test_hidden_nodes_must_be_numbers(run: Run) -> None:
    """A malformed hidden-layer list names the parameter."""
    with pytest.raises(ComponentInputError, match=r"'Number of hidden nodes' parameter must be"):
        run("neural_network_regression", hidden_nodes="10,x")


def poisson_data(seed: int = 0, rows: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4))
    return x, rng.poisson(np.exp(0.5 + x @ np.array([0.6, -0.4, 0.0, 0.0])))


def test_poisson_without_l1_is_scikit_learns_poisson_regressor() -> None:
    """L1 weight 0: the same fit as scikit-learn's PoissonRegressor (loss averaged there)."""
    from sklearn.linear_model import PoissonRegressor

    from components.ml.estimators import ElasticNetPoissonRegressor

    x, y = poisson_data()
    ours = ElasticNetPoissonRegressor(l1_weight=0.0, l2_weight=5.0, tol=1e-10).fit(x, y)
    theirs = PoissonRegressor(alpha=5.0 / len(y), tol=1e-10, max_iter=1000).fit(x, y)
    assert ours.coef_ == pytest.approx(theirs.coef_, abs=1e-5)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, abs=1e-5)


def test_poisson_l1_weight_gives_a_sparse_optimum() -> None:
    """With an L1 weight the fit meets the lasso optimality conditions (checked from the
    gradient computed here): zero coefficients where |gradient| <= l1, else gradient = -l1 sign."""
    from components.ml.estimators import ElasticNetPoissonRegressor

    x, y = poisson_data(1)
    l1, l2 = 40.0, 1.0
    model = ElasticNetPoissonRegressor(l1_weight=l1, l2_weight=l2, tol=1e-12, memory=5).fit(x, y)
    mu = np.exp(x @ model.coef_ + model.intercept_)
    gradient = x.T @ (mu - y) + l2 * model.coef_  # of the summed smooth part
    zero = model.coef_ == 0.0
    assert zero[2:].all() and not zero[:2].any()  # the two noise features are dropped exactly
    assert np.all(np.abs(gradient[zero]) <= l1 + 1e-3)
    assert gradient[~zero] == pytest.approx(-l1 * np.sign(model.coef_[~zero]), abs=1e-2)


def test_poisson_component_passes_l1_and_memory(run: Run) -> None:
    """The designer's L1 weight and L-BFGS memory size reach the estimator, and sweep."""
    learner = run("poisson_regression", l1_weight=0.5, memory_size=7)["untrained_model"]
    params = learner.estimator.get_params()
    assert (params["l1_weight"], params["memory"], params["l2_weight"]) == (0.5, 7, 1.0)
