"""Clean Missing Data: replace or remove missing values, and emit the cleaning as a transform."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import columns as column_selector
from components.ml.transforms import CleaningMode, MissingValueCleaner
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

_MODES = tuple(mode.value for mode in CleaningMode)
_REPLACING = tuple(
    m.value for m in CleaningMode if m not in (CleaningMode.REMOVE_ROW, CleaningMode.REMOVE_COLUMN)
)


def _cleaned_columns(inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    # Indicator columns are named after the cleaned columns: unknown here.
    return {"*": None if params.get("generate_indicator") else inputs.get("dataset")}


@component(
    id="clean_missing_data",
    name="Clean Missing Data",
    category="Data Transformation",
    columns=_cleaned_columns,
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[
        Port("cleaned_dataset", PortKind.DATASET, "Cleaned dataset"),
        Port("cleaning_transformation", PortKind.TRANSFORMATION, "Cleaning transformation"),
    ],
    params=[
        Param(
            "columns",
            ParamType.COLUMNS,
            "Columns to be cleaned",
            default={"begin": "all", "rules": []},
            required=True,
            help="Columns to clean; the same mode applies to all of them.",
        ),
        Param(
            "min_missing_ratio",
            ParamType.FLOAT,
            "Minimum missing value ratio",
            default=0.0,
            min=0.0,
            max=1.0,
            help="Clean a column only if at least this fraction of its values is missing.",
        ),
        Param(
            "max_missing_ratio",
            ParamType.FLOAT,
            "Maximum missing value ratio",
            default=1.0,
            min=0.0,
            max=1.0,
            help="Clean a column only if at most this fraction of its values is missing.",
        ),
        Param(
            "cleaning_mode",
            ParamType.CHOICE,
            "Cleaning mode",
            default=CleaningMode.CUSTOM.value,
            choices=_MODES,
        ),
        Param(
            "replacement_value",
            ParamType.STR,
            "Replacement value",
            default="0",
            required=True,
            visible_if={"cleaning_mode": (CleaningMode.CUSTOM.value,)},
            help="Must suit every cleaned column's type (a number for numeric columns).",
        ),
        Param(
            "generate_indicator",
            ParamType.BOOL,
            "Generate missing value indicator column",
            default=False,
            visible_if={"cleaning_mode": _REPLACING},
            help="Append a <column>_IsMissing column per cleaned column.",
        ),
        Param(
            "all_missing_columns",
            ParamType.CHOICE,
            "Cols with all missing values",
            default="Remove",
            choices=("Propagate", "Remove"),
            visible_if={
                "cleaning_mode": (
                    CleaningMode.MEAN.value,
                    CleaningMode.MEDIAN.value,
                    CleaningMode.MODE.value,
                    CleaningMode.MICE.value,
                    CleaningMode.PPCA.value,
                    CleaningMode.REMOVE_ROW.value,
                )
            },
            help="Remove columns whose values are all missing, or keep them as they are.",
        ),
        Param(
            "mice_iterations",
            ParamType.INT,
            "Number of Iterations",
            default=5,
            min=1,
            max=10,
            visible_if={"cleaning_mode": (CleaningMode.MICE.value,)},
            help="Rounds of chained regressions (numeric and boolean columns).",
        ),
        Param(
            "pca_iterations",
            ParamType.INT,
            "Number of Iterations for PCA Prediction",
            default=10,
            min=1,
            max=50,
            visible_if={"cleaning_mode": (CleaningMode.PPCA.value,)},
            help="Rounds of refitting the probabilistic PCA model (numeric and boolean columns).",
        ),
    ],
)
def clean_missing_data(
    dataset: pd.DataFrame,
    *,
    columns: dict[str, Any],
    min_missing_ratio: float,
    max_missing_ratio: float,
    cleaning_mode: str,
    replacement_value: str | None,
    generate_indicator: bool,
    all_missing_columns: str,
    mice_iterations: int,
    pca_iterations: int,
) -> dict[str, Any]:
    """Specify how to handle the values missing from a dataset."""
    selected = column_selector.resolve(dataset, columns)
    cleaner = MissingValueCleaner.fit(
        dataset,
        selected,
        mode=cleaning_mode,
        min_ratio=min_missing_ratio,
        max_ratio=max_missing_ratio,
        replacement_value=replacement_value or "",
        indicators=generate_indicator,
        remove_all_missing=all_missing_columns == "Remove",
        iterations=pca_iterations if cleaning_mode == CleaningMode.PPCA else mice_iterations,
    )
    cleaned = cleaner.apply(dataset)
    print(
        f"Cleaned {len(cleaner.columns)} column(s), removed {len(cleaner.dropped)} column(s) "
        f"and {len(dataset) - len(cleaned)} row(s)."
    )
    return {"cleaned_dataset": cleaned, "cleaning_transformation": cleaner}
