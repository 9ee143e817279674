"""Summarize Data's statistics, as a pure function the control plane also uses to profile data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from components import metadata
from components.ml import column_types

# Summarize Data's columns, in the designer's order (REFERENCE.md 1.3).
COUNT_COLUMNS = ("Count", "Unique Value Count", "Missing Value Count")
NUMERIC_COLUMNS = (
    "Min",
    "Max",
    "Mean",
    "Mean Deviation",
    "1st Quartile",
    "Median",
    "3rd Quartile",
    "Mode",
    "Range",
    "Sample Variance",
    "Sample Standard Deviation",
    "Sample Skewness",
    "Sample Kurtosis",
    "P0.5",
    "P1",
    "P5",
    "P95",
    "P99.5",
)
COLUMNS = ("Feature", *COUNT_COLUMNS, *NUMERIC_COLUMNS)
_PERCENTILES = {
    "1st Quartile": 25,
    "Median": 50,
    "3rd Quartile": 75,
    "P0.5": 0.5,
    "P1": 1,
    "P5": 5,
    "P95": 95,
    "P99.5": 99.5,
}


def summarize(df: pd.DataFrame) -> pd.DataFrame:
    """One row per column of `df` with the designer's Summarize Data statistics.

    Count is the number of present values. Numeric and boolean columns get every statistic
    (booleans as 0/1, so Min is AND and Max is OR); other columns (text, categorical, dates)
    only the counts. Quantiles interpolate linearly (numpy's default); Mean Deviation is the
    mean absolute deviation from the mean; variance, standard deviation, skewness and (excess)
    kurtosis are the bias-corrected sample statistics that pandas computes. Mode is the
    smallest of the most frequent values.
    """
    rows = [_summary(str(column), df[column]) for column in df.columns]
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in COUNT_COLUMNS:
        out[column] = out[column].astype("int64")
    for column in NUMERIC_COLUMNS:
        out[column] = out[column].astype(float)
    return out


def _summary(name: str, series: pd.Series) -> dict[str, object]:
    row: dict[str, object] = {
        "Feature": name,
        "Count": int(series.notna().sum()),
        "Unique Value Count": int(series.nunique(dropna=True)),
        "Missing Value Count": int(series.isna().sum()),
    }
    numeric = metadata.is_numeric(series) or (
        metadata.column_type(series) == "Boolean" and not metadata.is_categorical(series)
    )
    values = (
        column_types.to_double(series, name).dropna() if numeric else pd.Series([], dtype=float)
    )
    if values.empty:
        return row | dict.fromkeys(NUMERIC_COLUMNS, np.nan)
    array = values.to_numpy()
    row |= {
        "Min": array.min(),
        "Max": array.max(),
        "Mean": array.mean(),
        "Mean Deviation": np.abs(array - array.mean()).mean(),
        "Mode": float(values.mode().min()),
        "Range": array.max() - array.min(),
        "Sample Variance": values.var(ddof=1),
        "Sample Standard Deviation": values.std(ddof=1),
        "Sample Skewness": values.skew(),
        "Sample Kurtosis": values.kurt(),
    }
    row |= {column: float(np.percentile(array, q)) for column, q in _PERCENTILES.items()}
    return row
