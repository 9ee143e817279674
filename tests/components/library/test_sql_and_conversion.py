"""Tests of Apply SQL Transformation, Convert to CSV, Convert to Dataset and Clip Values."""

from __future__ import annotations

import io
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
def sales() -> pd.DataFrame:
    """Orders with a label role and a categorical column."""
    return metadata.with_roles(
        pd.DataFrame(
            {
                "id": [1, 2, 3],
                "region": pd.Categorical(["n", "s", "n"]),
                "amount": [10.5, 20.0, 7.25],
            }
        ),
        {"amount": metadata.LABEL},
    )


def test_sql_over_optional_inputs(run: Run, sales: pd.DataFrame) -> None:
    """t1 and t2 are joinable; t3 may stay unconnected; the result has no roles."""
    names = pd.DataFrame({"region": ["n", "s"], "name": ["North", "South"]})
    out = run(
        "apply_sql_transformation",
        {"t1": sales, "t2": names},
        query="select name, sum(amount) as total from t1 join t2 using (region) "
        "group by name order by name",
    )["result_dataset"]
    assert out.to_dict("list") == {"name": ["North", "South"], "total": [17.75, 20.0]}
    assert metadata.roles(out) == {"name": "feature", "total": "feature"}


def test_sql_errors_and_sandbox_reach_the_user(run: Run, sales: pd.DataFrame) -> None:
    """A missing table and a file read are user errors with DuckDB's reason."""
    with pytest.raises(ComponentInputError, match="Table with name t3 does not exist"):
        run("apply_sql_transformation", {"t1": sales}, query="select * from t3")
    with pytest.raises(ComponentInputError, match="disabled by configuration"):
        run(
            "apply_sql_transformation", {"t1": sales}, query="select * from read_csv('/etc/passwd')"
        )


def test_sql_result_with_a_repeated_column_name_is_named(run: Run, sales: pd.DataFrame) -> None:
    """A join's two 'id' columns used to fail when the result was stored, without naming the
    query; the step now says which name repeats and how to rename it."""
    names = pd.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    with pytest.raises(ComponentInputError, match=r"more than one column named 'id'; .* AS"):
        run(
            "apply_sql_transformation",
            {"t1": sales, "t2": names},
            query="select t1.id, t2.id, name from t1 join t2 on t1.id = t2.id",
        )
    out = run(
        "apply_sql_transformation",
        {"t1": sales, "t2": names},
        query="select t1.id, t2.id as id2, name from t1 join t2 on t1.id = t2.id order by 1",
    )["result_dataset"]
    assert out.to_dict("list") == {"id": [1, 2], "id2": [1, 2], "name": ["a", "b"]}


def test_convert_to_csv_gives_csv_cells(run: Run, sales: pd.DataFrame) -> None:
    """Every cell becomes the text a CSV file holds; reading it back restores the values."""
    data = sales.assign(
        when=pd.to_datetime(["2024-01-02", None, "2024-03-04"]), flag=[True, False, True]
    )
    out = run("convert_to_csv", {"dataset": data})["results_dataset"]
    assert out.loc[0].tolist() == ["1", "n", "10.5", "2024-01-02", "True"]
    assert out.loc[1, "when"] == ""
    assert all(metadata.column_type(out[c]) == "String" for c in out.columns)
    assert metadata.roles(out)["amount"] == metadata.FEATURE
    back = pd.read_csv(io.StringIO(out.to_csv(index=False)))
    assert back["amount"].tolist() == [10.5, 20.0, 7.25]


def test_convert_to_dataset_marks_missing_and_retypes(run: Run) -> None:
    """'?' cells become missing and a text column of numbers becomes numeric."""
    raw = pd.DataFrame(
        {"a": pd.Series(["1", "?", "3"], dtype="str"), "b": pd.Series(["x", "?", "y"], dtype="str")}
    )
    out = run("convert_to_dataset", {"dataset": raw}, action="SetMissingValues")
    result = out["results_dataset"]
    assert metadata.column_type(result["a"]) == "Double"
    assert result["a"].tolist()[::2] == [1.0, 3.0] and np.isnan(result["a"].iloc[1])
    assert result["b"].isna().tolist() == [False, True, False]


def test_convert_to_dataset_replaces_values(run: Run) -> None:
    """Missing values (or a custom value) are replaced with a value of the column's type."""
    raw = pd.DataFrame({"a": [1.0, np.nan], "b": pd.Series(["obs", "k"], dtype="str")})
    missing = run("convert_to_dataset", {"dataset": raw}, action="ReplaceValues", new_value="-1")[
        "results_dataset"
    ]
    assert missing["a"].tolist() == [1.0, -1.0]
    custom = run(
        "convert_to_dataset",
        {"dataset": raw},
        action="ReplaceValues",
        replace="Custom",
        new_value="zero",
    )["results_dataset"]
    assert custom["b"].tolist() == ["zero", "k"]
    with pytest.raises(ComponentInputError, match=r"'New value' 'n/a' does not suit column 'a'"):
        run("convert_to_dataset", {"dataset": raw}, action="ReplaceValues", new_value="n/a")


@pytest.fixture
def spiky() -> pd.DataFrame:
    """101 values 0..100 with an outlier, and text."""
    values = np.arange(101, dtype=float)
    values[50] = 1000.0
    return pd.DataFrame({"x": values, "t": ["a"] * 101})


def test_clip_peaks_at_percentile(run: Run, spiky: pd.DataFrame) -> None:
    """Values above the 99th percentile become that percentile; an indicator flags them."""
    out = run(
        "clip_values",
        {"dataset": spiky},
        threshold_type="Percentile",
        columns=by_names("x"),
        add_indicator=True,
    )["results_dataset"]
    limit = np.percentile(spiky["x"], 99)
    assert out["x"].max() == pytest.approx(limit)
    assert out["x_IsClipped"].sum() == int((spiky["x"] > limit).sum())


def test_clip_both_with_constants_and_substitutes(run: Run, spiky: pd.DataFrame) -> None:
    """Constant thresholds; peaks get the median, subpeaks become missing, in a new column."""
    out = run(
        "clip_values",
        {"dataset": spiky},
        clip_mode="ClipPeaksAndSubpeaks",
        upper_threshold=90.0,
        lower_threshold=5.0,
        upper_substitute="Median",
        lower_substitute="Missing",
        columns=by_names("x"),
        overwrite=False,
    )["results_dataset"]
    clipped = out["x_clipped"].to_numpy()
    assert (clipped[spiky["x"] > 90] == np.median(spiky["x"])).all()
    assert np.isnan(clipped[spiky["x"] < 5]).all()
    assert out["x"].equals(spiky["x"])


def test_clip_rejects_text_and_bad_percentile(run: Run, spiky: pd.DataFrame) -> None:
    """A text column or a percentile over 100 is a user error naming it."""
    with pytest.raises(ComponentInputError, match=r"numeric columns only; got 't' \(String\)"):
        run("clip_values", {"dataset": spiky}, columns=by_names("t"))
    with pytest.raises(ComponentInputError, match=r"'Upper threshold' is a percentile"):
        run(
            "clip_values",
            {"dataset": spiky},
            threshold_type="Percentile",
            upper_threshold=150.0,
            columns=by_names("x"),
        )
