"""Tests of components.columns: the designer's column selector."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from components import columns, metadata
from components.errors import ComponentInputError


def rules(begin: str, *rule: tuple[str, str, Any], preserve_order: bool = False) -> dict:
    return {
        "begin": begin,
        "preserve_order": preserve_order,
        "rules": [{"action": a, "by": b, "values": v} for a, b, v in rule],
    }


@pytest.fixture
def df(table: pd.DataFrame) -> pd.DataFrame:
    """The shared fixture table with 'expensive' marked as a score column."""
    return metadata.with_roles(table, {"expensive": metadata.SCORE})


def test_by_names_keeps_listed_order(df: pd.DataFrame) -> None:
    """A by-name selection returns the names in the order they were listed."""
    assert columns.resolve(df, columns.by_names("price", "make")) == ["price", "make"]


def test_missing_name_lists_available_columns(df: pd.DataFrame) -> None:
    """An unknown name raises an error naming it and the available columns."""
    with pytest.raises(
        ComponentInputError,
        match=r"Column\(s\) 'prize' not found; "
        r"available: make, body, turbo",
    ):
        columns.resolve(df, columns.by_names("prize"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1-3,5", ["make", "body", "turbo", "doors"]),
        ("8,1", ["make", "expensive"]),
        ("2", ["body"]),
    ],
)
def test_indices_are_one_based_ranges(df: pd.DataFrame, text: str, expected: list[str]) -> None:
    """Indices are 1-based, with closed ranges; the output follows the table order."""
    assert columns.resolve(df, rules("none", ("include", "indices", text))) == expected


def test_index_out_of_range(df: pd.DataFrame) -> None:
    """An index past the last column is reported with the column count."""
    with pytest.raises(ComponentInputError, match=r"'9' is out of range: the dataset has 8"):
        columns.resolve(df, rules("none", ("include", "indices", "9")))


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        (["Numeric"], ["horsepower", "doors", "price"]),
        (["Integer"], ["doors"]),
        (["Boolean"], ["turbo"]),
        (["String"], ["make", "body", "expensive"]),
        (["Categorical"], ["body"]),
        (["DateTime"], ["sold"]),
    ],
)
def test_types(df: pd.DataFrame, types: list[str], expected: list[str]) -> None:
    """Type rules follow the designer: Numeric is Integer or Double, not Boolean/categorical."""
    assert columns.resolve(df, rules("none", ("include", "types", types))) == expected


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (["Label"], ["price"]),
        (["Score"], ["expensive"]),
        (["Label", "Score"], ["price", "expensive"]),
    ],
)
def test_kinds_follow_roles(df: pd.DataFrame, kinds: list[str], expected: list[str]) -> None:
    """Kind rules pick columns by their role metadata."""
    assert columns.resolve(df, rules("none", ("include", "kinds", kinds))) == expected


def test_exclude_rules_apply_in_order(df: pd.DataFrame) -> None:
    """Starting from all columns, exclusions remove and later inclusions add back."""
    selection = rules(
        "all",
        ("exclude", "types", ["Numeric"]),
        ("exclude", "names", ["make"]),
        ("include", "names", ["price"]),
    )
    assert columns.resolve(df, selection) == ["body", "turbo", "sold", "price", "expensive"]


def test_excluding_helper(df: pd.DataFrame) -> None:
    """excluding() keeps every other column in table order."""
    kept = columns.resolve(df, columns.excluding("make", "price"))
    assert kept == [c for c in df.columns if c not in ("make", "price")]


def test_preserve_order_follows_inclusion(df: pd.DataFrame) -> None:
    """With preserve_order, columns come in the order the rules included them."""
    selection = rules(
        "none", ("include", "names", ["price"]), ("include", "indices", "1-2"), preserve_order=True
    )
    assert columns.resolve(df, selection) == ["price", "make", "body"]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ("price", r"a column selection \(an object"),
        ({"names": "price"}, r"'names' is a list of column names"),
        (
            {"begin": "all", "rules": [{"action": "keep"}]},
            r"rule 1 has 'action' include or exclude",
        ),
        (rules("none", ("include", "indices", "0-2")), r"index item '0-2' that is not N or N-M"),
        (rules("none", ("include", "types", ["Text"])), r"unknown types \['Text'\]"),
    ],
)
def test_malformed_selection(df: pd.DataFrame, selection: Any, message: str) -> None:
    """A malformed selection is a user error that says what was expected."""
    assert columns.selection_problem(selection) is not None
    with pytest.raises(ComponentInputError, match=message):
        columns.resolve(df, selection)
