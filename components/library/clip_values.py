"""Clip Values: find values above or below thresholds and clip or replace them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from components import column_flow, metadata
from components import columns as column_selector
from components.errors import ComponentInputError
from components.ml import column_types
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

PEAKS, SUBPEAKS, BOTH = "ClipPeaks", "ClipSubPeaks", "ClipPeaksAndSubpeaks"
CONSTANT, PERCENTILE = "Constant", "Percentile"
SUBSTITUTES = ("Threshold", "Mean", "Median", "Missing")
# Names of the columns added when not clipping in place.
CLIPPED_SUFFIX, INDICATOR_SUFFIX = "_clipped", "_IsClipped"
_UPPER = {"clip_mode": (PEAKS, BOTH)}
_LOWER = {"clip_mode": (SUBPEAKS, BOTH)}
# The step's message for a column that is not numeric, and the one Validate gives before it.
_NUMERIC_ONLY = ("Clip Values", "clips", "List of columns")


def _clipped_columns(inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    kept = params.get("overwrite", True) and not params.get("add_indicator")
    return {"*": inputs.get("dataset") if kept else None}


@component(
    id="clip_values",
    name="Clip Values",
    category="Data Transformation",
    columns=_clipped_columns,
    checks=column_flow.numeric_selection(*_NUMERIC_ONLY),
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
    params=[
        Param(
            "clip_mode",
            ParamType.CHOICE,
            "Set of thresholds",
            default=PEAKS,
            choices=(PEAKS, SUBPEAKS, BOTH),
            help="Clip values above the upper threshold, below the lower one, or both.",
        ),
        Param(
            "threshold_type",
            ParamType.CHOICE,
            "Threshold",
            default=CONSTANT,
            choices=(CONSTANT, PERCENTILE),
            help="Constant: thresholds are values; Percentile: percentiles of each column.",
        ),
        Param(
            "upper_threshold",
            ParamType.FLOAT,
            "Upper threshold",
            default=99.0,
            visible_if=_UPPER,
            help="A value, or a percentile in [0, 100].",
        ),
        Param(
            "lower_threshold",
            ParamType.FLOAT,
            "Lower threshold",
            default=1.0,
            visible_if=_LOWER,
            help="A value, or a percentile in [0, 100].",
        ),
        Param(
            "upper_substitute",
            ParamType.CHOICE,
            "Substitute value for peaks",
            default="Threshold",
            choices=SUBSTITUTES,
            visible_if=_UPPER,
        ),
        Param(
            "lower_substitute",
            ParamType.CHOICE,
            "Substitute value for subpeaks",
            default="Threshold",
            choices=SUBSTITUTES,
            visible_if=_LOWER,
        ),
        Param(
            "columns",
            ParamType.COLUMNS,
            "List of columns",
            required=True,
            help="Numeric columns to clip.",
        ),
        Param(
            "overwrite",
            ParamType.BOOL,
            "Overwrite flag",
            default=True,
            help="Clip in place; unchecked adds a '<column>_clipped' column.",
        ),
        Param(
            "add_indicator",
            ParamType.BOOL,
            "Add indicator column",
            default=False,
            help="Add a boolean '<column>_IsClipped' column.",
        ),
    ],
)
def clip_values(
    dataset: pd.DataFrame,
    *,
    clip_mode: str,
    threshold_type: str,
    upper_threshold: float,
    lower_threshold: float,
    upper_substitute: str,
    lower_substitute: str,
    columns: dict[str, Any],
    overwrite: bool,
    add_indicator: bool,
) -> dict[str, Any]:
    """Detect outliers and clip or replace their values.

    Mean and Median are those of the column before clipping; percentiles use numpy's linear
    interpolation over the present values.
    """
    selected = column_selector.resolve(dataset, columns)
    if threshold_type == PERCENTILE:
        for label, value, mode in (
            ("Upper threshold", upper_threshold, _UPPER),
            ("Lower threshold", lower_threshold, _LOWER),
        ):
            if clip_mode in mode["clip_mode"] and not 0 <= value <= 100:
                raise ComponentInputError(
                    f"'{label}' is a percentile and must be in [0, 100]; got {value:g}."
                )
    column_flow.require_numeric(dataset, selected, *_NUMERIC_ONLY)
    out = dataset.copy()
    for column in selected:
        x = column_types.to_double(dataset[column], column).to_numpy()
        present = x[~np.isnan(x)]
        clipped = x.copy()
        flagged = np.zeros(len(x), dtype=bool)
        for side, threshold, substitute in (
            ("upper", upper_threshold, upper_substitute),
            ("lower", lower_threshold, lower_substitute),
        ):
            if clip_mode not in (_UPPER if side == "upper" else _LOWER)["clip_mode"]:
                continue
            limit = (
                (float(np.percentile(present, threshold)) if len(present) else np.nan)
                if threshold_type == PERCENTILE
                else threshold
            )
            beyond = x > limit if side == "upper" else x < limit
            flagged |= beyond
            clipped[beyond] = _substitute(substitute, limit, present)
        result = _keep_integer(dataset[column], clipped)
        out[column if overwrite else f"{column}{CLIPPED_SUFFIX}"] = result
        if add_indicator:
            out[f"{column}{INDICATOR_SUFFIX}"] = flagged
    return {"results_dataset": metadata.keep_metadata(dataset, out)}


def _substitute(kind: str, limit: float, present: np.ndarray) -> float:
    if kind == "Threshold":
        return limit
    if kind == "Missing" or not len(present):
        return np.nan
    return float(present.mean() if kind == "Mean" else np.median(present))


def _keep_integer(original: pd.Series, values: np.ndarray) -> Any:
    whole = ~np.isnan(values) & (values == np.round(values))
    if metadata.column_type(original) == "Integer" and whole.all():
        return values.astype("int64")
    return values
