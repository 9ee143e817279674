"""Remove Duplicate Rows: keep one row per value of the key columns."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import column_flow, metadata
from components import columns as column_selector
from components.errors import ComponentInputError
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind


@component(
    id="remove_duplicate_rows",
    name="Remove Duplicate Rows",
    category="Data Transformation",
    columns=column_flow.passthrough("dataset"),
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
    params=[
        Param(
            "key_columns",
            ParamType.COLUMNS,
            "Key column selection filter expression",
            required=True,
            help="Rows are duplicates when they agree on these columns.",
        ),
        Param(
            "retain_first",
            ParamType.BOOL,
            "Retain first duplicate row",
            default=True,
            help="Keep the first of each set of duplicates; unchecked keeps the last.",
        ),
    ],
)
def remove_duplicate_rows(
    dataset: pd.DataFrame, *, key_columns: dict[str, Any], retain_first: bool
) -> dict[str, Any]:
    """Remove the duplicate rows from a dataset.

    Missing values count as equal to each other. Kept rows stay in input order.
    """
    keys = list(dict.fromkeys(column_selector.resolve(dataset, key_columns)))
    if not keys:
        raise ComponentInputError("'Key column selection filter expression' picks no columns.")
    out = dataset.drop_duplicates(subset=keys, keep="first" if retain_first else "last")
    print(f"Removed {len(dataset) - len(out)} duplicate row(s).")
    return {"results_dataset": metadata.keep_metadata(dataset, out.reset_index(drop=True))}
