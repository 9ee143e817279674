"""Tests of SMOTE on data shaped like the designer's blood-donation example."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def blood() -> pd.DataFrame:
    """748 rows, 570 of class 0 and 178 of class 1, with integer and double features."""
    rng = np.random.default_rng(3)
    label = np.r_[np.zeros(570, dtype=int), np.ones(178, dtype=int)]
    return pd.DataFrame(
        {
            "Recency": rng.integers(0, 75, 748),
            "Frequency": rng.integers(1, 50, 748),
            "Monetary": rng.normal(1500, 400, 748),
            "Class": label,
        }
    )


@pytest.mark.parametrize(
    ("percentage", "minority"), [(100, 356), (200, 534), (300, 712), (0, 178), (150, 445)]
)
def test_counts_match_designer_example(
    run: Run, blood: pd.DataFrame, percentage: int, minority: int
) -> None:
    """100% doubles the 178 minority rows (570/356), 200% triples them, and so on."""
    out = run("smote", {"samples": blood}, label_column="Class", percentage=percentage)["table"]
    assert out["Class"].value_counts().to_dict() == {0: 570, 1: minority}
    pd.testing.assert_frame_equal(out.head(748), blood)


def test_synthetic_rows_lie_between_minority_neighbours(run: Run, blood: pd.DataFrame) -> None:
    """Each synthetic row is on the segment from a minority row to its nearest minority row."""
    out = run("smote", {"samples": blood}, label_column="Class", neighbors=1)["table"]
    minority = blood[blood["Class"] == 1]
    points = minority[["Recency", "Frequency", "Monetary"]].to_numpy(float)
    synthetic = out.iloc[748:]
    assert synthetic["Recency"].dtype == blood["Recency"].dtype
    for row, base in zip(synthetic.itertuples(index=False), points, strict=True):
        distances = np.linalg.norm(points - base, axis=1)
        distances[distances == 0] = np.inf
        neighbour = points[np.argmin(distances)]
        lo, hi = np.minimum(base, neighbour), np.maximum(base, neighbour)
        value = np.array([row.Recency, row.Frequency, row.Monetary], float)
        assert ((value >= lo - 0.5) & (value <= hi + 0.5)).all()


def test_same_seed_same_rows(run: Run, blood: pd.DataFrame) -> None:
    """The seed makes the synthetic rows reproducible; another seed changes them."""
    first = run("smote", {"samples": blood}, label_column="Class", seed=5)["table"]
    again = run("smote", {"samples": blood}, label_column="Class", seed=5)["table"]
    other = run("smote", {"samples": blood}, label_column="Class", seed=6)["table"]
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(Class=np.arange(748) % 3), r"exactly two classes; 'Class' has 3"),
        (
            lambda d: d.assign(Monetary=d["Monetary"].where(d.index != 7)),
            r"missing in 'Monetary' \(1\)",
        ),
    ],
)
def test_bad_data_is_named(run: Run, blood: pd.DataFrame, change: Any, message: str) -> None:
    """A label with three classes, or a missing value, is a user error naming the column."""
    with pytest.raises(ComponentInputError, match=message):
        run("smote", {"samples": change(blood)}, label_column="Class")


def test_too_many_neighbours_and_unknown_label(run: Run, blood: pd.DataFrame) -> None:
    """More neighbours than minority rows, or an unknown label column, are reported."""
    small = blood.iloc[565:575]
    with pytest.raises(ComponentInputError, match="has only 5 rows; choose at most 4"):
        run("smote", {"samples": small}, label_column="Class", neighbors=5)
    with pytest.raises(ComponentInputError, match="Label column 'Donated' not found"):
        run("smote", {"samples": blood}, label_column="Donated")
