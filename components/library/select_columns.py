"""Select Columns in Dataset: project a dataset onto chosen columns."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import column_flow, metadata
from components import columns as column_selector
from components.errors import ComponentInputError
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind


@component(
    id="select_columns_in_dataset",
    name="Select Columns in Dataset",
    columns=column_flow.selection("dataset", "columns"),
    category="Data Transformation",
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
    params=[
        Param(
            "columns",
            ParamType.COLUMNS,
            "Select columns",
            required=True,
            help="The columns to keep, by name or with rules.",
        )
    ],
)
def select_columns_in_dataset(dataset: pd.DataFrame, *, columns: dict[str, Any]) -> dict[str, Any]:
    """Select the columns to keep in a dataset, in the table's order unless the selection asks
    to preserve its own order (the designer's "Allow duplicates and preserve column order in
    selection"); so naming price then make keeps make first when the table has it first."""
    if isinstance(columns, dict) and "names" in columns and "preserve_order" not in columns:
        columns = {**columns, "preserve_order": False}  # by name too, the table's order
    names = column_selector.resolve(dataset, columns)
    if not names:
        raise ComponentInputError(
            f"The column selection picks no columns; the dataset has: "
            f"{', '.join(map(str, dataset.columns))}."
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ComponentInputError(
            f"Column(s) {', '.join(map(repr, repeated))} are selected more than once; a dataset "
            "cannot hold two columns with one name."
        )
    return {"results_dataset": metadata.keep_metadata(dataset, dataset[names])}
