"""Tests of Group Data into Bins and its binning transformation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from components import metadata
from components.columns import by_names
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def values() -> pd.DataFrame:
    """200 skewed values with two gaps, and a text column."""
    rng = np.random.default_rng(11)
    x = rng.exponential(10, 200)
    x[[5, 50]] = np.nan
    return pd.DataFrame({"x": x, "name": ["n"] * 200})


def bins(run: Run, df: pd.DataFrame, **params: Any) -> tuple[pd.DataFrame, Any]:
    out = run("group_data_into_bins", {"dataset": df}, columns=by_names("x"), **params)
    return out["quantized_dataset"], out["binning_transformation"]


def test_quantile_bins_follow_numpy_quantiles(run: Run, values: pd.DataFrame) -> None:
    """Quantile bin i holds the values between numpy's (i-1)/k and i/k quantiles."""
    out, binner = bins(run, values, bins=4, normalization="Quantile Index")
    present = values["x"].dropna().to_numpy()
    edges = np.quantile(present, [0.25, 0.5, 0.75])
    np.testing.assert_allclose(binner.edges[0], edges)
    expected = np.searchsorted(edges, values["x"], side="left") + 1
    got = out["x_quantized"]
    assert metadata.is_categorical(got)
    assert (
        got.astype(float).fillna(-1).tolist() == np.where(values["x"].isna(), -1, expected).tolist()
    )
    assert got.value_counts().to_dict() == {1: 50, 2: 49, 3: 49, 4: 50}


def test_percent_and_pquantile_normalization(run: Run, values: pd.DataFrame) -> None:
    """Percent reports 100*i/k and PQuantile i/k."""
    percent, _ = bins(run, values, bins=4, categorical=False)
    pquantile, _ = bins(run, values, bins=4, normalization="PQuantile", categorical=False)
    index, _ = bins(run, values, bins=4, normalization="Quantile Index", categorical=False)
    np.testing.assert_allclose(percent["x_quantized"], 25.0 * index["x_quantized"].astype(float))
    np.testing.assert_allclose(pquantile["x_quantized"], index["x_quantized"].astype(float) / 4)


def test_equal_width_edges(run: Run, values: pd.DataFrame) -> None:
    """Equal-width edges split [min, max] evenly."""
    _, binner = bins(run, values, binning_mode="Equal Width", bins=5)
    low, high = values["x"].min(), values["x"].max()
    np.testing.assert_allclose(binner.edges[0], low + (high - low) * np.arange(1, 5) / 5)


def test_custom_edges_replayed_on_new_rows(run: Run, values: pd.DataFrame) -> None:
    """Custom edges close bins on the right; new rows beyond them land in the end bins."""
    _, binner = bins(
        run,
        values,
        binning_mode="Custom Edges",
        custom_edges="2, 5,10",
        output_mode="Inplace",
        categorical=False,
    )
    new = pd.DataFrame({"x": [-100.0, 2.0, 2.1, 5.0, 10.0, 1e6, np.nan], "name": ["m"] * 7})
    replayed = run("apply_transformation", {"transformation": binner, "dataset": new})
    assert replayed["transformed_dataset"]["x"].tolist()[:6] == [1, 1, 2, 2, 3, 4]
    assert pd.isna(replayed["transformed_dataset"]["x"].iloc[6])


def test_result_only_keeps_binned_columns(run: Run, values: pd.DataFrame) -> None:
    """Result Only outputs just the binned columns."""
    out, _ = bins(run, values, bins=3, output_mode="Result Only")
    assert list(out.columns) == ["x"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"columns": by_names("name")}, r"numeric columns only; got 'name' \(String\)"),
        ({"binning_mode": "Custom Edges", "custom_edges": "5,2"}, "increasing numbers"),
        ({"binning_mode": "Custom Edges", "custom_edges": "1,two"}, "must hold numbers"),
    ],
)
def test_bad_columns_and_edges(
    run: Run, values: pd.DataFrame, params: dict[str, Any], message: str
) -> None:
    """A text column or bad custom edges are user errors naming them."""
    params = {"columns": by_names("x"), **params}
    with pytest.raises(ComponentInputError, match=message):
        run("group_data_into_bins", {"dataset": values}, **params)


@pytest.mark.parametrize("mode", ["Quantiles", "Equal Width"])
def test_an_empty_table_is_refused_where_the_edges_are_learned(
    run: Run, values: pd.DataFrame, mode: str
) -> None:
    """Learned from no rows there were no edges, and the transformation put every value of new
    data into one bin: the step names the problem instead."""
    with pytest.raises(ComponentInputError) as raised:
        bins(run, values.iloc[:0], binning_mode=mode)
    message = str(raised.value)
    assert "Group Data into Bins cannot work on an empty table" in message, message
    assert f"'{mode}' binning learns its bin edges from the rows" in message, message


def test_custom_edges_bin_an_empty_table_into_an_empty_one(run: Run, values: pd.DataFrame) -> None:
    """Given edges need no rows: an empty table is binned into an empty one, and the
    transformation bins new rows by those edges."""
    out, binner = bins(run, values.iloc[:0], binning_mode="Custom Edges", custom_edges="5, 10, 20")
    assert out.empty
    assert binner.edges == ((5.0, 10.0, 20.0),)


@pytest.mark.parametrize("mode", ["Quantiles", "Equal Width"])
def test_a_column_with_no_values_is_refused_where_the_edges_are_learned(
    run: Run, values: pd.DataFrame, mode: str
) -> None:
    """A column missing in every row gave no edges, and the transformation put every value of
    new data into one bin: the step names the column instead."""
    with pytest.raises(ComponentInputError) as raised:
        bins(run, values.assign(x=np.nan), binning_mode=mode)
    message = str(raised.value)
    assert f"'{mode}' binning learns its bin edges from each column's values" in message
    assert "column 'x' has none (all 200 rows are missing)" in message, message


def test_custom_edges_bin_new_values_of_a_column_that_had_none(
    run: Run, values: pd.DataFrame
) -> None:
    """Given edges learn nothing: a column with no values is binned as missing, and new values
    by the edges."""
    out, binner = bins(
        run, values.assign(x=np.nan), binning_mode="Custom Edges", custom_edges="5, 10, 20"
    )
    assert out["x_quantized"].isna().all()  # appended, the default
    assert binner.bin_numbers(np.array([1.0, 7.0, 15.0, 30.0]), 0).tolist() == [1, 2, 3, 4]
