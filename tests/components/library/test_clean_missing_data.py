"""Tests of Clean Missing Data and its cleaning transformation."""

from __future__ import annotations

import warnings
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
def gaps() -> pd.DataFrame:
    """Ten rows: 'a' misses 2 values (20%), 'b' 5 (50%), 'c' none, 'word' 1, 'empty' all."""
    return metadata.with_roles(
        pd.DataFrame(
            {
                "a": [1.0, np.nan, 3.0, 4.0, np.nan, 6.0, 7.0, 8.0, 9.0, 10.0],
                "b": [np.nan, 2.0, np.nan, 4.0, np.nan, 6.0, np.nan, 8.0, np.nan, 9.0],
                "c": np.arange(10),
                "word": pd.Series(["x", "y", "x", None, "x", "z", "y", "x", "x", "y"], dtype="str"),
                "empty": np.full(10, np.nan),
            }
        ),
        {"c": metadata.LABEL},
    )


def clean(run: Run, df: pd.DataFrame, **params: Any) -> tuple[pd.DataFrame, Any]:
    out = run("clean_missing_data", {"dataset": df}, **params)
    return out["cleaned_dataset"], out["cleaning_transformation"]


def test_mean_replacement_uses_column_mean(run: Run, gaps: pd.DataFrame) -> None:
    """Replace with mean fills each column with the mean of its present values."""
    cleaned, _ = clean(run, gaps, columns=by_names("a", "b"), cleaning_mode="Replace with mean")
    for column in ("a", "b"):
        present = [v for v in gaps[column] if not np.isnan(v)]
        expected = gaps[column].fillna(sum(present) / len(present))
        assert cleaned[column].tolist() == pytest.approx(expected.tolist())


def test_median_and_mode(run: Run, gaps: pd.DataFrame) -> None:
    """Median fills numbers with the middle value; mode fills text with the commonest value."""
    cleaned, _ = clean(run, gaps, columns=by_names("b"), cleaning_mode="Replace with median")
    assert cleaned.loc[0, "b"] == float(np.median([2, 4, 6, 8, 9]))
    cleaned, _ = clean(run, gaps, columns=by_names("word"), cleaning_mode="Replace with mode")
    assert cleaned.loc[3, "word"] == "x"


def test_custom_value_is_converted_to_column_type(run: Run, gaps: pd.DataFrame) -> None:
    """The replacement text becomes a number in numeric columns and stays text in text ones."""
    cleaned, _ = clean(run, gaps, columns=by_names("a", "word"), replacement_value="-1")
    assert cleaned.loc[1, "a"] == -1.0
    assert cleaned.loc[3, "word"] == "-1"
    assert cleaned["a"].dtype == np.float64


def test_custom_value_that_does_not_fit_names_column(run: Run, gaps: pd.DataFrame) -> None:
    """A replacement that cannot be read as the column's type is a user error naming it."""
    with pytest.raises(
        ComponentInputError, match=r"Replacement value 'n/a' does not suit column 'a' \(Double\)"
    ):
        clean(run, gaps, columns=by_names("a"), replacement_value="n/a")


def test_custom_value_fills_categorical_column(run: Run, gaps: pd.DataFrame) -> None:
    """A categorical column gains the replacement as a new category."""
    df = gaps.assign(word=gaps["word"].astype("category"))
    cleaned, _ = clean(run, df, columns=by_names("word"), replacement_value="unknown")
    assert cleaned.loc[3, "word"] == "unknown"
    assert metadata.is_categorical(cleaned["word"])


def test_mean_on_text_column_is_rejected(run: Run, gaps: pd.DataFrame) -> None:
    """Mean applies to numeric and boolean columns only; the error names the text column."""
    with pytest.raises(
        ComponentInputError,
        match=r"'Replace with mean' applies to Integer, Double, Boolean columns; "
        r"got 'word' \(String\)",
    ):
        clean(run, gaps, columns=by_names("a", "word"), cleaning_mode="Replace with mean")


def test_ratio_range_leaves_other_columns_alone(run: Run, gaps: pd.DataFrame) -> None:
    """Only columns whose missing ratio is within [min, max] are cleaned."""
    cleaned, _ = clean(
        run,
        gaps,
        columns=by_names("a", "b"),
        min_missing_ratio=0.3,
        max_missing_ratio=0.6,
        cleaning_mode="Replace with mean",
    )
    assert cleaned["a"].isna().sum() == 2  # 20% missing: below the minimum
    assert cleaned["b"].isna().sum() == 0  # 50% missing: within range


def test_remove_entire_row(run: Run, gaps: pd.DataFrame) -> None:
    """Rows with a missing value in a cleaned column are removed and the index reset."""
    cleaned, _ = clean(run, gaps, columns=by_names("a", "word"), cleaning_mode="Remove entire row")
    expected = gaps[gaps["a"].notna() & gaps["word"].notna()]
    assert cleaned["c"].tolist() == expected["c"].tolist()
    assert list(cleaned.index) == list(range(len(expected)))
    assert metadata.roles(cleaned)["c"] == metadata.LABEL


