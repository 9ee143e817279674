"""Tests of Permutation Feature Importance against sklearn.inspection.permutation_importance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.inspection import permutation_importance

from components import metadata
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def signal() -> pd.DataFrame:
    """'strong' drives y most, 'weak' a little, 'noise' not at all."""
    rng = np.random.default_rng(9)
    df = pd.DataFrame(
        {
            "noise": rng.normal(size=200),
            "weak": rng.normal(size=200),
            "strong": rng.normal(size=200),
        }
    )
    df["y"] = 5 * df["strong"] + df["weak"] + rng.normal(0, 0.1, 200)
    return metadata.with_roles(df, {"y": metadata.LABEL})


def trained(run: Run, learner: str, data: pd.DataFrame, **params: Any) -> Any:
    model = run(learner)["untrained_model"]
    return run("train_model", {"untrained_model": model, "dataset": data}, **params)[
        "trained_model"
    ]


def test_regression_order_equals_scikit_learn(run: Run, signal: pd.DataFrame) -> None:
    """Scores and order equal permutation_importance with MAE on the same model and seed."""
    model = trained(run, "linear_regression", signal)
    table = run(
        "permutation_feature_importance",
        {"trained_model": model, "test_data": signal},
        metric="Mean Absolute Error",
        seed=5,
    )["feature_importance"]
    features = signal[["noise", "weak", "strong"]]
    expected = permutation_importance(
        model.pipeline,
        features,
        signal["y"],
        n_repeats=5,
        random_state=5,
        scoring="neg_mean_absolute_error",
    )
    assert table["Feature"].tolist() == ["strong", "weak", "noise"]
    by_name = dict(zip(features.columns, expected.importances_mean, strict=True))
    assert table["Score"].to_numpy() == pytest.approx([by_name[f] for f in table["Feature"]])


def test_classification_accuracy_drops(run: Run, signal: pd.DataFrame) -> None:
    """With accuracy, shuffling the deciding feature costs the most; scores equal sklearn's."""
    data = metadata.with_roles(
        signal.assign(up=signal["y"] > 0).drop(columns="y"), {"up": metadata.LABEL}
    )
    model = trained(run, "two_class_logistic_regression", data)
    table = run("permutation_feature_importance", {"trained_model": model, "test_data": data})[
        "feature_importance"
    ]
    assert table["Feature"].iloc[0] == "strong"
    features = data[["noise", "weak", "strong"]]
    expected = permutation_importance(
        model.pipeline,
        features,
        data["up"].to_numpy(),
        n_repeats=5,
        random_state=0,
        scoring=lambda est, x, y: skm.accuracy_score(y, est.predict(x)),
    )
    assert table.set_index("Feature")["Score"].loc[
        list(features.columns)
    ].to_numpy() == pytest.approx(expected.importances_mean)


def test_metric_must_suit_the_model(run: Run, signal: pd.DataFrame) -> None:
    """A classification metric for a regression model names the parameter and both kinds."""
    model = trained(run, "linear_regression", signal)
    with pytest.raises(
        ComponentInputError,
        match=r"'Metric for measuring performance' "
        r"parameter is 'Accuracy', a classification "
        r"metric, but the model is a regression",
    ):
        run("permutation_feature_importance", {"trained_model": model, "test_data": signal})


def test_test_data_needs_the_label(run: Run, signal: pd.DataFrame) -> None:
    """Test data without the label column names the column."""
    model = trained(run, "linear_regression", signal)
    with pytest.raises(ComponentInputError, match=r"'Test data' lacks the label column 'y'"):
        run(
            "permutation_feature_importance",
            {"trained_model": model, "test_data": signal.drop(columns="y")},
            metric="Mean Absolute Error",
        )
