"""Apply SQL Transformation: the user's SQL over up to three datasets, in the runner's sandbox."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components.errors import ComponentInputError
from components.registry import component
from components.runtime import Runtime
from components.spec import Param, ParamType, Port, PortKind


@component(
    id="apply_sql_transformation",
    name="Apply SQL Transformation",
    category="Data Transformation",
    inputs=[
        Port("t1", PortKind.DATASET, "t1"),
        Port("t2", PortKind.DATASET, "t2", optional=True),
        Port("t3", PortKind.DATASET, "t3", optional=True),
    ],
    outputs=[Port("result_dataset", PortKind.DATASET, "Result dataset")],
    params=[
        Param(
            "query",
            ParamType.TEXT,
            "SQL query script",
            default="select * from t1",
            required=True,
            help="SQL over the tables t1, t2 and t3 in the designer's SQLite dialect "
            "([bracket] names, integer division, LIKE ignoring case), run by DuckDB; "
            "statements separated by ';' and the last one's rows are the result.",
        )
    ],
    needs=("sql",),
)
def apply_sql_transformation(
    t1: pd.DataFrame,
    t2: pd.DataFrame | None,
    t3: pd.DataFrame | None,
    *,
    query: str,
    runtime: Runtime,
) -> dict[str, Any]:
    """Run a SQL query on up to three input datasets.

    The query is written in the designer's SQLite dialect and translated to DuckDB (see
    jobs/runtime/sql_dialect.py for what differs); RIGHT and FULL OUTER JOIN work too. As in
    the designer, the result carries no metadata (roles, categorical flags) from the inputs.
    """
    if not query.strip():
        raise ComponentInputError(
            "'SQL query script' is empty; write a query such as 'select * from t1'."
        )
    tables = {name: df for name, df in (("t1", t1), ("t2", t2), ("t3", t3)) if df is not None}
    result = runtime.run_sql(query, tables)
    repeated = sorted({str(c) for c in result.columns[result.columns.duplicated()]})
    if repeated:
        # A dataset's columns have unique names; said here rather than when storing the result.
        raise ComponentInputError(
            f"The query's result has more than one column named "
            f"{', '.join(repr(c) for c in repeated)}; give each a name of its own with AS "
            f"(for example 'select t1.id, t2.id as id2 ...')."
        )
    result.attrs = {}
    return {"result_dataset": result}
