"""Summarize Data: basic descriptive statistics of every column."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components.ml.statistics import summarize
from components.registry import component
from components.spec import Port, PortKind


@component(
    id="summarize_data",
    name="Summarize Data",
    category="Statistical Functions",
    inputs=[Port("dataset", PortKind.DATASET, "Input")],
    outputs=[Port("result_dataset", PortKind.DATASET, "Result dataset")],
)
def summarize_data(dataset: pd.DataFrame) -> dict[str, Any]:
    """Generate a basic descriptive statistics report for the columns in a dataset.

    One row per input column: counts for every column; min, max, mean, quartiles, mode,
    variance, skewness, kurtosis and percentiles for numeric and boolean ones
    (`components.ml.statistics.summarize`).
    """
    return {"result_dataset": summarize(dataset)}
