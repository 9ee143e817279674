"""Tests of the SQL sandbox behind Apply SQL Transformation."""

from __future__ import annotations

import resource
import time

import pandas as pd
import pytest

from components.errors import ComponentInputError
from jobs.runtime.sql import run_sql


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """Two small tables, t1 with a column whose name has a space."""
    return {
        "t1": pd.DataFrame({"id": [1, 2, 3], "unit price": [2.5, 4.0, 1.0]}),
        "t2": pd.DataFrame({"id": [1, 3], "name": ["a", "c"]}),
    }


def test_query_joins_registered_tables(tables: dict[str, pd.DataFrame]) -> None:
    """t1 and t2 are queryable by name, quoted column names included."""
    result = run_sql(
        'select t1.id, "unit price" * 2 as doubled, name from t1 '
        "join t2 on t1.id = t2.id order by t1.id",
        tables,
    )
    assert result.to_dict("list") == {"id": [1, 3], "doubled": [5.0, 2.0], "name": ["a", "c"]}


def test_result_is_that_of_the_last_statement(tables: dict[str, pd.DataFrame]) -> None:
    """Statements separated by ';' run in order; the last one's rows are returned."""
    result = run_sql(
        "create table big as select * from t1 where id > 1; select count(*) as n from big;", tables
    )
    assert result["n"].tolist() == [2]


@pytest.mark.parametrize(
    "query",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "copy t1 to '/tmp/flowbench-sql-escape.csv'",
        "install httpfs",
        "load httpfs",
        "attach '/tmp/flowbench-sql-escape.duckdb' as other",
    ],
)
def test_files_and_extensions_are_refused(tables: dict[str, pd.DataFrame], query: str) -> None:
    """Reading or writing files, attaching databases and loading extensions all fail."""
    with pytest.raises(ComponentInputError, match=r"SQL script failed: .*(Permission|disabled)"):
        run_sql(f"{query}; select 1", tables)


@pytest.mark.parametrize(
    "setting",
    ["enable_external_access = true", "lock_configuration = false", "memory_limit = '64GB'"],
)
def test_configuration_is_locked(tables: dict[str, pd.DataFrame], setting: str) -> None:
    """The query cannot lift the sandbox's limits: the configuration is locked."""
    with pytest.raises(ComponentInputError, match="configuration has been locked"):
        run_sql(f"set {setting}; select 1", tables)


def test_python_variables_are_not_visible(tables: dict[str, pd.DataFrame]) -> None:
    """Only t1..t3 are tables; the caller's DataFrame variables are not scanned by name."""
    secret = pd.DataFrame({"x": [1]})  # noqa: F841 - a replacement scan would find it
    with pytest.raises(ComponentInputError, match="secret"):
        run_sql("select * from secret", tables)


def test_runaway_query_is_stopped_by_time_limit(tables: dict[str, pd.DataFrame]) -> None:
    """A query past the time limit is interrupted and reported as such."""
    started = time.monotonic()
    with pytest.raises(ComponentInputError, match=r"longer than the 0.5 s limit"):
        run_sql(
            "select sum(a.range * b.range) from range(100000000) a, range(100000) b",
            tables,
            time_limit=0.5,
        )
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("select nope from t1", r'column "nope"'),
        ("create table x as select 1 as a", "returns no rows"),
        ("  ", "no statement"),
    ],
)
def test_user_errors_carry_the_reason(
    tables: dict[str, pd.DataFrame], query: str, message: str
) -> None:
    """Bad SQL gives DuckDB's message; a script ending without rows says so."""
    with pytest.raises(ComponentInputError, match=message):
        run_sql(query, tables)


def test_results_past_the_row_cap_are_refused() -> None:
    """More rows than the cap: a clear message instead of a DataFrame."""
    with pytest.raises(ComponentInputError, match=r"larger than the limit \(1,000 rows"):
        run_sql("SELECT * FROM range(5000)", {}, max_rows=1000)
    assert len(run_sql("SELECT * FROM range(1000)", {}, max_rows=1000)) == 1000


def test_a_huge_result_is_refused_before_it_fills_the_worker() -> None:
    """1.2 M rows of 1 KB (the issue's query) stop at the byte cap while fetching: the worker
    never holds the whole result (it went past 4 GB before)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with pytest.raises(ComponentInputError, match=r"larger than the limit .*512 MiB"):
        run_sql("SELECT repeat('x', 1000) || i::VARCHAR AS s FROM range(1200000) t(i)", {})
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert grown < 1.5 * 2**30
