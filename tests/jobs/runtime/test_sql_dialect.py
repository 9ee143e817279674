"""Apply SQL Transformation keeps the meaning of queries written for the designer's SQLite:
each query's rows are compared with Python's own sqlite3 on the same data."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from jobs.runtime.sql import run_sql
from jobs.runtime.sql_dialect import sqlite_to_duckdb

T1 = pd.DataFrame(
    {
        "n": [5, -7, 4, 9],
        "my col": [1.5, 2.0, 3.0, 4.5],
        "s": ["Apple", "apple", "Banana", "cherry"],
    }
)


def sqlite_rows(query: str) -> list[tuple]:
    with sqlite3.connect(":memory:") as connection:
        T1.to_sql("t1", connection, index=False)
        return [tuple(row) for row in connection.execute(query).fetchall()]


@pytest.mark.parametrize(
    "query",
    [
        "select [n] from t1",  # a bracket-quoted name, not a list
        "select [my col] * 2 from t1",  # bracket-quoted with a space
        "select n / 2, n % 3 from t1",  # integer division truncates
        "select [my col] / 2 from t1",  # decimal division stays decimal
        "select n / 0 from t1",  # division by zero is NULL
        "select s from t1 where s like 'a%'",  # LIKE ignores case
        "select s from t1 where s not like 'A%'",
        "select s from t1 where s glob 'a*'",  # GLOB keeps it
        "select ifnull(null, n), substr(s, 1, 2), length(s) from t1",
        "select sum(n) / count(*) from t1",
        "select a.n / 2 from t1 as a",
    ],
)
def test_sqlite_queries_give_sqlite_rows(query: str) -> None:
    result = run_sql(query, {"t1": T1})
    got = [
        tuple(None if pd.isna(v) else v for v in row)
        for row in result.itertuples(index=False, name=None)
    ]
    assert got == sqlite_rows(query), sqlite_to_duckdb(query, {"t1": T1})


def test_duckdb_only_statements_run_as_written() -> None:
    """What SQLite does not have (PIVOT) is left to DuckDB unchanged."""
    result = run_sql("pivot t1 on s using sum(n)", {"t1": T1})
    assert "Banana" in result.columns
