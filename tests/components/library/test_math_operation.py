"""Tests of Apply Math Operation against numpy and scipy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import special

from components.columns import by_names
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]
X = np.array([0.25, 1.0, 2.5, np.nan, 9.0])


@pytest.fixture
def data() -> pd.DataFrame:
    """Two numeric columns (one with a gap), an integer column and text."""
    return pd.DataFrame(
        {"x": X, "y": [2.0, 3.0, 0.5, 1.0, 4.0], "n": [1, 2, 3, 4, 5], "t": list("abcde")}
    )


def math(run: Run, data: pd.DataFrame, category: str, function: str, **params: Any) -> pd.DataFrame:
    params.setdefault("columns", by_names("x"))
    return run(
        "apply_math_operation",
        {"dataset": data},
        category=category,
        **{f"{category.lower()}_function": function},
        **params,
    )["results_dataset"]


@pytest.mark.parametrize(
    ("category", "function", "expected"),
    [
        ("Basic", "Sqrt", np.sqrt(X)),
        ("Basic", "Ln", np.log(X)),
        ("Basic", "Exp2", np.exp2(X)),
        ("Basic", "Cuberoot", np.cbrt(X)),
        ("Rounding", "Floor", np.floor(X)),
        ("Special", "Gamma", special.gamma(X)),
        ("Special", "Erf", special.erf(X)),
        ("Trigonometric", "SinDegrees", np.sin(np.radians(X))),
        ("Trigonometric", "Acot", np.arctan(1 / X)),
    ],
)
def test_unary_functions_match_numpy(
    run: Run, data: pd.DataFrame, category: str, function: str, expected: np.ndarray
) -> None:
    """A unary function appends '<Function>(x)' equal to numpy's result, missing kept."""
    out = math(run, data, category, function)
    np.testing.assert_allclose(out[f"{function}(x)"].to_numpy(dtype=float), expected)
    assert list(out.columns[:4]) == ["x", "y", "n", "t"]


@pytest.mark.parametrize(
    ("category", "function", "expected"),
    [
        ("Basic", "Pow", np.power(X, 3.0)),
        ("Operations", "Subtract", X - 3.0),
        ("Basic", "Log", np.log(X) / np.log(3.0)),
        ("Rounding", "Mod", np.mod(X, 3.0)),
        ("Special", "Beta", special.beta(X, 3.0)),
    ],
)
def test_binary_functions_with_constant(
    run: Run, data: pd.DataFrame, category: str, function: str, expected: np.ndarray
) -> None:
    """A constant second argument gives '<Function>(x_<constant>)'."""
    out = math(run, data, category, function, constant=3.0)
    np.testing.assert_allclose(out[f"{function}(x_3)"].to_numpy(dtype=float), expected)


def test_column_set_second_argument_and_inplace(run: Run, data: pd.DataFrame) -> None:
    """With a second column the operation pairs rows; Inplace replaces the column."""
    out = math(
        run,
        data,
        "Operations",
        "Divide",
        second_argument_type="ColumnSet",
        second_columns=by_names("y"),
        output_mode="Inplace",
    )
    np.testing.assert_allclose(out["x"].to_numpy(dtype=float), X / data["y"].to_numpy())
    assert list(out.columns) == ["x", "y", "n", "t"]


def test_compare_gives_booleans_result_only(run: Run, data: pd.DataFrame) -> None:
    """Compare functions give booleans; ResultOnly keeps only the results."""
    out = math(
        run,
        data,
        "Compare",
        "GreaterThan",
        columns=by_names("x", "n"),
        constant=2.0,
        output_mode="ResultOnly",
    )
    assert list(out.columns) == ["GreaterThan(x_2)", "GreaterThan(n_2)"]
    assert out["GreaterThan(x_2)"].tolist() == [False, False, True, False, True]
    assert out["GreaterThan(n_2)"].tolist() == [False, False, True, True, True]


def test_rounding_to_digits(run: Run, data: pd.DataFrame) -> None:
    """RoundDown and RoundUp to a number of digits act on the decimal places."""
    data = data.assign(x=[1.234, -1.234, 5.555, np.nan, 0.0])
    down = math(run, data, "Rounding", "RoundDown", constant=2.0)["RoundDown(x_2)"]
    up = math(run, data, "Rounding", "RoundUp", constant=1.0)["RoundUp(x_1)"]
    np.testing.assert_allclose(down.to_numpy(dtype=float), [1.23, -1.24, 5.55, np.nan, 0.0])
    np.testing.assert_allclose(up.to_numpy(dtype=float), [1.3, -1.2, 5.6, np.nan, 0.0])


def test_non_numeric_column_is_named(run: Run, data: pd.DataFrame) -> None:
    """A text column in the column set is a user error naming it."""
    with pytest.raises(ComponentInputError, match="column 't' is String"):
        math(run, data, "Basic", "Abs", columns=by_names("x", "t"))


def test_second_columns_must_pair_up(run: Run, data: pd.DataFrame) -> None:
    """Two first columns and three second columns do not pair."""
    with pytest.raises(ComponentInputError, match=r"one per column of 'Column set' \(2\); got 3"):
        math(
            run,
            data,
            "Operations",
            "Add",
            columns=by_names("x", "y"),
            second_argument_type="ColumnSet",
            second_columns=by_names("x", "y", "n"),
        )


def test_column_set_required_when_chosen(run: Run, data: pd.DataFrame) -> None:
    """ColumnSet without second columns is reported as a missing parameter."""
    with pytest.raises(ComponentInputError, match="'Second argument columns' is required"):
        math(run, data, "Operations", "Add", second_argument_type="ColumnSet")
