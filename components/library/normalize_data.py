"""Normalize Data: rescale numeric columns, and emit the scaling as a transformation."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import column_flow
from components import columns as column_selector
from components.ml.transforms import NormalizationMethod, Normalizer
from components.ml.transforms.normalization import NUMERIC_ONLY
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind


@component(
    id="normalize_data",
    name="Normalize Data",
    category="Data Transformation",
    columns=column_flow.passthrough("dataset"),
    checks=column_flow.numeric_selection(*NUMERIC_ONLY),
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[
        Port("transformed_dataset", PortKind.DATASET, "Transformed dataset"),
        Port("transformation_function", PortKind.TRANSFORMATION, "Transformation function"),
    ],
    params=[
        Param(
            "method",
            ParamType.CHOICE,
            "Transformation method",
            default=NormalizationMethod.ZSCORE.value,
            choices=tuple(m.value for m in NormalizationMethod),
            help="ZScore: (x - mean) / std; MinMax: to [0, 1]; Logistic: 1 / (1 + e^-x); "
            "LogNormal: log-normal CDF; Tanh: tanh(x).",
        ),
        Param(
            "columns",
            ParamType.COLUMNS,
            "Columns to transform",
            required=True,
            help="Numeric columns only.",
        ),
        Param(
            "constant_columns_zero",
            ParamType.BOOL,
            "Use 0 for constant columns when checked",
            default=True,
            help="A constant column becomes 0 (ZScore, MinMax, LogNormal); else missing.",
        ),
    ],
)
def normalize_data(
    dataset: pd.DataFrame, *, method: str, columns: dict[str, Any], constant_columns_zero: bool
) -> dict[str, Any]:
    """Rescale numeric columns to a standard range."""
    selected = column_selector.resolve(dataset, columns)
    normalizer = Normalizer.fit(
        dataset, selected, method=method, constant_columns_zero=constant_columns_zero
    )
    return {"transformed_dataset": normalizer.apply(dataset), "transformation_function": normalizer}
