"""Conversions between the designer's column types, with messages that name the column.

Edit Metadata, Clean Missing Data and trained models all turn user data into a given type; they
share these helpers so that "1,000", "yes" and 2.0 are read the same way everywhere.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from components import metadata
from components.errors import ComponentInputError

_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


def plain(series: pd.Series) -> pd.Series:
    """The series without a categorical wrapper (categories' own dtype)."""
    if metadata.is_categorical(series):
        return series.astype(series.cat.categories.dtype)
    return series


def to_double(series: pd.Series, column: str) -> pd.Series:
    """Convert to float64 (missing values become NaN); text may use thousands separators."""
    values = plain(series)
    if ptypes.is_bool_dtype(values.dtype):
        return pd.Series(values.to_numpy(dtype=float, na_value=np.nan), index=series.index)
    if ptypes.is_numeric_dtype(values.dtype):
        return pd.Series(values.to_numpy(dtype=float, na_value=np.nan), index=series.index)
    if ptypes.is_datetime64_any_dtype(values.dtype):
        raise ComponentInputError(f"Column '{column}' holds dates; expected numbers.")
    if values.dtype == object:
        # Objects may mix numbers and text (JSON rows); booleans count as 0/1 like a bool column.
        values = values.map(lambda v: float(v) if isinstance(v, bool) else v)
    text = values.astype("str").str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = numbers.isna() & values.notna() & (text != "")
    if bad.any():
        example = values[bad].iloc[0]
        raise ComponentInputError(
            f"Column '{column}' cannot be converted to a number: value {_shown(example)} "
            f"(row {_row(series, bad)}) is not numeric."
        )
    return pd.Series(numbers.to_numpy(dtype=float, na_value=np.nan), index=series.index)


def to_integer(series: pd.Series, column: str) -> pd.Series:
    """Convert to int64, or to nullable Int64 when values are missing."""
    numbers = to_double(series, column)
    fractional = numbers.notna() & (numbers != np.floor(numbers))
    if fractional.any():
        raise ComponentInputError(
            f"Column '{column}' cannot be converted to Integer: value "
            f"{float(numbers[fractional].iloc[0]):g} (row {_row(series, fractional)}) is not "
            "whole."
        )
    return numbers.astype("Int64") if numbers.isna().any() else numbers.astype("int64")


def to_boolean(series: pd.Series, column: str) -> pd.Series:
    """Convert to bool, or to nullable boolean when values are missing.

    Accepts booleans, the numbers 0 and 1, and text such as true/false, yes/no, t/f, 1/0.
    """
    values = plain(series)
    if ptypes.is_bool_dtype(values.dtype):
        return values.astype("boolean") if values.isna().any() else values.astype(bool)
    parsed = values.map(parse_bool)
    bad = parsed.isna() & values.notna()
    if bad.any():
        raise ComponentInputError(
            f"Column '{column}' cannot be converted to Boolean: value "
            f"{_shown(values[bad].iloc[0])} (row {_row(series, bad)}) is not true/false, yes/no "
            "or 1/0."
        )
    result = parsed.astype("boolean")
    return result if result.isna().any() else result.astype(bool)


def parse_bool(value: Any) -> bool | None:
    """The boolean a value stands for, or None when it is missing or not boolean-like."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return bool(value) if value in (0, 1) else None
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def to_datetime(series: pd.Series, column: str, fmt: str = "") -> pd.Series:
    """Convert to datetime64 with a strftime format, or leniently when `fmt` is blank."""
    values = plain(series)
    if ptypes.is_datetime64_any_dtype(values.dtype):
        return values
    try:
        return pd.to_datetime(values, format=fmt or "mixed")
    except (ValueError, TypeError) as exc:
        expected = f"format {fmt!r}" if fmt else "a recognisable date"
        raise ComponentInputError(
            f"Column '{column}' cannot be converted to DateTime with {expected}: {exc}"
        ) from exc


def to_string(series: pd.Series) -> pd.Series:
    """Convert to text, keeping missing values missing."""
    return plain(series).astype("str")


def as_type(series: pd.Series, column: str, designer_type: str, fmt: str = "") -> pd.Series:
    """Convert to one of the designer's types: String, Integer, Double, Boolean or DateTime."""
    if designer_type == "String":
        return to_string(series)
    if designer_type == "Integer":
        return to_integer(series, column)
    if designer_type == "Double":
        return to_double(series, column)
    if designer_type == "Boolean":
        return to_boolean(series, column)
    if designer_type == "DateTime":
        return to_datetime(series, column, fmt)
    raise ValueError(f"unknown designer type {designer_type!r}")


def scalar_for(series: pd.Series, column: str, text: str) -> Any:
    """Read `text` as a value of the column's type (for a replacement value, say)."""
    kind = metadata.column_type(series)
    probe = pd.Series([text], dtype=object)
    if kind in ("Integer", "Double"):
        number = float(to_double(probe, column).iloc[0])
        return int(number) if kind == "Integer" and number.is_integer() else number
    if kind == "Boolean":
        return bool(to_boolean(probe, column).iloc[0])
    if kind == "DateTime":
        return to_datetime(probe, column).iloc[0]
    return text


def _shown(value: Any) -> str:
    # numpy scalars would print as np.int64(5); users should read 5.
    return repr(value.item() if isinstance(value, np.generic) else value)


def _row(series: pd.Series, mask: pd.Series) -> int:
    # 1-based position, as users count rows in the dataset preview.
    return int(np.flatnonzero(mask.to_numpy())[0]) + 1
