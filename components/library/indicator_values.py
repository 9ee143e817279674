"""Convert to Indicator Values: one 0/1 column per category, and the conversion as a transform."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import columns as column_selector
from components.errors import ComponentInputError
from components.ml.transforms.indicators import IndicatorEncoder
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind


@component(
    id="convert_to_indicator_values",
    name="Convert to Indicator Values",
    category="Data Transformation",
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[
        Port("results_dataset", PortKind.DATASET, "Results dataset"),
        Port(
            "indicator_values_transformation",
            PortKind.TRANSFORMATION,
            "Indicator values transformation",
        ),
    ],
    params=[
        Param(
            "columns",
            ParamType.COLUMNS,
            "Categorical columns to convert",
            required=True,
            help="Categorical columns only (Edit Metadata makes a column categorical).",
        ),
        Param(
            "overwrite",
            ParamType.BOOL,
            "Overwrite categorical columns",
            default=False,
            help="Replace each converted column by its indicators; else keep it too.",
        ),
    ],
)
def convert_to_indicator_values(
    dataset: pd.DataFrame, *, columns: dict[str, Any], overwrite: bool
) -> dict[str, Any]:
    """Convert categorical columns into a series of binary indicator columns.

    Each category becomes a '<column>-<category>' column of 0/1; missing values get a
    '<column>-Missing' column when the dataset has any.
    """
    selected = column_selector.resolve(dataset, columns)
    if not selected:
        raise ComponentInputError("'Categorical columns to convert' picks no columns.")
    encoder = IndicatorEncoder.fit(dataset, selected, overwrite=overwrite)
    return {"results_dataset": encoder.apply(dataset), "indicator_values_transformation": encoder}
