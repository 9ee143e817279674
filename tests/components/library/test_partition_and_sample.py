"""Tests of Partition and Sample and Remove Duplicate Rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from components.columns import by_names
from components.errors import ComponentInputError
from components.library.partition_and_sample import FOLD_COLUMN

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def rows() -> pd.DataFrame:
    """103 rows with an id and a 70/33 two-class key."""
    return pd.DataFrame({"id": np.arange(103), "group": ["a"] * 70 + ["b"] * 33})


def partition(run: Run, df: pd.DataFrame, **params: Any) -> pd.DataFrame:
    return run("partition_and_sample", {"dataset": df}, **params)["results_dataset"]


def test_assign_to_folds_writes_even_fold_column(run: Run, rows: pd.DataFrame) -> None:
    """Each row gets a fold 1..k in 'Fold'; fold sizes differ by at most one."""
    out = partition(run, rows, mode="Assign to Folds", folds=5)
    assert FOLD_COLUMN == "Fold"
    assert out["id"].tolist() == rows["id"].tolist()
    assert sorted(out["Fold"].value_counts().tolist()) == [20, 20, 21, 21, 21]
    assert set(out["Fold"]) == {1, 2, 3, 4, 5}


def test_stratified_folds_balance_the_key(run: Run, rows: pd.DataFrame) -> None:
    """Stratified folds hold 14 'a' rows and 6 or 7 'b' rows each."""
    out = partition(
        run, rows, mode="Assign to Folds", folds=5, stratified=True, stratification_key="group"
    )
    counts = pd.crosstab(out["Fold"], out["group"])
    assert counts["a"].tolist() == [14] * 5
    assert sorted(counts["b"].tolist()) == [6, 6, 7, 7, 7]


def test_unrandomized_custom_proportions(run: Run, rows: pd.DataFrame) -> None:
    """Without randomizing, proportions cut the rows into contiguous runs."""
    out = partition(
        run,
        rows.head(10),
        mode="Assign to Folds",
        randomized=False,
        partitioner="Partition with customized proportions",
        proportions="0.5, 0.3,0.2",
    )
    assert out["Fold"].tolist() == [1, 1, 1, 1, 1, 2, 2, 2, 3, 3]


def test_pick_fold_and_complement(run: Run, rows: pd.DataFrame) -> None:
    """Pick Fold returns one fold's rows, or all the others."""
    folded = partition(run, rows, mode="Assign to Folds", folds=4, seed=3)
    third = partition(run, folded, mode="Pick Fold", fold_to_sample=3)
    rest = partition(run, folded, mode="Pick Fold", fold_to_sample=3, pick_complement=True)
    assert set(third["Fold"]) == {3}
    assert len(third) + len(rest) == 103 and 3 not in set(rest["Fold"])


def test_sampling_rate_and_replacement(run: Run, rows: pd.DataFrame) -> None:
    """Sampling keeps round(rate*n) rows in input order; with replacement rows may repeat."""
    sample = partition(run, rows, sampling_rate=0.3, sampling_seed=1)
    assert len(sample) == 31 and sample["id"].is_monotonic_increasing
    assert sample["id"].is_unique
    again = partition(run, rows, sampling_rate=0.3, sampling_seed=1)
    pd.testing.assert_frame_equal(sample, again)
    stratified = partition(
        run, rows, sampling_rate=0.5, stratified=True, stratification_key="group"
    )
    assert stratified["group"].value_counts().to_dict() == {"a": 35, "b": 16}
    replaced = partition(run, rows, sampling_rate=1.0, use_replacement=True)
    assert len(replaced) == 103 and not replaced["id"].is_unique


def test_head(run: Run, rows: pd.DataFrame) -> None:
    """Head keeps the first N rows."""
    assert partition(run, rows, mode="Head", head_rows=4)["id"].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"mode": "Pick Fold"}, "needs a 'Fold' column"),
        (
            {
                "mode": "Assign to Folds",
                "partitioner": "Partition with customized proportions",
                "proportions": "0.5,0.6",
            },
            "sum to 1",
        ),
        (
            {"mode": "Sampling", "stratified": True, "stratification_key": "nope"},
            "Stratification key column 'nope' not found",
        ),
    ],
)
def test_bad_parameters_are_named(
    run: Run, rows: pd.DataFrame, params: dict[str, Any], message: str
) -> None:
    """Picking without folds, bad proportions or an unknown key are user errors."""
    with pytest.raises(ComponentInputError, match=message):
        partition(run, rows, **params)


def test_remove_duplicate_rows_keeps_first_or_last(run: Run) -> None:
    """Duplicates by the key columns go; the first (or last) of each stays, in order."""
    df = pd.DataFrame({"k": ["a", "b", "a", None, None], "v": [1, 2, 3, 4, 5]})
    first = run("remove_duplicate_rows", {"dataset": df}, key_columns=by_names("k"))
    last = run(
        "remove_duplicate_rows", {"dataset": df}, key_columns=by_names("k"), retain_first=False
    )
    assert first["results_dataset"]["v"].tolist() == [1, 2, 4]
    assert last["results_dataset"]["v"].tolist() == [2, 3, 5]
