"""Tests of Edit Metadata: types, categorical flag, roles and names."""

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
def raw() -> pd.DataFrame:
    """Text columns as an import would give them, with 'score' marked as a score."""
    return metadata.with_roles(
        pd.DataFrame(
            {
                "amount": ["1,200", "35", None, "7"],
                "ratio": ["0.5", "1", "2.25", ""],
                "active": ["yes", "No", "TRUE", None],
                "day": ["03/01/2021", "15/02/2021", None, "01/12/2020"],
                "city": ["Oslo", "Rome", "Oslo", "Lima"],
                "score": [0.1, 0.2, 0.3, 0.4],
            }
        ),
        {"score": metadata.SCORE},
    )


def edit(run: Run, df: pd.DataFrame, *names: str, **params: Any) -> pd.DataFrame:
    return run("edit_metadata", {"dataset": df}, columns=by_names(*names), **params)[
        "results_dataset"
    ]


def test_text_to_integer_strips_thousands_separators(run: Run, raw: pd.DataFrame) -> None:
    """'1,200' becomes 1200; missing values keep the column a nullable integer."""
    out = edit(run, raw, "amount", data_type="Integer")
    assert metadata.column_type(out["amount"]) == "Integer"
    assert out["amount"].tolist()[:2] == [1200, 35]
    assert out["amount"].isna().tolist() == [False, False, True, False]


def test_text_to_double_and_boolean(run: Run, raw: pd.DataFrame) -> None:
    """Numbers and yes/no/true text convert; empty text becomes missing."""
    out = edit(run, raw, "ratio", data_type="Double")
    assert out["ratio"].tolist()[:3] == [0.5, 1.0, 2.25] and np.isnan(out["ratio"][3])
    out = edit(run, raw, "active", data_type="Boolean")
    assert metadata.column_type(out["active"]) == "Boolean"
    assert out["active"].tolist()[:3] == [True, False, True]


def test_datetime_with_format(run: Run, raw: pd.DataFrame) -> None:
    """A strftime format reads day-first dates."""
    out = edit(run, raw, "day", data_type="DateTime", datetime_format="%d/%m/%Y")
    assert out["day"][1] == pd.Timestamp("2021-02-15")


@pytest.mark.parametrize(
    ("column", "data_type", "message"),
    [
        (
            "city",
            "Double",
            r"Column 'city' cannot be converted to a number: value 'Oslo' \(row 1\)",
        ),
        (
            "ratio",
            "Integer",
            r"Column 'ratio' cannot be converted to Integer: value 0\.5 \(row 1\) "
            r"is not whole",
        ),
        ("city", "Boolean", r"Column 'city' cannot be converted to Boolean"),
        ("day", "DateTime", r"Column 'day' cannot be converted to DateTime"),
    ],
)
def test_bad_conversion_names_column_and_value(
    run: Run, raw: pd.DataFrame, column: str, data_type: str, message: str
) -> None:
    """A value that cannot be converted is reported with its column and row."""
    params = {"datetime_format": "%Y-%m-%d"} if data_type == "DateTime" else {}
    with pytest.raises(ComponentInputError, match=message):
        edit(run, raw, column, data_type=data_type, **params)


def test_categorical_flag(run: Run, raw: pd.DataFrame) -> None:
    """Make categorical and make non-categorical toggle the flag and keep the values."""
    out = edit(run, raw, "city", categorical="Categorical")
    assert metadata.is_categorical(out["city"])
    back = edit(run, out, "city", categorical="NonCategorical")
    assert not metadata.is_categorical(back["city"])
    assert back["city"].tolist() == raw["city"].tolist()


def test_type_change_keeps_categorical_flag(run: Run, raw: pd.DataFrame) -> None:
    """Converting a categorical column's type keeps it categorical when the flag is unchanged."""
    categorical = raw.assign(ratio=raw["ratio"].astype("category"))
    out = edit(run, categorical, "ratio", data_type="Double")
    assert metadata.is_categorical(out["ratio"])
    assert metadata.column_type(out["ratio"]) == "Double"


def test_labels_marks_one_column_and_demotes_previous(run: Run, raw: pd.DataFrame) -> None:
    """Fields=Labels makes the column the label; an earlier label becomes a feature."""
    first = edit(run, raw, "city", fields="Labels")
    second = edit(run, first, "amount", fields="Labels")
    roles = metadata.roles(second)
    assert roles["amount"] == metadata.LABEL and roles["city"] == metadata.FEATURE


def test_labels_needs_exactly_one_column(run: Run, raw: pd.DataFrame) -> None:
    """Marking two columns as the label is a user error that names them."""
    with pytest.raises(ComponentInputError, match=r"exactly one column.*has 2: 'amount', 'city'"):
        edit(run, raw, "amount", "city", fields="Labels")


@pytest.mark.parametrize(
    ("fields", "column", "role"),
    [
        ("ClearFeatures", "city", metadata.NONE),
        ("ClearScores", "score", metadata.FEATURE),
        ("Features", "score", metadata.FEATURE),
    ],
)
def test_field_flags(run: Run, raw: pd.DataFrame, fields: str, column: str, role: str) -> None:
    """Clear and set flags change the column's role."""
    assert metadata.roles(edit(run, raw, column, fields=fields))[column] == role


def test_cleared_feature_is_not_trained_on(run: Run, table: pd.DataFrame) -> None:
    """A column whose feature flag was cleared is left out of training."""
    cleared = edit(run, table, "make", "body", fields="ClearFeatures")
    learner = run("linear_regression")["untrained_model"]
    model = run("train_model", {"untrained_model": learner, "dataset": cleared})["trained_model"]
    assert "make" not in model.feature_columns and "body" not in model.feature_columns
    assert "horsepower" in model.feature_columns


def test_rename_keeps_roles_and_order(run: Run, raw: pd.DataFrame) -> None:
    """New names replace the selected ones in place; roles follow the renamed columns."""
    out = edit(run, raw, "city", "score", new_column_names="town, points")
    assert list(out.columns) == ["amount", "ratio", "active", "day", "town", "points"]
    assert metadata.roles(out)["points"] == metadata.SCORE


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ("one", r"needs 2 non-empty comma-separated name\(s\)"),
        ("a, a", r"repeats 'a'"),
        ("amount, b", r"'amount' already name other columns"),
    ],
)
def test_bad_new_names(run: Run, raw: pd.DataFrame, names: str, message: str) -> None:
    """New names must match the selection count, be unique and not clash."""
    with pytest.raises(ComponentInputError, match=message):
        edit(run, raw, "city", "score", new_column_names=names)
