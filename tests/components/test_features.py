"""Tests of components.ml.features and components.ml.column_types: reading raw values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from components.errors import ComponentInputError
from components.ml import column_types
from components.ml.features import MISSING_CATEGORY, category_text


def test_category_text_unifies_number_spellings() -> None:
    """3, 3.0 and '3' are one category; missing values become their own category."""
    values = pd.Series([3, 3.0, "3", None, "x"], dtype=object)
    assert category_text(values).tolist() == ["3", "3", "3", MISSING_CATEGORY, "x"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("yes", True),
        ("F", False),
        (0, False),
        ("1", True),
        (np.nan, None),
        (2, None),
        ("maybe", None),
    ],
)
def test_parse_bool(value: Any, expected: bool | None) -> None:
    """Booleans, 0/1 and yes/no/true/false text are read; anything else is not boolean."""
    assert column_types.parse_bool(value) is expected


@pytest.mark.parametrize(
    ("convert", "values", "expected"),
    [
        (column_types.to_double, ["1,234.5", " 7 ", None, ""], [1234.5, 7.0, None, None]),
        (column_types.to_integer, [1.0, None, 3.0], [1, None, 3]),
        (column_types.to_boolean, ["yes", "no"], [True, False]),
    ],
)
def test_conversions(
    convert: Callable[..., pd.Series], values: list[Any], expected: list[Any]
) -> None:
    """Conversions read the designer's spellings and keep missing values missing."""
    result = convert(pd.Series(values, dtype=object), "c")
    assert [None if pd.isna(v) else v for v in result] == expected


def test_scalar_for_reads_text_as_column_type() -> None:
    """A replacement text is read as the column's type."""
    assert column_types.scalar_for(pd.Series([1, 2]), "n", "4") == 4
    assert column_types.scalar_for(pd.Series([True]), "b", "false") is False
    with pytest.raises(ComponentInputError, match=r"Column 'n' cannot be converted"):
        column_types.scalar_for(pd.Series([1.5]), "n", "abc")
