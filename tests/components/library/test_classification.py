"""Tests of the classification learners: Two-Class Logistic Regression."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from components import metadata
from components.ml.tasks import Task

Run = Callable[..., dict[str, Any]]
Train = Callable[..., Any]


@pytest.fixture
def income() -> pd.DataFrame:
    """300 rows: 'rich' is '>50K' when income (in the tens of thousands) plus noise is high."""
    rng = np.random.default_rng(5)
    income = rng.normal(50_000, 15_000, 300)
    age = rng.integers(18, 80, 300)
    rich = np.where(income + rng.normal(0, 5_000, 300) > 55_000, ">50K", "<=50K")
    return metadata.with_roles(
        pd.DataFrame({"income": income, "age": age, "rich": rich}), {"rich": metadata.LABEL}
    )


def test_logistic_regression_settings(run: Run) -> None:
    """C is the inverse of the L2 weight and the tolerance is passed through."""
    learner = run("two_class_logistic_regression", l2_weight=4.0, optimization_tolerance=1e-5)[
        "untrained_model"
    ]
    classifier = learner.estimator[-1]
    assert learner.task == Task.BINARY
    assert isinstance(classifier, LogisticRegression)
    assert (classifier.C, classifier.tol, classifier.solver) == (0.25, 1e-5, "lbfgs")


def test_zero_l2_weight_means_no_penalty(run: Run) -> None:
    """An L2 weight of 0 gives an unpenalized model (C = inf) instead of dividing by zero."""
    learner = run("two_class_logistic_regression", l2_weight=0)["untrained_model"]
    assert np.isinf(learner.estimator[-1].C)


def test_probabilities_are_for_second_sorted_class(train: Train, income: pd.DataFrame) -> None:
    """Scored Probabilities is P('>50K'), the second of the sorted classes ('<=50K' < '>50K')."""
    model = train("two_class_logistic_regression", income)
    assert model.classes == tuple(sorted({"<=50K", ">50K"}))
    scores = model.predict_frame(income)
    rich = scores["Scored Labels"] == ">50K"
    assert (rich == (scores["Scored Probabilities"] > 0.5)).all()
    # A higher income must not lower the probability of being rich.
    by_income = scores["Scored Probabilities"].to_numpy()[np.argsort(income["income"])]
    assert by_income[-10:].mean() > by_income[:10].mean()


def test_learns_separable_pattern(train: Train, income: pd.DataFrame) -> None:
    """On a mostly separable label the model is right far more often than chance."""
    model = train("two_class_logistic_regression", income)
    accuracy = (model.predict_frame(income)["Scored Labels"] == income["rich"]).mean()
    assert accuracy > 0.85
