"""Tests of Summarize Data against pandas, numpy and scipy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from components.ml.statistics import COLUMNS, summarize

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def data() -> pd.DataFrame:
    """A double column with a gap, booleans, text and dates."""
    return pd.DataFrame(
        {
            "x": [1.0, 2.0, 2.0, 4.0, 7.0, np.nan, 11.0, 3.0],
            "flag": [True, False, True, True, False, True, True, True],
            "word": pd.Series(["a", "b", "a", None, "c", "a", "b", "a"], dtype="str"),
            "day": pd.date_range("2024-01-01", periods=8),
        }
    )


def test_columns_are_the_designers(run: Run, data: pd.DataFrame) -> None:
    """One row per input column, with the designer's column names in order."""
    out = run("summarize_data", {"dataset": data})["result_dataset"]
    assert list(out.columns) == list(COLUMNS)
    assert list(COLUMNS[:4]) == ["Feature", "Count", "Unique Value Count", "Missing Value Count"]
    assert COLUMNS[-1] == "P99.5"
    assert out["Feature"].tolist() == ["x", "flag", "word", "day"]


def test_numeric_statistics_match_scipy(data: pd.DataFrame) -> None:
    """Numeric statistics equal pandas/numpy/scipy's sample statistics."""
    row = summarize(data).set_index("Feature").loc["x"]
    x = data["x"].dropna().to_numpy()
    expected = {
        "Count": 7,
        "Unique Value Count": 6,
        "Missing Value Count": 1,
        "Min": 1.0,
        "Max": 11.0,
        "Mean": x.mean(),
        "Mean Deviation": np.mean(np.abs(x - x.mean())),
        "1st Quartile": np.percentile(x, 25),
        "Median": np.median(x),
        "3rd Quartile": np.percentile(x, 75),
        "Mode": 2.0,
        "Range": 10.0,
        "Sample Variance": np.var(x, ddof=1),
        "Sample Standard Deviation": np.std(x, ddof=1),
        "Sample Skewness": stats.skew(x, bias=False),
        "Sample Kurtosis": stats.kurtosis(x, bias=False),
        "P0.5": np.percentile(x, 0.5),
        "P1": np.percentile(x, 1),
        "P5": np.percentile(x, 5),
        "P95": np.percentile(x, 95),
        "P99.5": np.percentile(x, 99.5),
    }
    for column, value in expected.items():
        assert row[column] == pytest.approx(value), column


def test_booleans_and_text(data: pd.DataFrame) -> None:
    """Booleans count as 1/0 (Min = AND, Max = OR); text and dates get only the counts."""
    out = summarize(data).set_index("Feature")
    assert out.loc["flag", "Min"] == 0.0 and out.loc["flag", "Max"] == 1.0
    assert out.loc["flag", "Mean"] == pytest.approx(6 / 8)
    assert out.loc["word", ["Count", "Unique Value Count", "Missing Value Count"]].tolist() == [
        7,
        3,
        1,
    ]
    assert out.loc[["word", "day"], list(COLUMNS[4:])].isna().all().all()


def test_all_true_booleans_and_empty_column() -> None:
    """All-true booleans give Min 1 (AND); an all-missing numeric column gives only counts."""
    out = summarize(pd.DataFrame({"b": [True, True], "e": [np.nan, np.nan]})).set_index("Feature")
    assert out.loc["b", "Min"] == 1.0
    assert out.loc["e", "Count"] == 0 and np.isnan(out.loc["e", "Mean"])
