"""Group Data into Bins: quantile, equal-width or custom-edge bins, emitted as a transform."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import column_flow
from components import columns as column_selector
from components.errors import ComponentInputError
from components.ml.transforms import binning
from components.ml.transforms.binning import Binner
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

_COUNTED = {"binning_mode": (binning.QUANTILES, binning.EQUAL_WIDTH)}


@component(
    id="group_data_into_bins",
    name="Group Data into Bins",
    category="Data Transformation",
    checks=column_flow.numeric_selection(*binning.NUMERIC_ONLY),
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[
        Port("quantized_dataset", PortKind.DATASET, "Quantized dataset"),
        Port("binning_transformation", PortKind.TRANSFORMATION, "Binning transformation"),
    ],
    params=[
        Param(
            "binning_mode",
            ParamType.CHOICE,
            "Binning mode",
            default=binning.QUANTILES,
            choices=(binning.QUANTILES, binning.EQUAL_WIDTH, binning.CUSTOM_EDGES),
        ),
        Param(
            "columns", ParamType.COLUMNS, "Columns to bin", required=True, help="Numeric columns."
        ),
        Param(
            "bins",
            ParamType.INT,
            "Number of bins",
            default=10,
            min=1,
            max=1000,
            visible_if=_COUNTED,
        ),
        Param(
            "normalization",
            ParamType.CHOICE,
            "Quantile normalization",
            default=binning.PERCENT,
            choices=(binning.PERCENT, binning.PQUANTILE, binning.QUANTILE_INDEX),
            visible_if={"binning_mode": (binning.QUANTILES,)},
            help="Report bin i of k as 100*i/k (Percent), i/k (PQuantile) or i.",
        ),
        Param(
            "custom_edges",
            ParamType.STR,
            "Comma-separated list of bin edges",
            default="",
            required=True,
            visible_if={"binning_mode": (binning.CUSTOM_EDGES,)},
            help="Increasing numbers; n edges make n + 1 bins, each closed on the right.",
        ),
        Param(
            "output_mode",
            ParamType.CHOICE,
            "Output mode",
            default=binning.APPEND,
            choices=(binning.APPEND, binning.INPLACE, binning.RESULT_ONLY),
        ),
        Param("categorical", ParamType.BOOL, "Tag columns as categorical", default=True),
    ],
)
def group_data_into_bins(
    dataset: pd.DataFrame,
    *,
    binning_mode: str,
    columns: dict[str, Any],
    bins: int,
    normalization: str,
    custom_edges: str | None,
    output_mode: str,
    categorical: bool,
) -> dict[str, Any]:
    """Put numerical data into bins.

    Quantile edges are numpy's (linear) quantiles of the present values; repeated edges are
    merged, so a column with few distinct values gets fewer bins.
    """
    selected = column_selector.resolve(dataset, columns)
    if not selected:
        raise ComponentInputError("'Columns to bin' picks no columns.")
    edges: list[float] = []
    if binning_mode == binning.CUSTOM_EDGES:
        try:
            edges = [float(e) for e in (custom_edges or "").split(",") if e.strip()]
        except ValueError as exc:
            raise ComponentInputError(
                f"'Comma-separated list of bin edges' must hold numbers; got {custom_edges!r}."
            ) from exc
    binner = Binner.fit(
        dataset,
        selected,
        mode=binning_mode,
        bins=bins,
        custom_edges=edges,
        normalization=normalization,
        output_mode=output_mode,
        categorical=categorical,
    )
    return {"quantized_dataset": binner.apply(dataset), "binning_transformation": binner}
