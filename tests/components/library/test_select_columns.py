"""Tests of Select Columns in Dataset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from components import metadata
from components.columns import by_names
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


def select(run: Run, df: pd.DataFrame, selection: dict[str, Any]) -> pd.DataFrame:
    return run("select_columns_in_dataset", {"dataset": df}, columns=selection)["results_dataset"]


def test_selects_in_table_order_with_metadata(run: Run, table: pd.DataFrame) -> None:
    """The output holds the chosen columns in the table's order (the designer's rule, whatever
    order they were named in), with their roles and types."""
    out = select(run, table, by_names("price", "body"))
    expected = [c for c in table.columns if c in ("price", "body")]
    assert list(out.columns) == expected and expected == ["body", "price"]
    assert metadata.roles(out)["price"] == metadata.LABEL
    assert metadata.is_categorical(out["body"])
    pd.testing.assert_series_equal(out["price"], table["price"])


def test_preserve_order_keeps_the_order_named(run: Run, table: pd.DataFrame) -> None:
    """Told to preserve the selection's order, the output follows the names as listed."""
    out = select(run, table, {"names": ["price", "body"], "preserve_order": True})
    assert list(out.columns) == ["price", "body"]


def test_rule_selection(run: Run, table: pd.DataFrame) -> None:
    """Rules (here: all numeric columns but the label) follow the table order."""
    selection = {
        "begin": "none",
        "rules": [
            {"action": "include", "by": "types", "values": ["Numeric"]},
            {"action": "exclude", "by": "kinds", "values": ["Label"]},
        ],
    }
    assert list(select(run, table, selection).columns) == ["horsepower", "doors"]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ({"begin": "none", "rules": []}, r"picks no columns; the dataset has: make, body"),
        (by_names("prize"), r"Column\(s\) 'prize' not found"),
        (None, r"'Select columns' is required"),
        (
            {"names": ["price", "make", "price"], "preserve_order": True},
            r"'price' are selected more than once",
        ),
    ],
)
def test_bad_selection(run: Run, table: pd.DataFrame, selection: Any, message: str) -> None:
    """An empty, unknown, missing or repeating selection is a user error."""
    with pytest.raises(ComponentInputError, match=message):
        select(run, table, selection)