def test_remove_entire_column_only_drops_columns_with_gaps(run: Run, gaps: pd.DataFrame) -> None:
    """Remove entire column drops selected columns that have missing values, not complete ones."""
    cleaned, _ = clean(run, gaps, columns=by_names("a", "c"), cleaning_mode="Remove entire column")
    assert list(cleaned.columns) == ["b", "c", "word", "empty"]


@pytest.mark.parametrize(("choice", "kept"), [("Remove", False), ("Propagate", True)])
def test_all_missing_columns(run: Run, gaps: pd.DataFrame, choice: str, kept: bool) -> None:
    """An all-missing column has no mean: Remove drops it, Propagate keeps it as it is."""
    cleaned, _ = clean(
        run,
        gaps,
        columns=by_names("a", "empty"),
        cleaning_mode="Replace with mean",
        all_missing_columns=choice,
    )
    assert ("empty" in cleaned.columns) is kept
    assert cleaned["a"].notna().all()


def test_indicator_columns_mark_replaced_values(run: Run, gaps: pd.DataFrame) -> None:
    """Each cleaned column gets a boolean <column>_IsMissing telling which values were missing."""
    cleaned, _ = clean(run, gaps, columns=by_names("a", "c"), generate_indicator=True)
    assert cleaned["a_IsMissing"].tolist() == gaps["a"].isna().tolist()
    assert not cleaned["c_IsMissing"].any()


def test_transformation_replays_training_statistics(run: Run, gaps: pd.DataFrame) -> None:
    """On new rows the transformation fills with the training mean, not the new rows' mean."""
    _, cleaner = clean(run, gaps, columns=by_names("a"), cleaning_mode="Replace with mean")
    new_rows = pd.DataFrame({"a": [np.nan, 100.0, 200.0], "other": [1, 2, 3]})
    applied = run("apply_transformation", {"transformation": cleaner, "dataset": new_rows})[
        "transformed_dataset"
    ]
    assert applied.loc[0, "a"] == pytest.approx(gaps["a"].mean())
    assert applied["other"].tolist() == [1, 2, 3]


def test_transformation_removes_rows_on_replay(run: Run, gaps: pd.DataFrame) -> None:
    """Remove entire row, replayed, drops new rows with missing values in the same columns."""
    _, cleaner = clean(run, gaps, columns=by_names("a"), cleaning_mode="Remove entire row")
    new_rows = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan, 1.0, 2.0]})
    assert cleaner.apply(new_rows)["a"].tolist() == [1.0, 3.0]


def test_transformation_on_other_schema_names_missing_columns(run: Run, gaps: pd.DataFrame) -> None:
    """Applying to a dataset without a cleaned column names that column."""
    _, cleaner = clean(run, gaps, columns=by_names("a", "b"), cleaning_mode="Replace with mean")
    with pytest.raises(
        ComponentInputError,
        match=r"lacks column\(s\) 'b' that the Clean "
        r"Missing Data transformation was fitted on",
    ):
        run(
            "apply_transformation",
            {"transformation": cleaner, "dataset": pd.DataFrame({"a": [1.0]})},
        )


def test_blank_replacement_value_is_required(run: Run, gaps: pd.DataFrame) -> None:
    """In custom mode the replacement value must be given."""
    with pytest.raises(ComponentInputError, match=r"'Replacement value' is required"):
        clean(run, gaps, replacement_value="")


@pytest.mark.parametrize(
    "mode",
    [
        "Replace with mode",
        "Replace with mean",
        "Replace with median",
        "Replace using MICE",
        "Replace using Probabilistic PCA",
    ],
)
def test_an_empty_table_is_refused_where_the_mode_learns_from_rows(
    run: Run, gaps: pd.DataFrame, mode: str
) -> None:
    """A statistic or a model fitted on no rows would be NaN, and its transformation would
    leave every gap of new data alone without a word: the step names the problem instead (no
    raw IndexError, ValueError or LinAlgError, and no numpy warnings on empty slices)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a mean of an empty slice would warn
        with pytest.raises(ComponentInputError) as raised:
            clean(run, gaps.iloc[:0], columns=by_names("a", "b"), cleaning_mode=mode)
    message = str(raised.value)
    assert "Clean Missing Data cannot work on an empty table" in message, message
    assert f"'{mode}' learns its replacements from the rows" in message, message


@pytest.mark.parametrize(
    "mode", ["Remove entire row", "Remove entire column", "Custom substitution value"]
)
def test_an_empty_table_gives_an_empty_output_where_nothing_is_learned(
    run: Run, gaps: pd.DataFrame, mode: str
) -> None:
    """Modes that learn nothing from the rows clean an empty table into an empty table."""
    cleaned, _ = clean(run, gaps.iloc[:0], columns=by_names("a", "b"), cleaning_mode=mode)
    assert cleaned.empty and list(cleaned.columns) == list(gaps.columns)
