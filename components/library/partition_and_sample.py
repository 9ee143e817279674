"""Partition and Sample: assign rows to folds, pick a fold, sample rows, or take the head."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from components import column_flow, metadata
from components.errors import ComponentInputError
from components.ml.folds import FOLD_COLUMN
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

ASSIGN, PICK, SAMPLING, HEAD = "Assign to Folds", "Pick Fold", "Sampling", "Head"
EVENLY, CUSTOM = "Partition evenly", "Partition with customized proportions"
# The column Assign to Folds writes (fold numbers 1..k) and Pick Fold and Cross Validate
# Model read.
_ASSIGN = {"mode": (ASSIGN,)}
_STRATIFIABLE = {"mode": (ASSIGN, SAMPLING)}


@component(
    id="partition_and_sample",
    name="Partition and Sample",
    category="Data Transformation",
    columns=column_flow.passthrough("dataset"),
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
    params=[
        Param(
            "mode",
            ParamType.CHOICE,
            "Partition or sample mode",
            default=SAMPLING,
            choices=(ASSIGN, PICK, SAMPLING, HEAD),
        ),
        Param(
            "use_replacement",
            ParamType.BOOL,
            "Use replacement in the partitioning",
            default=False,
            visible_if={"mode": (SAMPLING,)},
            help="Draw rows with replacement, so a row may appear more than once.",
        ),
        Param("randomized", ParamType.BOOL, "Randomized split", default=True, visible_if=_ASSIGN),
        Param(
            "seed",
            ParamType.INT,
            "Random seed",
            default=0,
            min=0,
            max=4294967295,
            visible_if=_ASSIGN,
        ),
        Param(
            "partitioner",
            ParamType.CHOICE,
            "Specify the partitioner method",
            default=EVENLY,
            choices=(EVENLY, CUSTOM),
            visible_if=_ASSIGN,
        ),
        Param(
            "folds",
            ParamType.INT,
            "Specify number of folds to split evenly into",
            default=5,
            min=1,
            max=1000,
            visible_if={**_ASSIGN, "partitioner": (EVENLY,)},
        ),
        Param(
            "proportions",
            ParamType.STR,
            "List of proportions separated by comma",
            default="",
            required=True,
            visible_if={**_ASSIGN, "partitioner": (CUSTOM,)},
            help="One positive fraction per fold, summing to 1, such as 0.7,0.2,0.1.",
        ),
        Param(
            "stratified",
            ParamType.BOOL,
            "Stratified split",
            default=False,
            visible_if=_STRATIFIABLE,
            help="Keep each value of the key column in the same proportions.",
        ),
        Param(
            "stratification_key",
            ParamType.COLUMN,
            "Stratification key column",
            required=True,
            visible_if={**_STRATIFIABLE, "stratified": (True,)},
        ),
        Param(
            "fold_to_sample",
            ParamType.INT,
            "Specify which fold to be sampled from",
            default=1,
            min=1,
            visible_if={"mode": (PICK,)},
        ),
        Param(
            "pick_complement",
            ParamType.BOOL,
            "Pick complement of the selected fold",
            default=False,
            visible_if={"mode": (PICK,)},
        ),
        Param(
            "sampling_rate",
            ParamType.FLOAT,
            "Rate of sampling",
            default=0.01,
            min=0.0,
            max=1.0,
            visible_if={"mode": (SAMPLING,)},
        ),
        Param(
            "sampling_seed",
            ParamType.INT,
            "Random seed for sampling",
            default=0,
            min=0,
            max=4294967295,
            visible_if={"mode": (SAMPLING,)},
        ),
        Param(
            "head_rows",
            ParamType.INT,
            "Number of rows to select",
            default=10,
            min=0,
            visible_if={"mode": (HEAD,)},
        ),
    ],
)
def partition_and_sample(
    dataset: pd.DataFrame,
    *,
    mode: str,
    use_replacement: bool,
    randomized: bool,
    seed: int,
    partitioner: str,
    folds: int,
    proportions: str | None,
    stratified: bool,
    stratification_key: str | None,
    fold_to_sample: int,
    pick_complement: bool,
    sampling_rate: float,
    sampling_seed: int,
    head_rows: int,
) -> dict[str, Any]:
    """Create multiple partitions of a dataset, or sample it.

    Assign to Folds writes the fold of each row (1..k) to a 'Fold' column, which Pick Fold and
    Cross Validate Model read. Sampled rows keep their input order.
    """
    if mode == HEAD:
        out = dataset.head(head_rows)
    elif mode == PICK:
        out = _pick(dataset, fold_to_sample, pick_complement)
    else:
        key = _key(dataset, stratification_key) if stratified else None
        if mode == ASSIGN:
            shares = _shares(folds, partitioner, proportions)
            out = dataset.copy()
            out[FOLD_COLUMN] = assign_folds(len(dataset), shares, randomized, seed, key)
            print(f"Assigned {len(dataset)} rows to {len(shares)} folds in column '{FOLD_COLUMN}'.")
        else:
            rows = sample_rows(len(dataset), sampling_rate, use_replacement, sampling_seed, key)
            out = dataset.iloc[rows]
    return {"results_dataset": metadata.keep_metadata(dataset, out.reset_index(drop=True))}


def assign_folds(
    rows: int, shares: list[float], randomized: bool, seed: int, key: pd.Series | None = None
) -> np.ndarray:
    """The fold (1..k) of each row: contiguous runs of a permutation in the given shares.

    With a key, each of its values (missing included) is split on its own, so every fold
    holds about the same share of each value.
    """
    random = np.random.RandomState(seed) if randomized else None
    bounds = np.cumsum(shares)
    fold = np.zeros(rows, dtype=np.int64)
    for group in _groups(rows, key):
        order = random.permutation(group) if random is not None else group
        positions = (np.arange(len(order)) + 0.5) / max(len(order), 1)
        fold[order] = (
            np.minimum(np.searchsorted(bounds, positions, side="right"), len(shares) - 1) + 1
        )
    return fold


def sample_rows(
    rows: int, rate: float, replace: bool, seed: int, key: pd.Series | None = None
) -> np.ndarray:
    """round(rate * n) row positions (per key value), in input order."""
    random = np.random.RandomState(seed)
    picked = [
        random.choice(group, size=int(round(len(group) * rate)), replace=replace)
        for group in _groups(rows, key)
        if len(group)
    ]
    return np.sort(np.concatenate(picked)) if picked else np.array([], dtype=np.int64)


def _groups(rows: int, key: pd.Series | None) -> list[np.ndarray]:
    if key is None:
        return [np.arange(rows)]
    codes = pd.factorize(key, use_na_sentinel=False)[0]
    return [np.flatnonzero(codes == code) for code in range(codes.max() + 1)] if rows else []


def _shares(folds: int, partitioner: str, proportions: str | None) -> list[float]:
    if partitioner == EVENLY:
        return [1.0 / folds] * folds
    try:
        shares = [float(p) for p in (proportions or "").split(",") if p.strip()]
    except ValueError:
        shares = []
    if not shares or any(s <= 0 for s in shares) or abs(sum(shares) - 1.0) > 1e-6:
        raise ComponentInputError(
            f"'List of proportions separated by comma' must hold positive fractions that sum "
            f"to 1, such as 0.7,0.2,0.1; got {proportions!r}."
        )
    return shares


def _pick(dataset: pd.DataFrame, fold: int, complement: bool) -> pd.DataFrame:
    if FOLD_COLUMN not in dataset.columns:
        raise ComponentInputError(
            f"Pick Fold needs a '{FOLD_COLUMN}' column; run Partition and Sample in "
            f"'{ASSIGN}' mode first."
        )
    numbers = pd.to_numeric(dataset[FOLD_COLUMN], errors="coerce")
    if fold > numbers.max():
        raise ComponentInputError(
            f"'Specify which fold to be sampled from' is {fold}, but the dataset has "
            f"{int(numbers.max())} folds."
        )
    chosen = numbers == fold
    return dataset[~chosen if complement else chosen]


def _key(dataset: pd.DataFrame, column: str | None) -> pd.Series:
    if not column or column not in dataset.columns:
        raise ComponentInputError(
            f"Stratification key column {column!r} not found; available: "
            f"{', '.join(map(str, dataset.columns))}."
        )
    return dataset[column]
