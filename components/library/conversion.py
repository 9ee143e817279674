"""Convert to CSV and Convert to Dataset."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from components import metadata
from components.errors import ComponentInputError
from components.ml import column_types
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

NONE, SET_MISSING, REPLACE = "None", "SetMissingValues", "ReplaceValues"


@component(
    id="convert_to_csv",
    name="Convert to CSV",
    category="Data Transformation",
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
)
def convert_to_csv(dataset: pd.DataFrame) -> dict[str, Any]:
    """Convert a dataset to comma-separated values: every cell as the text a CSV file holds.

    The designer outputs a CSV file; Flowbench's ports carry tables, so the output is the same
    table with each value as it is written to CSV (numbers, dates and booleans as text, missing
    values as empty text) and no metadata, as a CSV file has none. Downloading it gives that
    CSV file, and reading it back (Import Data, Convert to Dataset) infers the types again.
    """
    text = dataset.to_csv(index=False)
    cells = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return {"results_dataset": cells.astype("str")}


@component(
    id="convert_to_dataset",
    name="Convert to Dataset",
    category="Data Transformation",
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
    params=[
        Param(
            "action", ParamType.CHOICE, "Action", default=NONE, choices=(NONE, SET_MISSING, REPLACE)
        ),
        Param(
            "custom_missing_value",
            ParamType.STR,
            "Custom missing value",
            default="?",
            required=True,
            visible_if={"action": (SET_MISSING,)},
            help="Cells holding exactly this text become missing values.",
        ),
        Param(
            "replace",
            ParamType.CHOICE,
            "Replace",
            default="Missing",
            choices=("Missing", "Custom"),
            visible_if={"action": (REPLACE,)},
        ),
        Param(
            "custom_value",
            ParamType.STR,
            "Custom value",
            default="obs",
            required=True,
            visible_if={"action": (REPLACE,), "replace": ("Custom",)},
        ),
        Param(
            "new_value",
            ParamType.STR,
            "New value",
            default="0",
            required=True,
            visible_if={"action": (REPLACE,)},
        ),
    ],
)
def convert_to_dataset(
    dataset: pd.DataFrame,
    *,
    action: str,
    custom_missing_value: str | None,
    replace: str,
    custom_value: str | None,
    new_value: str | None,
) -> dict[str, Any]:
    """Convert data input to the internal dataset format, optionally marking or replacing values.

    Text columns whose values are all numbers (once marked values are missing) become numeric,
    so that '?'-marked files such as the UCI datasets get their numeric columns back.
    """
    out = dataset.copy()
    if action == SET_MISSING:
        marker = custom_missing_value or ""
        for column in out.columns:
            if _is_text(out[column]):
                out[column] = out[column].where(_text_of(out[column]) != marker, None)
    elif action == REPLACE:
        for column in out.columns:
            series = out[column]
            if replace == "Missing":
                hits = series.isna()
            else:
                hits = (_text_of(series) == (custom_value or "")) & series.notna()
            if hits.any():
                out[column] = _replaced(series, str(column), hits, new_value or "")
    if action != NONE:
        for column in out.columns:
            out[column] = _retyped(out[column])
    return {"results_dataset": metadata.keep_metadata(dataset, out)}


def _is_text(series: pd.Series) -> bool:
    return metadata.column_type(series) == "String" or metadata.is_categorical(series)


def _text_of(series: pd.Series) -> pd.Series:
    return (
        column_types.plain(series)
        .astype(object)
        .map(lambda v: v if isinstance(v, str) else str(v), na_action="ignore")
    )


def _replaced(series: pd.Series, column: str, hits: pd.Series, text: str) -> pd.Series:
    try:
        value = column_types.scalar_for(series, column, text)
    except ComponentInputError as exc:
        raise ComponentInputError(
            f"'New value' {text!r} does not suit column '{column}' "
            f"({metadata.column_type(series)}): {exc}"
        ) from exc
    plain = column_types.plain(series).astype(object)
    plain[hits] = value
    return pd.Series(plain.tolist(), index=series.index, name=series.name).infer_objects()


def _retyped(series: pd.Series) -> pd.Series:
    if metadata.is_categorical(series) or metadata.column_type(series) != "String":
        return series
    present = series.dropna()
    if present.empty:
        return series
    numbers = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
    if numbers.isna().any():
        return series.astype("str") if series.dtype == object else series
    full = pd.to_numeric(series.astype(object).where(series.notna(), None), errors="coerce")
    whole = (full.dropna() == full.dropna().round()).all() and not full.isna().any()
    return full.astype("int64") if whole else full.astype(float)
