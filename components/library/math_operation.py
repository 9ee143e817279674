"""Apply Math Operation: a math function on column values, with a constant or another column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from components import columns as column_selector
from components import metadata
from components.errors import ComponentInputError
from components.ml import column_types
from components.ml import math_functions as fn
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

APPEND, INPLACE, RESULT_ONLY = "Append", "Inplace", "ResultOnly"
CONSTANT, COLUMN_SET = "Constant", "ColumnSet"
_DEFAULTS = {
    "Basic": "Abs",
    "Compare": "EqualTo",
    "Operations": "Add",
    "Rounding": "Ceiling",
    "Special": "Beta",
    "Trigonometric": "Acos",
}
_WITH_BINARY = tuple(c for c in fn.CATEGORIES if c in fn.BINARY)


def _function_param(category: str) -> Param:
    return Param(
        f"{category.lower()}_function",
        ParamType.CHOICE,
        f"{category} math function",
        default=_DEFAULTS[category],
        choices=fn.functions(category),
        visible_if={"category": (category,)},
    )


@component(
    id="apply_math_operation",
    name="Apply Math Operation",
    category="Data Transformation",
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
    params=[
        Param("category", ParamType.CHOICE, "Category", default="Basic", choices=fn.CATEGORIES),
        *(_function_param(category) for category in fn.CATEGORIES),
        Param(
            "columns",
            ParamType.COLUMNS,
            "Column set",
            required=True,
            help="The numeric columns the function applies to.",
        ),
        Param(
            "second_argument_type",
            ParamType.CHOICE,
            "Second argument type",
            default=CONSTANT,
            choices=(CONSTANT, COLUMN_SET),
            visible_if={"category": _WITH_BINARY},
            help="For functions of two arguments (Pow, Add, GreaterThan, ...).",
        ),
        Param(
            "constant",
            ParamType.FLOAT,
            "Second argument",
            default=1.0,
            visible_if={"category": _WITH_BINARY, "second_argument_type": (CONSTANT,)},
        ),
        Param(
            "second_columns",
            ParamType.COLUMNS,
            "Second argument columns",
            required=True,
            visible_if={"category": _WITH_BINARY, "second_argument_type": (COLUMN_SET,)},
            help="One column (used with every column of the set) or one per column.",
        ),
        Param(
            "output_mode",
            ParamType.CHOICE,
            "Output mode",
            default=APPEND,
            choices=(APPEND, INPLACE, RESULT_ONLY),
            help="Append result columns, replace the columns in place, or output only the results.",
        ),
    ],
)
def apply_math_operation(
    dataset: pd.DataFrame,
    *,
    category: str,
    basic_function: str,
    compare_function: str,
    operations_function: str,
    rounding_function: str,
    special_function: str,
    trigonometric_function: str,
    columns: dict[str, Any],
    second_argument_type: str,
    constant: float | None,
    second_columns: dict[str, Any] | None,
    output_mode: str,
) -> dict[str, Any]:
    """Apply a mathematical operation to column values.

    Result columns are named '<Function>(<column>)', '<Function>(<column>_<constant>)' or
    '<Function>(<column>_<second column>)'. Compare functions give booleans; missing values
    give missing results (and False for comparisons).
    """
    name = {
        "Basic": basic_function,
        "Compare": compare_function,
        "Operations": operations_function,
        "Rounding": rounding_function,
        "Special": special_function,
        "Trigonometric": trigonometric_function,
    }[category]
    selected = column_selector.resolve(dataset, columns)
    if not selected:
        raise ComponentInputError("'Column set' picks no columns.")
    values = {c: _numbers(dataset, c) for c in selected}
    results: dict[str, np.ndarray] = {}
    with np.errstate(all="ignore"):
        if not fn.is_binary(category, name):
            for column in selected:
                results[f"{name}({column})"] = fn.UNARY[category][name](values[column])
        else:
            for column, (label, argument) in zip(
                selected,
                _second_arguments(
                    dataset, selected, second_argument_type, constant, second_columns
                ),
                strict=True,
            ):
                results[f"{name}({column}_{label})"] = fn.BINARY[category][name](
                    values[column], argument
                )
    return {"results_dataset": _output(dataset, selected, results, output_mode)}


def _numbers(dataset: pd.DataFrame, column: str) -> np.ndarray:
    if not (
        metadata.is_numeric(dataset[column]) or metadata.column_type(dataset[column]) == "Boolean"
    ):
        raise ComponentInputError(
            f"Apply Math Operation needs numeric columns; column '{column}' is "
            f"{metadata.column_type(dataset[column])}"
            f"{' (categorical)' if metadata.is_categorical(dataset[column]) else ''}."
        )
    return column_types.to_double(dataset[column], column).to_numpy()


def _second_arguments(
    dataset: pd.DataFrame,
    selected: list[str],
    kind: str,
    constant: float | None,
    second: dict[str, Any] | None,
) -> list[tuple[str, np.ndarray | float]]:
    if kind == CONSTANT:
        value = 1.0 if constant is None else float(constant)
        return [(f"{value:g}", value)] * len(selected)
    others = column_selector.resolve(dataset, second or {"names": []})
    if len(others) == 1:
        others = others * len(selected)
    if len(others) != len(selected):
        raise ComponentInputError(
            f"'Second argument columns' must pick one column or one per column of 'Column set' "
            f"({len(selected)}); got {len(others)}: {', '.join(others) or 'none'}."
        )
    return [(other, _numbers(dataset, other)) for other in others]


def _output(
    dataset: pd.DataFrame, selected: list[str], results: dict[str, np.ndarray], mode: str
) -> pd.DataFrame:
    frame = pd.DataFrame(results, index=dataset.index)
    if mode == RESULT_ONLY:
        return frame.reset_index(drop=True)
    if mode == INPLACE:
        out = dataset.copy()
        for column, result in zip(selected, frame.columns, strict=True):
            out[column] = frame[result]
        return metadata.keep_metadata(dataset, out)
    base = dataset.drop(columns=[c for c in frame.columns if c in dataset.columns])
    return metadata.keep_metadata(dataset, pd.concat([base, frame], axis=1))
