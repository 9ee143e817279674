"""Tests of Join Data, Add Columns and Add Rows."""

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
def left() -> pd.DataFrame:
    """Left rows: key 'k' with a duplicate, a missing key, and mixed case; 'v' values."""
    return metadata.with_roles(
        pd.DataFrame(
            {"k": pd.Series(["a", "b", None, "C", "b"], dtype="str"), "v": [1, 2, 3, 4, 5]}
        ),
        {"v": metadata.LABEL},
    )


@pytest.fixture
def right() -> pd.DataFrame:
    """Right rows: key 'key' with a missing key, 'c' (lowercase) and an unmatched 'z'."""
    return pd.DataFrame(
        {
            "key": pd.Series(["b", "c", None, "z", "b"], dtype="str"),
            "v": [20.0, 30.0, 99.0, 40.0, 21.0],
        }
    )


def join(run: Run, left: pd.DataFrame, right: pd.DataFrame, **params: Any) -> pd.DataFrame:
    return run(
        "join_data",
        {"left_dataset": left, "right_dataset": right},
        left_keys=by_names("k"),
        right_keys=by_names("key"),
        **params,
    )["results_dataset"]


def test_inner_join_matches_hand_built_frame(
    run: Run, left: pd.DataFrame, right: pd.DataFrame
) -> None:
    """Inner join pairs every equal key, in left order, and renames the clashing right 'v'."""
    expected = pd.DataFrame(
        {
            "k": ["b", "b", "b", "b"],
            "v": [2, 2, 5, 5],
            "key": ["b", "b", "b", "b"],
            "v (right)": [20.0, 21.0, 20.0, 21.0],
        }
    )
    out = join(run, left, right)
    pd.testing.assert_frame_equal(out.astype(object), expected.astype(object))
    assert metadata.roles(out)["v"] == metadata.LABEL


def test_null_keys_never_match(run: Run) -> None:
    """Missing keys on both sides do not join to each other (unlike pandas' merge)."""
    left = pd.DataFrame({"k": [1.0, np.nan], "a": [1, 2]})
    right = pd.DataFrame({"k": [np.nan, 1.0], "b": [7, 8]})
    out = run(
        "join_data",
        {"left_dataset": left, "right_dataset": right},
        left_keys=by_names("k"),
        right_keys=by_names("k"),
    )["results_dataset"]
    assert out[["a", "b"]].to_numpy().tolist() == [[1, 8]]


def test_left_outer_keeps_unmatched_left_rows(
    run: Run, left: pd.DataFrame, right: pd.DataFrame
) -> None:
    """Left outer keeps every left row once unmatched; right columns are then missing."""
    out = join(run, left, right, join_type="Left Outer Join", keep_right_keys=False)
    assert out["v"].tolist() == [1, 2, 2, 3, 4, 5, 5]
    np.testing.assert_array_equal(
        out["v (right)"].to_numpy(dtype=float), [np.nan, 20.0, 21.0, np.nan, np.nan, 20.0, 21.0]
    )
    assert "key" not in out.columns


