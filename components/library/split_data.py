"""Split Data: partition the rows of a dataset into two sets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from components import column_flow, metadata
from components.errors import ComponentInputError
from components.ml.split_expressions import regex_mask, relational_mask
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

SPLIT_ROWS, REGULAR_EXPRESSION, RELATIVE_EXPRESSION = (
    "Split Rows",
    "Regular Expression",
    "Relative Expression",
)
_ROWS = {"splitting_mode": (SPLIT_ROWS,)}


@component(
    id="split_data",
    name="Split Data",
    category="Data Transformation",
    columns=column_flow.passthrough("dataset"),
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[
        Port("results_dataset1", PortKind.DATASET, "Results dataset1"),
        Port("results_dataset2", PortKind.DATASET, "Results dataset2"),
    ],
    params=[
        Param(
            "splitting_mode",
            ParamType.CHOICE,
            "Splitting mode",
            default=SPLIT_ROWS,
            choices=(SPLIT_ROWS, REGULAR_EXPRESSION, RELATIVE_EXPRESSION),
        ),
        Param(
            "fraction",
            ParamType.FLOAT,
            "Fraction of rows in the first output dataset",
            default=0.5,
            min=0.0,
            max=1.0,
            visible_if=_ROWS,
        ),
        Param("randomized", ParamType.BOOL, "Randomized split", default=True, visible_if=_ROWS),
        Param(
            "seed", ParamType.INT, "Random seed", default=0, min=0, max=4294967295, visible_if=_ROWS
        ),
        Param(
            "stratified",
            ParamType.BOOL,
            "Stratified split",
            default=False,
            visible_if=_ROWS,
            help="Split each value of the key column in the same proportion.",
        ),
        Param(
            "stratification_key",
            ParamType.COLUMN,
            "Stratification key column",
            required=True,
            visible_if={**_ROWS, "stratified": (True,)},
        ),
        Param(
            "regular_expression",
            ParamType.STR,
            "Regular expression",
            default="",
            required=True,
            visible_if={"splitting_mode": (REGULAR_EXPRESSION,)},
            help='Column then Python regex, e.g. \\"Text" ^Gryphon or (\\1) ^[a-f].',
        ),
        Param(
            "relational_expression",
            ParamType.STR,
            "Relational expression",
            default="",
            required=True,
            visible_if={"splitting_mode": (RELATIVE_EXPRESSION,)},
            help='Column then conditions, e.g. \\"Year" > 2010 or (\\0) <= 30 & != 20 '
            "(indices from 0 here, from 1 in regular expressions, as in the designer).",
        ),
    ],
)
def split_data(
    dataset: pd.DataFrame,
    *,
    splitting_mode: str,
    fraction: float,
    randomized: bool,
    seed: int,
    stratified: bool,
    stratification_key: str | None,
    regular_expression: str | None,
    relational_expression: str | None,
) -> dict[str, Any]:
    """Partition the rows of a dataset into two distinct sets.

    Rows keep their input order in both outputs; a randomized split only decides which rows go
    where. Matching rows of an expression split go to the first output.
    """
    if splitting_mode == REGULAR_EXPRESSION:
        first = regex_mask(dataset, regular_expression or "").to_numpy()
    elif splitting_mode == RELATIVE_EXPRESSION:
        first = relational_mask(dataset, relational_expression or "").to_numpy()
    else:
        key = _key(dataset, stratification_key) if stratified else None
        first = row_split_mask(len(dataset), fraction, randomized, seed, key)
    print(f"Split {len(dataset)} rows into {int(first.sum())} and {int((~first).sum())}.")
    return {"results_dataset1": _rows(dataset, first), "results_dataset2": _rows(dataset, ~first)}


def row_split_mask(
    rows: int, fraction: float, randomized: bool, seed: int, key: pd.Series | None = None
) -> np.ndarray:
    """Which rows go to the first output: round(n * fraction) of them (per key value).

    Randomized splits draw a numpy RandomState(seed) permutation (per stratum, in order of
    first appearance), as the designer does.
    """
    random = np.random.RandomState(seed) if randomized else None
    if key is None:
        groups = [np.arange(rows)]
    else:
        codes = pd.factorize(key, use_na_sentinel=False)[0]
        groups = [np.flatnonzero(codes == code) for code in range(codes.max() + 1)] if rows else []
    first = np.zeros(rows, dtype=bool)
    for group in groups:
        order = random.permutation(group) if random is not None else group
        first[order[: int(round(len(group) * fraction))]] = True
    return first


def _key(dataset: pd.DataFrame, column: str | None) -> pd.Series:
    if not column:
        raise ComponentInputError("'Stratification key column' is required for a stratified split.")
    if column not in dataset.columns:
        raise ComponentInputError(
            f"Stratification key column '{column}' not found; available: "
            f"{', '.join(map(str, dataset.columns))}."
        )
    return dataset[column]


def _rows(dataset: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    return metadata.keep_metadata(dataset, dataset[mask].reset_index(drop=True))
