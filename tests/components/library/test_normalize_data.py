"""Tests of Normalize Data and its transformation."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from components import metadata
from components.columns import by_names
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]
VALUES = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, np.nan, 9.0]


@pytest.fixture
def numbers() -> pd.DataFrame:
    """A double column with one gap, an integer column, a constant one, text and a label."""
    return metadata.with_roles(
        pd.DataFrame(
            {
                "x": VALUES,
                "k": np.arange(1, 10),
                "same": np.full(9, 3.0),
                "name": list("abcdefghi"),
                "y": np.arange(9) * 1.5,
            }
        ),
        {"y": metadata.LABEL},
    )


def normalize(
    run: Run, df: pd.DataFrame, method: str, *names: str, **params: Any
) -> tuple[pd.DataFrame, Any]:
    out = run("normalize_data", {"dataset": df}, method=method, columns=by_names(*names), **params)
    return out["transformed_dataset"], out["transformation_function"]


def present(values: list[float]) -> list[float]:
    return [v for v in values if not math.isnan(v)]


def test_zscore_uses_population_std(run: Run, numbers: pd.DataFrame) -> None:
    """ZScore is (x - mean) / population standard deviation; missing stays missing."""
    out, _ = normalize(run, numbers, "ZScore", "x")
    seen = present(VALUES)
    mean = sum(seen) / len(seen)
    std = math.sqrt(sum((v - mean) ** 2 for v in seen) / len(seen))
    expected = [(v - mean) / std for v in VALUES]
    assert out["x"].tolist() == pytest.approx(expected, nan_ok=True)


def test_minmax_maps_to_unit_range(run: Run, numbers: pd.DataFrame) -> None:
    """MinMax is (x - min) / (max - min); an integer column becomes double."""
    out, _ = normalize(run, numbers, "MinMax", "k")
    assert out["k"].tolist() == pytest.approx([(k - 1) / 8 for k in range(1, 10)])
    assert out["k"].dtype == np.float64


@pytest.mark.parametrize(
    ("method", "function"),
    [
        ("Logistic", lambda v: 1 / (1 + math.exp(-v))),
        ("Tanh", math.tanh),
    ],
)
def test_pointwise_methods(
    run: Run, numbers: pd.DataFrame, method: str, function: Callable[[float], float]
) -> None:
    """Logistic and Tanh apply their function to each value."""
    out, _ = normalize(run, numbers, method, "x")
    expected = [function(v) if not math.isnan(v) else v for v in VALUES]
    assert out["x"].tolist() == pytest.approx(expected, nan_ok=True)


def test_lognormal_is_mle_fitted_cdf(run: Run, numbers: pd.DataFrame) -> None:
    """LogNormal is the CDF of a log-normal distribution fitted by maximum likelihood."""
    out, _ = normalize(run, numbers, "LogNormal", "x")
    shape, _, scale = stats.lognorm.fit(present(VALUES), floc=0)
    expected = stats.lognorm.cdf(VALUES, shape, loc=0, scale=scale)
    assert out["x"].tolist() == pytest.approx(expected.tolist(), nan_ok=True, rel=1e-6)


def test_lognormal_rejects_non_positive_values(run: Run, numbers: pd.DataFrame) -> None:
    """LogNormal cannot be fitted on zero or negative values; the error names the column."""
    with pytest.raises(ComponentInputError, match=r"column 'x' has values <= 0"):
        normalize(run, numbers.assign(x=numbers["x"] - 3), "LogNormal", "x")


@pytest.mark.parametrize(("zero", "expected"), [(True, 0.0), (False, None)])
def test_constant_columns(
    run: Run, numbers: pd.DataFrame, zero: bool, expected: float | None
) -> None:
    """A constant column becomes 0 when the option is checked, else missing."""
    out, _ = normalize(run, numbers, "ZScore", "same", constant_columns_zero=zero)
    if expected is None:
        assert out["same"].isna().all()
    else:
        assert (out["same"] == expected).all()


def test_other_columns_and_roles_untouched(run: Run, numbers: pd.DataFrame) -> None:
    """Only selected columns change; the label keeps its role."""
    out, _ = normalize(run, numbers, "ZScore", "x")
    pd.testing.assert_series_equal(out["k"], numbers["k"])
    assert metadata.roles(out)["y"] == metadata.LABEL


def test_non_numeric_selection_names_columns(run: Run, numbers: pd.DataFrame) -> None:
    """Selecting text or boolean columns is a user error that lists them."""
    df = numbers.assign(flag=True)
    with pytest.raises(
        ComponentInputError,
        match=r"numeric columns only; got 'name' \(String\), "
        r"'flag' \(Boolean\)",
    ):
        normalize(run, df, "ZScore", "x", "name", "flag")


def test_transformation_uses_training_statistics(run: Run, numbers: pd.DataFrame) -> None:
    """Applied to new rows, the transformation scales with the training mean and std."""
    trained, normalizer = normalize(run, numbers, "ZScore", "x")
    new_rows = pd.DataFrame({"x": [VALUES[0], 100.0]})
    applied = run("apply_transformation", {"transformation": normalizer, "dataset": new_rows})[
        "transformed_dataset"
    ]
    assert applied.loc[0, "x"] == pytest.approx(trained.loc[0, "x"])
    assert applied.loc[1, "x"] > 10


def test_transformation_needs_same_columns(run: Run, numbers: pd.DataFrame) -> None:
    """Applying to a dataset without the transformed column names it."""
    _, normalizer = normalize(run, numbers, "MinMax", "x", "k")
    with pytest.raises(ComponentInputError, match=r"lacks column\(s\) 'k'"):
        normalizer.apply(pd.DataFrame({"x": [1.0]}))


@pytest.mark.parametrize("method", ["ZScore", "MinMax", "LogNormal"])
def test_an_empty_table_is_refused_where_the_method_learns_from_rows(
    run: Run, numbers: pd.DataFrame, method: str
) -> None:
    """Fitted on no rows every column looked constant, and the transformation turned any data
    it was applied to into zeros: the step names the problem instead."""
    with pytest.raises(ComponentInputError) as raised:
        normalize(run, numbers.iloc[:0], method, "x", "k")
    message = str(raised.value)
    assert "Normalize Data cannot work on an empty table" in message, message
    assert f"'{method}' learns its statistics from the rows" in message, message
    assert "and the table has none). Check the steps before it" in message, message  # one stop


@pytest.mark.parametrize("method", ["Logistic", "Tanh"])
def test_an_empty_table_gives_an_empty_output_where_nothing_is_learned(
    run: Run, numbers: pd.DataFrame, method: str
) -> None:
    """Logistic and Tanh need no statistics: an empty table becomes an empty table, and the
    transformation works on new rows as one fitted on any table does."""
    out, normalizer = normalize(run, numbers.iloc[:0], method, "x")
    assert out.empty and list(out.columns) == list(numbers.columns)
    applied = run("apply_transformation", {"transformation": normalizer, "dataset": numbers})
    expected = normalize(run, numbers, method, "x")[0]["x"]
    pd.testing.assert_series_equal(applied["transformed_dataset"]["x"], expected)


@pytest.mark.parametrize("method", ["ZScore", "MinMax", "LogNormal"])
def test_a_column_with_no_values_is_refused_where_the_method_learns_from_them(
    run: Run, numbers: pd.DataFrame, method: str
) -> None:
    """A column missing in every row gave no statistics, and the transformation turned every
    value of new data in it into 0: the step names the column instead, and only it."""
    gaps = numbers.assign(gone=np.nan, blank=np.nan)
    with pytest.raises(ComponentInputError) as raised:
        normalize(run, gaps, method, "x", "gone", "k", "blank")
    message = str(raised.value)
    assert f"'{method}' learns its statistics from each column's values" in message, message
    assert "columns 'gone', 'blank' have none (all 9 rows are missing)" in message, message
    assert "'x'" not in message and "'k'" not in message


@pytest.mark.parametrize("method", ["Logistic", "Tanh"])
def test_a_column_with_no_values_stays_missing_where_nothing_is_learned(
    run: Run, numbers: pd.DataFrame, method: str
) -> None:
    """Logistic and Tanh learn nothing: the empty column stays missing, and new values in it
    are mapped by the function itself."""
    out, normalizer = normalize(run, numbers.assign(gone=np.nan), method, "gone")
    assert out["gone"].isna().all()
    applied = run(
        "apply_transformation",
        {"transformation": normalizer, "dataset": pd.DataFrame({"gone": [0.5, -2.0]})},
    )["transformed_dataset"]["gone"]
    function = {"Logistic": lambda v: 1 / (1 + math.exp(-v)), "Tanh": math.tanh}[method]
    assert applied.tolist() == pytest.approx([function(0.5), function(-2.0)], rel=1e-12)