def test_case_insensitive_full_outer(run: Run, left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Without match case 'C' meets 'c'; full outer adds the unmatched right rows at the end."""
    out = join(run, left, right, join_type="Full Outer Join", match_case=False)
    expected_v_right = [np.nan, 20.0, 21.0, np.nan, 30.0, 20.0, 21.0, 99.0, 40.0]
    np.testing.assert_array_equal(out["v (right)"].to_numpy(dtype=float), expected_v_right)
    assert out["k"].iloc[4] == "C" and out["key"].iloc[4] == "c"
    assert out["key"].iloc[-1] == "z" and out["k"].iloc[-2:].isna().all()


def test_left_semi_join_keeps_matching_left_rows_once(
    run: Run, left: pd.DataFrame, right: pd.DataFrame
) -> None:
    """Semi-join returns the left rows with a match, each once, left columns only."""
    out = join(run, left, right, join_type="Left Semi-Join")
    pd.testing.assert_frame_equal(out, left.iloc[[1, 4]].reset_index(drop=True), check_dtype=False)


def test_composite_keys_must_pair_up(run: Run, left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Different numbers of key columns are a user error listing both."""
    with pytest.raises(ComponentInputError, match=r"got 2 for L \(k, v\) and 1 for R \(key\)"):
        run(
            "join_data",
            {"left_dataset": left, "right_dataset": right},
            left_keys=by_names("k", "v"),
            right_keys=by_names("key"),
        )


def test_keys_of_types_that_never_compare_equal_are_refused(run: Run) -> None:
    """An Integer key against a String one ("1") matched nothing, and the join was empty
    without a word; the step names both columns and their types instead."""
    left = pd.DataFrame({"id": [1, 2, 3], "a": [1.0, 2.0, 3.0]})
    right = pd.DataFrame({"ref": pd.Series(["1", "2", "4"], dtype="str"), "b": [7, 8, 9]})
    with pytest.raises(ComponentInputError) as raised:
        run(
            "join_data",
            {"left_dataset": left, "right_dataset": right},
            left_keys=by_names("id"),
            right_keys=by_names("ref"),
        )
    message = str(raised.value)
    assert "key column 'id' of the left dataset (Integer) with 'ref' of the right (String)" in (
        message
    ), message


def test_integer_and_double_keys_join_by_value(run: Run) -> None:
    """1 and 1.0 are the same key, as in a database join."""
    out = run(
        "join_data",
        {
            "left_dataset": pd.DataFrame({"id": [1, 2, 3], "a": ["x", "y", "z"]}),
            "right_dataset": pd.DataFrame({"id": [3.0, 1.0, 5.0], "b": [30, 10, 50]}),
        },
        left_keys=by_names("id"),
        right_keys=by_names("id"),
        keep_right_keys=False,
    )["results_dataset"]
    assert out.to_dict("list") == {"id": [1, 3], "a": ["x", "z"], "b": [10, 30]}


def test_add_columns_side_by_side(run: Run) -> None:
    """Columns are placed side by side row by row; a clashing name gets ' (right)'."""
    out = run(
        "add_columns",
        {
            "left_dataset": pd.DataFrame({"a": [1, 2]}, index=[5, 6]),
            "right_dataset": pd.DataFrame({"a": [3, 4], "b": [5, 6]}),
        },
    )
    assert out["combined_dataset"].to_dict("list") == {
        "a": [1, 2],
        "a (right)": [3, 4],
        "b": [5, 6],
    }


def test_add_columns_row_counts_must_agree(run: Run) -> None:
    """Different row counts are reported with both counts."""
    with pytest.raises(ComponentInputError, match="left dataset has 2 and the right dataset 1"):
        run(
            "add_columns",
            {
                "left_dataset": pd.DataFrame({"a": [1, 2]}),
                "right_dataset": pd.DataFrame({"b": [1]}),
            },
        )


def test_add_rows_appends_and_unions_categories(run: Run) -> None:
    """Rows append in order; a column only one side has is missing; categories are unioned."""
    first = pd.DataFrame({"c": pd.Categorical(["x", "y"]), "n": [1, 2]})
    second = pd.DataFrame({"n": [3], "c": pd.Categorical(["z"]), "extra": ["e"]})
    out = run("add_rows", {"dataset1": first, "dataset2": second})["results_dataset"]
    assert list(out.columns) == ["c", "n", "extra"]
    assert out["n"].tolist() == [1, 2, 3]
    assert list(out["c"].cat.categories) == ["x", "y", "z"]
    assert out["extra"].isna().tolist() == [True, True, False]


def test_add_rows_refuses_a_column_of_two_types(run: Run) -> None:
    """Integer in one dataset and String in the other made a column of mixed values, which
    failed only when the step's output was stored, naming neither; now the column is named."""
    with pytest.raises(ComponentInputError) as raised:
        run(
            "add_rows",
            {
                "dataset1": pd.DataFrame({"id": [1, 2], "n": [1.5, 2.5]}),
                "dataset2": pd.DataFrame({"id": pd.Series(["x", "3"], dtype="str"), "n": [3.5, 4]}),
            },
        )
    message = str(raised.value)
    assert "column 'id': it is Integer in Dataset1 and String in Dataset2" in message, message


def test_add_rows_appends_integers_to_doubles(run: Run) -> None:
    """Integer and Double append as numbers (Double), as a database union does."""
    out = run(
        "add_rows",
        {"dataset1": pd.DataFrame({"n": [1.5, 2.5]}), "dataset2": pd.DataFrame({"n": [3, 4]})},
    )["results_dataset"]
    assert out["n"].tolist() == [1.5, 2.5, 3.0, 4.0]
    assert metadata.column_type(out["n"]) == "Double"


@pytest.mark.parametrize("join_type", ["Left Outer Join", "Full Outer Join"])
def test_a_boolean_column_padded_by_an_outer_join_stays_boolean(run: Run, join_type: str) -> None:
    """Unmatched rows get a missing flag; the column stays Boolean (pandas made it text)."""
    left = pd.DataFrame({"k": ["a", "b", "c"]})
    right = pd.DataFrame({"key": ["a", "b", "z"], "flag": [True, False, True]})
    out = join(run, left, right, join_type=join_type)
    assert metadata.column_type(out["flag"]) == "Boolean"
    expected = [True, False, None] + ([True] if join_type == "Full Outer Join" else [])
    assert [None if pd.isna(v) else bool(v) for v in out["flag"]] == expected
