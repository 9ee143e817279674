"""Dataset profiles: the designer's Summarize Data statistics per column, plus chart data.

The statistics are computed here with pandas (a pure `summarize(df)` in components was being
written at the same time; switch to it once it lands so the component and the profile agree).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

PERCENTILES = {"P0.5": 0.005, "P1": 0.01, "P5": 0.05, "P95": 0.95, "P99.5": 0.995}
HISTOGRAM_BINS = 20
TOP_CATEGORIES = 20


def summarize_column(name: str, series: pd.Series) -> dict[str, Any]:
    """One row of Summarize Data: counts for every column, statistics for numeric ones."""
    row: dict[str, Any] = {
        "Feature": name, "Count": int(series.notna().sum()),
        "Unique Value Count": int(series.nunique(dropna=True)),
        "Missing Value Count": int(series.isna().sum()),
    }
    numeric = _numeric(series)
    stats: dict[str, Any] = dict.fromkeys(
        ["Min", "Max", "Mean", "Mean Deviation", "1st Quartile", "Median", "3rd Quartile",
         "Mode", "Range", "Sample Variance", "Sample Standard Deviation", "Sample Skewness",
         "Sample Kurtosis", *PERCENTILES])
    if numeric is not None and numeric.notna().any():
        values = numeric.dropna()
        mode = values.mode()
        stats.update({
            "Min": values.min(), "Max": values.max(), "Mean": values.mean(),
            "Mean Deviation": (values - values.mean()).abs().mean(),
            "1st Quartile": values.quantile(0.25), "Median": values.median(),
            "3rd Quartile": values.quantile(0.75), "Mode": mode.iloc[0] if len(mode) else None,
            "Range": values.max() - values.min(), "Sample Variance": values.var(),
            "Sample Standard Deviation": values.std(), "Sample Skewness": values.skew(),
            "Sample Kurtosis": values.kurt(),
            **{key: values.quantile(q) for key, q in PERCENTILES.items()},
        })
    row.update({k: _number(v) for k, v in stats.items()})
    return row


def column_chart(series: pd.Series) -> dict[str, Any]:
    """A histogram for a numeric column, counts of the top values for any other."""
    numeric = _numeric(series)
    if numeric is not None and numeric.nunique(dropna=True) > 2:
        values = numeric.dropna().to_numpy(dtype=float)
        counts, edges = np.histogram(values, bins=min(HISTOGRAM_BINS, max(1, len(values))))
        return {"kind": "histogram", "bins": [
            {"start": float(edges[i]), "end": float(edges[i + 1]), "count": int(c)}
            for i, c in enumerate(counts)]}
    top = series.astype("string").fillna("(missing)").value_counts().head(TOP_CATEGORIES)
    return {"kind": "bar", "bars": [{"value": str(k), "count": int(v)} for k, v in top.items()]}


def profile(df: pd.DataFrame) -> dict[str, Any]:
    """Summarize Data rows and a chart per column of `df`."""
    columns = [str(c) for c in df.columns]
    return {"row_count": len(df),
            "summary": [summarize_column(c, df[c]) for c in columns],
            "charts": {c: column_chart(df[c]) for c in columns}}


def _numeric(series: pd.Series) -> pd.Series | None:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    return None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None
