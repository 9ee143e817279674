"""Tests of Split Data: row, regular-expression and relational splits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from components import metadata
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def numbered() -> pd.DataFrame:
    """101 rows: 'n' counts 0..100, 'group' is a/b/c with 50/30/21 rows, 'flag' the label."""
    groups = ["a"] * 50 + ["b"] * 30 + ["c"] * 21
    return metadata.with_roles(
        pd.DataFrame(
            {
                "n": np.arange(101),
                "group": groups,
                "flag": np.arange(101) % 2 == 0,
            }
        ),
        {"flag": metadata.LABEL},
    )


def split(run: Run, df: pd.DataFrame, **params: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = run("split_data", {"dataset": df}, **params)
    return out["results_dataset1"], out["results_dataset2"]


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.5, 0.7, 0.999, 1.0])
def test_split_rows_sizes(run: Run, numbered: pd.DataFrame, fraction: float) -> None:
    """The first output has round(rows * fraction) rows and the second the rest."""
    first, second = split(run, numbered, fraction=fraction)
    assert len(first) == round(101 * fraction)
    assert sorted(first["n"].tolist() + second["n"].tolist()) == list(range(101))


def test_unrandomized_split_takes_leading_rows(run: Run, numbered: pd.DataFrame) -> None:
    """Without randomization the first output holds the first rows."""
    first, second = split(run, numbered, fraction=0.3, randomized=False)
    assert first["n"].tolist() == list(range(30))
    assert second["n"].tolist() == list(range(30, 101))


def test_randomized_split_follows_random_state(run: Run, numbered: pd.DataFrame) -> None:
    """The first output holds the rows a RandomState(seed) permutation picks, in input order."""
    first, _ = split(run, numbered, fraction=0.4, seed=42)
    chosen = np.random.RandomState(42).permutation(101)[:40]
    assert first["n"].tolist() == sorted(chosen.tolist())
    again, _ = split(run, numbered, fraction=0.4, seed=42)
    other, _ = split(run, numbered, fraction=0.4, seed=43)
    assert again.equals(first) and not other.equals(first)


def test_stratified_split_keeps_proportions(run: Run, numbered: pd.DataFrame) -> None:
    """Each key value contributes round(its rows * fraction) rows to the first output."""
    first, second = split(run, numbered, fraction=0.6, stratified=True, stratification_key="group")
    counts = first["group"].value_counts().to_dict()
    assert counts == {"a": round(50 * 0.6), "b": round(30 * 0.6), "c": round(21 * 0.6)}
    assert len(second) == 101 - sum(counts.values())


def test_stratified_split_needs_key(run: Run, numbered: pd.DataFrame) -> None:
    """A stratified split without a key column is reported on that parameter."""
    with pytest.raises(ComponentInputError, match=r"'Stratification key column' is required"):
        split(run, numbered, stratified=True)
    with pytest.raises(ComponentInputError, match=r"Stratification key column 'grp' not found"):
        split(run, numbered, stratified=True, stratification_key="grp")


def test_outputs_keep_metadata(run: Run, numbered: pd.DataFrame) -> None:
    """Roles and types carry over to both outputs."""
    df = numbered.assign(group=numbered["group"].astype("category"))
    for part in split(run, df):
        assert metadata.roles(part)["flag"] == metadata.LABEL
        assert metadata.is_categorical(part["group"])


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('\\"group" ^[ab]', 80),
        ("(\\2) c", 21),
        ("(\\2) ^[a-b]", 80),  # the designer's form, (\\1) ^[a-f], on the second column
        ('"group" b|c', 51),
        ('\\"n" ^1', 1 + 10 + 1),  # 1, 10-19, 100
    ],
)
def test_regular_expression(
    run: Run, numbered: pd.DataFrame, expression: str, expected: int
) -> None:
    """Rows whose value (as text) matches go first; the column is named or 1-based indexed."""
    first, second = split(
        run, numbered, splitting_mode="Regular Expression", regular_expression=expression
    )
    assert len(first) == expected
    assert len(second) == 101 - expected


@pytest.mark.parametrize(
    ("expression", "predicate"),
    [
        ('\\"n" > 90', lambda n, g: n > 90),
        # The designer's own example, 0-based: "the first column of the dataset".
        ("(\\0)<=30 & !=20", lambda n, g: n <= 30 and n != 20),
        ('\\"n" < 5 | >= 98', lambda n, g: n < 5 or n >= 98),
        ('\\"n" > 10 & < 20 | == 50', lambda n, g: (10 < n < 20) or n == 50),
        ('\\"group" == b', lambda n, g: g == "b"),
        ('\\"group" != "a"', lambda n, g: g != "a"),
    ],
)
def test_relational_expression(
    run: Run, numbered: pd.DataFrame, expression: str, predicate: Callable[[int, str], bool]
) -> None:
    """Terms apply to one column and combine left to right with & and |."""
    first, _ = split(
        run, numbered, splitting_mode="Relative Expression", relational_expression=expression
    )
    expected = [n for n, g in zip(numbered["n"], numbered["group"], strict=True) if predicate(n, g)]
    assert first["n"].tolist() == expected


def test_relational_expression_skips_missing_values(run: Run) -> None:
    """Missing values satisfy no relational term, not even !=."""
    df = pd.DataFrame({"x": [1.0, np.nan, 3.0]})
    first, second = split(
        run, df, splitting_mode="Relative Expression", relational_expression='\\"x" != 1'
    )
    assert first["x"].tolist() == [3.0]
    assert len(second) == 2


def test_relational_dates(run: Run) -> None:
    """Date columns compare with dates written in the expression."""
    df = pd.DataFrame({"when": pd.date_range("2020-01-01", periods=6, freq="MS")})
    first, _ = split(
        run,
        df,
        splitting_mode="Relative Expression",
        relational_expression='\\"when" >= 2020-04-01',
    )
    assert len(first) == 3


@pytest.mark.parametrize(
    ("mode", "expression", "message"),
    [
        (
            "Relative Expression",
            '\\"group" > b',
            r"operator '>' needs a numeric or date column; "
            r"column 'group' is String",
        ),
        ("Relative Expression", '\\"n" > ten', r"column 'n' is numeric but 'ten' is not a number"),
        ("Relative Expression", '\\"n" 5', r"term '5' is not an operator"),
        ("Relative Expression", "(\\9) > 5", r"Column index 9 .* indices are 0-based"),
        ("Regular Expression", "(\\0) ^[a-f]", r"Column index 0 .* indices are 1-based"),
        ("Relative Expression", "n > 5", r"must start with a column"),
        ("Regular Expression", '\\"size" ^a', r"Column 'size' in 'Regular expression' not found"),
        ("Regular Expression", '\\"group" (', r"is not a valid regular expression"),
        ("Regular Expression", "", r"'Regular expression' is required"),
    ],
)
def test_bad_expressions(
    run: Run, numbered: pd.DataFrame, mode: str, expression: str, message: str
) -> None:
    """Malformed expressions are user errors saying what was expected."""
    key = "regular_expression" if mode == "Regular Expression" else "relational_expression"
    with pytest.raises(ComponentInputError, match=message):
        split(run, numbered, splitting_mode=mode, **{key: expression})
