"""Apply SQL Transformation's sandbox: the user's SQL over t1..t3 and nothing else.

Each call opens its own in-memory DuckDB connection with file, network and extension access
disabled, a memory and thread limit, and the configuration locked so the query cannot lift
them. A timer thread interrupts a query that runs past the time limit.
"""

from __future__ import annotations

import threading

import duckdb
import pandas as pd
import pyarrow as pa

from components.errors import ComponentInputError
from jobs.defaults import (
    SQL_MAX_RESULT_BYTES,
    SQL_MAX_ROWS,
    SQL_MEMORY_LIMIT,
    SQL_THREADS,
    SQL_TIME_LIMIT_S,
)
from jobs.runtime.sql_dialect import sqlite_to_duckdb

TABLE_NAMES = ("t1", "t2", "t3")
# Statement types whose result is rows (PIVOT parses as MULTI).
_BATCH_ROWS = 100_000
_ROW_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "MULTI", "PRAGMA", "CALL", "EXECUTE"})


def run_sql(
    query: str,
    tables: dict[str, pd.DataFrame],
    *,
    time_limit: float = SQL_TIME_LIMIT_S,
    memory_limit: str = SQL_MEMORY_LIMIT,
    threads: int = SQL_THREADS,
    max_rows: int = SQL_MAX_ROWS,
    max_bytes: int = SQL_MAX_RESULT_BYTES,
) -> pd.DataFrame:
    """The result of the last statement of `query` (statements separated by ';').

    Raises:
        ComponentInputError: the query fails (DuckDB's message), touches anything outside the
            given tables, returns no rows, runs past `time_limit` seconds, or returns more than
            `max_rows` rows or `max_bytes` bytes.
    """
    unknown = sorted(set(tables) - set(TABLE_NAMES))
    if unknown:
        raise ValueError(f"tables must be named {TABLE_NAMES}; got {unknown}")
    query = sqlite_to_duckdb(query, tables)  # the designer's dialect (see sql_dialect)
    connection = _sandbox(memory_limit, threads)
    timed_out = threading.Event()

    def interrupt() -> None:
        timed_out.set()
        connection.interrupt()

    timer = threading.Timer(time_limit, interrupt)
    try:
        for name, df in tables.items():
            connection.register(name, df)
        timer.start()
        try:
            statements = connection.extract_statements(query)
            if not statements:
                raise ComponentInputError("The SQL script has no statement.")
            if statements[-1].type.name not in _ROW_STATEMENTS:
                raise ComponentInputError(
                    "The last statement of the SQL script returns no rows; end it with a SELECT."
                )
            for statement in statements[:-1]:
                connection.execute(statement)
            return _capped_result(connection, statements[-1], max_rows, max_bytes)
        except duckdb.Error as exc:
            if timed_out.is_set():
                raise ComponentInputError(
                    f"The SQL script ran longer than the {time_limit:g} s limit and was stopped."
                ) from exc
            raise ComponentInputError(f"The SQL script failed: {exc}") from exc
    finally:
        timer.cancel()
        connection.close()


def _capped_result(
    connection: duckdb.DuckDBPyConnection,
    statement: duckdb.Statement,
    max_rows: int,
    max_bytes: int,
) -> pd.DataFrame:
    """The result as a DataFrame, fetched in Arrow batches and refused past the caps.

    DuckDB's memory limit covers the query, not the result handed to Python: fetching batch by
    batch and counting keeps an oversized result from being built in the worker at all.
    """
    relation = connection.sql(statement.query)
    if relation is None:  # a statement DuckDB runs at once rather than streaming
        relation = connection.execute(statement)
    reader = relation.to_arrow_reader(_BATCH_ROWS)
    batches, rows, size = [], 0, 0
    for batch in reader:
        rows, size = rows + batch.num_rows, size + batch.nbytes
        if rows > max_rows or size > max_bytes:
            raise ComponentInputError(
                f"The SQL script's result is larger than the limit ({max_rows:,} rows, "
                f"{max_bytes // 2**20:,} MiB); add a LIMIT, filter or aggregate it."
            )
        batches.append(batch)
    table = pa.Table.from_batches(batches, schema=reader.schema)
    return table.to_pandas()


def _sandbox(memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(
        ":memory:",
        config={
            "enable_external_access": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            # No scanning of Python variables by name: only the registered t1..t3 are visible.
            "python_enable_replacements": False,
            "memory_limit": memory_limit,
            "threads": threads,
        },
    )
    connection.execute("SET lock_configuration = true")
    return connection
