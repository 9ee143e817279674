"""The designer's SQL dialect (SQLite) translated to DuckDB, for Apply SQL Transformation.

The designer documents Apply SQL Transformation as SQLite, so queries written for it must keep
their meaning here. sqlglot (read="sqlite", write="duckdb") does the translation, with the input
tables' column types so that it can tell integer division from decimal division:

- `[my col]` and `"my col"` are column names (DuckDB reads `[n]` as a one-item list);
- `n / 2` of two integers is integer division truncated toward zero (2, not 2.5), and a division
  by zero is NULL;
- `LIKE` ignores case (DuckDB's `ILIKE`); `GLOB` keeps it;
- SQLite functions get their DuckDB names (`ifnull`, `substr`, `strftime`, ...).

What still differs: a division inside a subquery or over a computed column whose type sqlglot
cannot infer stays decimal; `LIKE` ignores case for every letter, not only ASCII; SQLite's loose
typing (text compared with numbers) is DuckDB's strict typing. A script sqlglot cannot parse as
SQLite is run as written, as DuckDB SQL (so DuckDB-only features such as PIVOT still work).
"""

from __future__ import annotations

import pandas as pd
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types

# Statements that SQLite has and sqlglot understands; anything else is left to DuckDB as written.
_TRANSLATED = (exp.Query, exp.DML, exp.Create, exp.Drop)


def sqlite_to_duckdb(query: str, tables: dict[str, pd.DataFrame]) -> str:
    """`query` in SQLite's dialect as DuckDB SQL over `tables`; unparseable text unchanged."""
    schema = {
        name: {str(column): _sql_type(df[column]) for column in df.columns}
        for name, df in tables.items()
    }
    try:
        statements = [s for s in sqlglot.parse(query, read="sqlite") if s is not None]
        if not all(isinstance(s, _TRANSLATED) for s in statements):
            return query  # e.g. DuckDB's INSTALL, PIVOT or SET: not SQLite, run as written
        translated = [_translate(statement, schema) for statement in statements]
    except (SqlglotError, ValueError, KeyError, RecursionError):
        return query
    return ";\n".join(translated) if translated else query


def _translate(statement: exp.Expr, schema: dict[str, dict[str, str]]) -> str:
    # Types come from a copy whose unqualified columns name the one input that has them (the
    # statement itself is left as written: a table may have an alias there).
    copy = statement.copy()
    for column in copy.find_all(exp.Column):
        if not column.table:
            owners = [table for table, columns in schema.items() if column.name in columns]
            # Several inputs with that column: the type is known when they all agree.
            if owners and len({schema[owner][column.name] for owner in owners}) == 1:
                column.set("table", exp.to_identifier(owners[0]))
    typed = annotate_types(copy, schema=dict(schema), dialect="sqlite")
    # Qualifying adds no division, so both trees list their divisions in the same order; the
    # DuckDB generator writes an integer division when both operands are typed as integers.
    for original, annotated in zip(
        statement.find_all(exp.Div), typed.find_all(exp.Div), strict=True
    ):
        original.this.type = annotated.this.type
        original.expression.type = annotated.expression.type
        if annotated.this.is_type(*exp.DataType.INTEGER_TYPES) and annotated.expression.is_type(
            *exp.DataType.INTEGER_TYPES
        ):
            # SQLite: an integer divided by zero is NULL (DuckDB's float division gives inf).
            divisor = exp.Nullif(this=original.expression.copy(), expression=exp.Literal.number(0))
            divisor.type = annotated.expression.type
            original.set("expression", divisor)
    # SQLite's LIKE ignores case.
    statement = statement.transform(
        lambda node: exp.ILike(**node.args) if isinstance(node, exp.Like) else node
    )
    return statement.sql(dialect="duckdb")


def _sql_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(series):
        return "BIGINT"
    if pd.api.types.is_float_dtype(series):
        return "DOUBLE"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "TIMESTAMP"
    return "VARCHAR"
