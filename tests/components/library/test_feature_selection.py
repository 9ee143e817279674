"""Tests of Filter Based Feature Selection against scipy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from components import metadata
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def data() -> pd.DataFrame:
    """A target, a strong and a weak numeric feature, a category, and a cleared feature."""
    rng = np.random.default_rng(5)
    y = rng.normal(size=80)
    df = pd.DataFrame(
        {
            "weak": rng.normal(size=80) + 0.1 * y,
            "strong": y * 2 + rng.normal(0, 0.3, 80),
            "kind": pd.Series(np.where(y > 0, "up", "down"), dtype="str"),
            "leak": y,
            "y": y,
        }
    )
    return metadata.with_roles(df, {"y": metadata.LABEL, "leak": metadata.NONE})


def select(run: Run, df: pd.DataFrame, **params: Any) -> dict[str, Any]:
    return run("filter_based_feature_selection", {"dataset": df}, target_column="y", **params)


def test_pearson_scores_and_top_features(run: Run, data: pd.DataFrame) -> None:
    """Scores are |r| from scipy; the output is the target then the best features."""
    out = select(run, data, desired_features=2)
    scores = out["features"].set_index("Feature")["Score"]
    for column in ("weak", "strong"):
        assert scores[column] == pytest.approx(abs(stats.pearsonr(data[column], data["y"])[0]))
    assert scores["kind"] == 0.0
    assert "leak" not in scores.index
    assert list(out["filtered_dataset"].columns) == ["y", "strong", "weak"]
    assert metadata.roles(out["filtered_dataset"])["y"] == metadata.LABEL


def test_all_columns_when_not_feature_only(run: Run, data: pd.DataFrame) -> None:
    """Unchecking 'feature columns only' scores the cleared column too."""
    out = select(run, data, feature_columns_only=False)
    assert out["features"]["Feature"].iloc[0] == "leak"
    assert out["features"]["Score"].iloc[0] == pytest.approx(1.0)


def test_chi_squared_matches_contingency_statistic(run: Run, data: pd.DataFrame) -> None:
    """ChiSquared scores a categorical feature with scipy's chi2_contingency statistic."""
    target = pd.Series(np.where(data["y"] > 0.5, "high", "low"), dtype="str")
    df = data.assign(y=target)
    out = select(run, df, method="ChiSquared", desired_features=1)
    expected = stats.chi2_contingency(pd.crosstab(df["kind"], df["y"]), correction=False).statistic
    scores = out["features"].set_index("Feature")["Score"]
    assert scores["kind"] == pytest.approx(expected)
    assert list(out["filtered_dataset"].columns)[0] == "y"


def test_bad_target_is_named(run: Run, data: pd.DataFrame) -> None:
    """An unknown target, or a text target for Pearson, is a user error naming it."""
    with pytest.raises(ComponentInputError, match="Target column 'price' not found"):
        run("filter_based_feature_selection", {"dataset": data}, target_column="price")
    with pytest.raises(ComponentInputError, match="numeric target; column 'kind' is String"):
        run("filter_based_feature_selection", {"dataset": data}, target_column="kind")
