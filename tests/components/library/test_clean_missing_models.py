"""Tests of Clean Missing Data's MICE and probabilistic PCA modes."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest

from components.columns import by_names
from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def correlated() -> pd.DataFrame:
    """200 rows where b = 2a + 1 (+ small noise) and c = a - b; a fifth of b is missing."""
    rng = np.random.default_rng(2)
    a = rng.normal(0, 1, 200)
    b = 2 * a + 1 + rng.normal(0, 0.05, 200)
    c = a - b + rng.normal(0, 0.05, 200)
    df = pd.DataFrame({"a": a, "b": b, "c": c, "n": np.arange(200), "t": ["x"] * 200})
    df.loc[df.index % 5 == 0, "b"] = np.nan
    return df


@pytest.mark.parametrize("mode", ["Replace using MICE", "Replace using Probabilistic PCA"])
def test_model_modes_recover_correlated_values(
    run: Run, correlated: pd.DataFrame, mode: str
) -> None:
    """Imputed b is close to 2a + 1, far better than the mean, and only gaps change."""
    out = run(
        "clean_missing_data",
        {"dataset": correlated},
        columns=by_names("a", "b", "c"),
        cleaning_mode=mode,
        generate_indicator=True,
    )
    cleaned = out["cleaned_dataset"]
    gaps = correlated["b"].isna()
    truth = 2 * correlated.loc[gaps, "a"] + 1
    error = np.abs(cleaned.loc[gaps, "b"] - truth).mean()
    mean_error = np.abs(correlated["b"].mean() - truth).mean()
    assert error < 0.2 * mean_error
    pd.testing.assert_series_equal(cleaned.loc[~gaps, "b"], correlated.loc[~gaps, "b"])
    assert cleaned["b_IsMissing"].tolist() == gaps.tolist()


@pytest.mark.parametrize("mode", ["Replace using MICE", "Replace using Probabilistic PCA"])
def test_model_modes_replay_on_new_rows(run: Run, correlated: pd.DataFrame, mode: str) -> None:
    """The fitted model fills new rows (also after pickling) without refitting."""
    transformation = run(
        "clean_missing_data",
        {"dataset": correlated},
        columns=by_names("a", "b", "c"),
        cleaning_mode=mode,
    )["cleaning_transformation"]
    new = pd.DataFrame(
        {"a": [1.0, -2.0], "b": [np.nan, np.nan], "c": [-2.0, 1.0], "n": [1, 2], "t": ["y", "z"]}
    )
    buffer = io.BytesIO()
    joblib.dump(transformation, buffer)
    buffer.seek(0)
    restored = joblib.load(buffer)
    out = run("apply_transformation", {"transformation": restored, "dataset": new})
    np.testing.assert_allclose(out["transformed_dataset"]["b"], [3.0, -3.0], atol=0.3)


def test_integer_column_becomes_double_when_imputed(run: Run, correlated: pd.DataFrame) -> None:
    """An integer column with gaps takes fractional imputations as a double column."""
    df = correlated.assign(
        n=pd.array([None if i % 7 == 0 else i for i in range(200)], dtype="Int64")
    )
    cleaned = run(
        "clean_missing_data",
        {"dataset": df},
        columns=by_names("a", "n"),
        cleaning_mode="Replace using MICE",
        mice_iterations=3,
    )["cleaned_dataset"]
    assert not cleaned["n"].isna().any()
    assert cleaned.loc[1, "n"] == 1


@pytest.mark.parametrize("mode", ["Replace using MICE", "Replace using Probabilistic PCA"])
def test_model_modes_reject_text(run: Run, correlated: pd.DataFrame, mode: str) -> None:
    """Text columns cannot be modelled; the error names them."""
    df = correlated.assign(t=correlated["t"].where(correlated.index != 3))
    with pytest.raises(ComponentInputError, match=r"got 't' \(String\)"):
        run("clean_missing_data", {"dataset": df}, columns=by_names("a", "t"), cleaning_mode=mode)


def test_iterations_are_bounded(run: Run, correlated: pd.DataFrame) -> None:
    """MICE allows 1-10 iterations, as the designer does."""
    with pytest.raises(ComponentInputError, match=r"'Number of Iterations' .* \[1, 10\]"):
        run(
            "clean_missing_data",
            {"dataset": correlated},
            columns=by_names("a", "b"),
            cleaning_mode="Replace using MICE",
            mice_iterations=11,
        )
