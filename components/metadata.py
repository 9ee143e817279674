"""Column metadata carried with a DataFrame, as the designer keeps it.

- type: derived from the dtype (String, Integer, Double, Boolean, DateTime).
- categorical: a pandas `category` dtype (Parquet keeps it as a dictionary column).
- role: feature, label, score or none, kept in `df.attrs["roles"]` (columns not named there are
  features; "none" is a column whose feature flag Edit Metadata cleared, which learners skip).
  The artifact store writes all three to a sidecar next to the Parquet file.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pandas.api import types as ptypes

ROLES_ATTR = "roles"
FEATURE, LABEL, SCORE, NONE = "feature", "label", "score", "none"
ROLES = (FEATURE, LABEL, SCORE, NONE)


def column_type(series: pd.Series) -> str:
    """The designer's name for a column's data type."""
    return dtype_type(series.dtype)


def dtype_type(dtype: Any) -> str:
    """The designer's name for the data type of a column of `dtype`."""
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if ptypes.is_bool_dtype(dtype):
        return "Boolean"
    if ptypes.is_integer_dtype(dtype):
        return "Integer"
    if ptypes.is_float_dtype(dtype):
        return "Double"
    if ptypes.is_datetime64_any_dtype(dtype):
        return "DateTime"
    return "String"


def is_categorical(series: pd.Series) -> bool:
    """Whether the column carries the designer's categorical flag (a pandas category dtype)."""
    return isinstance(series.dtype, pd.CategoricalDtype)


def is_numeric(series: pd.Series) -> bool:
    """Numeric in the designer's sense: Integer or Double, not Boolean, not categorical."""
    return column_type(series) in ("Integer", "Double") and not is_categorical(series)


def describes_numeric(column: dict[str, Any]) -> bool:
    """`is_numeric` for a column description (`describe_columns`): Integer or Double, not
    categorical."""
    return column["type"] in ("Integer", "Double") and not column.get("categorical")


def roles(df: pd.DataFrame) -> dict[str, str]:
    """Each column's role; columns without one are features."""
    stored = df.attrs.get(ROLES_ATTR, {})
    return {str(col): stored.get(str(col), FEATURE) for col in df.columns}


def with_roles(df: pd.DataFrame, updates: dict[str, str]) -> pd.DataFrame:
    """A shallow copy of `df` whose role metadata carries `updates` (other roles kept)."""
    out = df.copy(deep=False)
    current = {col: role for col, role in roles(df).items() if role != FEATURE}
    current.update({col: role for col, role in updates.items() if col in out.columns})
    out.attrs = {**df.attrs, ROLES_ATTR: {c: r for c, r in current.items() if r != FEATURE}}
    return out


def keep_metadata(source: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """Carry `source`'s roles over to `result` for the columns they share."""
    kept = {c: r for c, r in roles(source).items() if c in result.columns and r != FEATURE}
    result = result.copy(deep=False)
    result.attrs = {**result.attrs, ROLES_ATTR: kept}
    return result


def describe_columns(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The sidecar description: one entry per column with name, type, categorical flag, role."""
    column_roles = roles(df)
    # From the dtypes alone: selecting each column as a Series copies df.attrs every time.
    return [
        {
            "name": str(col),
            "type": dtype_type(dtype),
            "categorical": isinstance(dtype, pd.CategoricalDtype),
            "role": column_roles[str(col)],
        }
        for col, dtype in df.dtypes.items()
    ]


def apply_description(df: pd.DataFrame, columns: list[dict[str, Any]]) -> pd.DataFrame:
    """Restore roles from a sidecar description (types and categories live in the data)."""
    return with_roles(df, {c["name"]: c.get("role", FEATURE) for c in columns})
