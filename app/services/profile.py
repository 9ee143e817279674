"""Dataset profiles: the designer's Summarize Data statistics per column, plus chart data.

The statistics come from the Summarize Data component's own pure function, so the profile and
the component cannot disagree.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from components.ml.statistics import summarize

HISTOGRAM_BINS = 20
TOP_CATEGORIES = 20
# A profile covers the first this many columns: a 10,000-column table took 12 s to profile
# whole, far too long for a page; the profile says when it stopped short.
MAX_PROFILE_COLUMNS = 200


def column_chart(series: pd.Series) -> dict[str, Any]:
    """A histogram for a numeric column, counts of the top values for any other."""
    numeric = _numeric(series)
    if numeric is not None and numeric.nunique(dropna=True) > 2:
        values = numeric.dropna().to_numpy(dtype=float)
        counts, edges = np.histogram(values, bins=min(HISTOGRAM_BINS, max(1, len(values))))
        return {
            "kind": "histogram",
            "bins": [
                {"start": float(edges[i]), "end": float(edges[i + 1]), "count": int(c)}
                for i, c in enumerate(counts)
            ],
        }
    top = series.astype("string").fillna("(missing)").value_counts().head(TOP_CATEGORIES)
    return {"kind": "bar", "bars": [{"value": str(k), "count": int(v)} for k, v in top.items()]}


def profile(df: pd.DataFrame, max_columns: int = MAX_PROFILE_COLUMNS) -> dict[str, Any]:
    """Summarize Data rows and a chart per column of `df`, for its first `max_columns` columns.

    `column_count` is the table's width, `profiled_columns` how many were profiled, and `note`
    says so when that is fewer.
    """
    total = df.shape[1]
    df = df.iloc[:, :max_columns]
    columns = [str(c) for c in df.columns]
    note = (
        f"Profiled the first {len(columns):,} of {total:,} columns; select columns "
        f"(Select Columns in Dataset) to profile others."
        if total > len(columns)
        else None
    )
    return {
        "row_count": len(df),
        "column_count": total,
        "profiled_columns": len(columns),
        "note": note,
        "summary": [
            {k: _number(v) if isinstance(v, float) else v for k, v in row.items()}
            for row in summarize(df).to_dict(orient="records")
        ],
        "charts": {c: column_chart(df[c]) for c in columns},
    }


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
