"""Select Columns Transform: a transformation that keeps the columns of a given dataset."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components.ml.transforms.selection import ColumnSelection
from components.registry import component
from components.spec import Port, PortKind


@component(
    id="select_columns_transform",
    name="Select Columns Transform",
    category="Data Transformation",
    inputs=[Port("dataset", PortKind.DATASET, "Dataset with desired columns")],
    outputs=[
        Port(
            "column_selection_transformation",
            PortKind.TRANSFORMATION,
            "Column selection transformation",
        )
    ],
)
def select_columns_transform(dataset: pd.DataFrame) -> dict[str, Any]:
    """Create a transformation that selects the same columns as in a given dataset.

    Apply Transformation then projects new rows (say, an inference request) onto those
    columns, in the same order.
    """
    return {"column_selection_transformation": ColumnSelection(tuple(map(str, dataset.columns)))}
