"""Add Columns, Add Rows and Join Data: combine two datasets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from components import column_flow, metadata
from components import columns as column_selector
from components.errors import ComponentInputError
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

INNER, LEFT_OUTER, FULL_OUTER, LEFT_SEMI = (
    "Inner Join",
    "Left Outer Join",
    "Full Outer Join",
    "Left Semi-Join",
)
# A right column whose name the left dataset already uses gets this suffix.
RIGHT_SUFFIX = " (right)"
_LEFT_ROW, _RIGHT_ROW = "__flowbench_left_row", "__flowbench_right_row"
_NUMBER_TYPES = {"Integer", "Double"}  # 1 and 1.0 are equal keys


def _added_columns(inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    left, right = inputs.get("left_dataset"), inputs.get("right_dataset")
    if left is None or right is None:
        return {"*": None}
    taken = {c["name"] for c in left}
    return {
        "*": left
        + [dict(c, name=f"{c['name']} (right)" if c["name"] in taken else c["name"]) for c in right]
    }


def _joined_columns(inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """Left columns, then right ones (without the keys when not kept), clashes renamed."""
    left, right = inputs.get("left_dataset"), inputs.get("right_dataset")
    if left is None:
        return {"*": None}
    if params.get("join_type") == LEFT_SEMI:
        return {"*": left}
    if right is None:
        return {"*": None}
    if not params.get("keep_right_keys", True):
        keys = column_flow.selected(right, params.get("right_keys"))
        if keys is None:
            return {"*": None}
        right = [c for c in right if c not in keys]
    return _added_columns({"left_dataset": left, "right_dataset": right}, params)


def _key_problems(lkeys: list[dict[str, Any]], rkeys: list[dict[str, Any]]) -> list[str]:
    """What is wrong with pairing these key columns (column descriptions), in order.

    Key pairs whose values can never be equal (1 and "1") are refused: joined, they matched no
    row and the result was empty without a word. Integer and Double keys pair up."""
    if not lkeys or len(lkeys) != len(rkeys):
        return [
            f"Join Data needs the same number of key columns on both sides (at least one); got "
            f"{len(lkeys)} for L ({', '.join(c['name'] for c in lkeys)}) and {len(rkeys)} for "
            f"R ({', '.join(c['name'] for c in rkeys)})."
        ]
    return [
        f"Join Data cannot match key column '{left['name']}' of the left dataset "
        f"({left['type']}) with '{right['name']}' of the right ({right['type']}): values of "
        f"different types are never equal, so no row would match. Give both the same type "
        f"first (Edit Metadata)."
        for left, right in zip(lkeys, rkeys, strict=True)
        if not _same_kind(left["type"], right["type"])
    ]


def _join_checks(inputs: dict[str, Any], params: dict[str, Any]) -> list[tuple[str, str]]:
    """Join Data's key problems, told before the run where both sides' columns are known."""
    left, right = inputs.get("left_dataset"), inputs.get("right_dataset")
    if left is None or right is None:
        return []
    lkeys = column_flow.selected(left, params.get("left_keys"))
    rkeys = column_flow.selected(right, params.get("right_keys"))
    if lkeys is None or rkeys is None:  # a key that does not reach: unknown_column tells it
        return []
    return [("right_keys", problem) for problem in _key_problems(lkeys, rkeys)]


def _type_clashes(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> list[str]:
    """Add Rows: each column both datasets have (descriptions) with types that cannot share it.

    Appended, the column would hold both kinds of value, which no table column can (the step
    then failed when its output was stored, naming neither dataset)."""
    types = {c["name"]: c["type"] for c in second}
    return [
        f"Add Rows cannot append column '{c['name']}': it is {c['type']} in Dataset1 and "
        f"{types[c['name']]} in Dataset2. Give it the same type in both first (Edit Metadata)."
        for c in first
        if c["name"] in types and not _same_kind(c["type"], types[c["name"]])
    ]


def _add_rows_checks(inputs: dict[str, Any], params: dict[str, Any]) -> list[tuple[str, str]]:
    first, second = inputs.get("dataset1"), inputs.get("dataset2")
    if first is None or second is None:
        return []
    return [("dataset2", clash) for clash in _type_clashes(first, second)]


def _same_kind(first: str, second: str) -> bool:
    """Whether values of the two column types can be equal, or share a column."""
    return first == second or {first, second} <= _NUMBER_TYPES


@component(
    id="add_columns",
    name="Add Columns",
    category="Data Transformation",
    columns=_added_columns,
    inputs=[
        Port("left_dataset", PortKind.DATASET, "Left dataset"),
        Port("right_dataset", PortKind.DATASET, "Right dataset"),
    ],
    outputs=[Port("combined_dataset", PortKind.DATASET, "Combined dataset")],
)
def add_columns(left_dataset: pd.DataFrame, right_dataset: pd.DataFrame) -> dict[str, Any]:
    """Add a set of columns from one dataset to another, row by row.

    Both datasets must have the same number of rows. A right column whose name the left
    dataset already has is renamed '<name> (right)'.
    """
    if len(left_dataset) != len(right_dataset):
        raise ComponentInputError(
            f"Add Columns needs datasets with the same number of rows; the left dataset has "
            f"{len(left_dataset)} and the right dataset {len(right_dataset)}."
        )
    right = right_dataset.rename(columns=_clash_names(left_dataset, right_dataset.columns))
    combined = pd.concat(
        [left_dataset.reset_index(drop=True), right.reset_index(drop=True)], axis=1
    )
    return {
        "combined_dataset": _roles_from(
            combined,
            (left_dataset, {}),
            (right_dataset, _clash_names(left_dataset, right_dataset.columns)),
        )
    }


@component(
    id="add_rows",
    name="Add Rows",
    category="Data Transformation",
    columns=column_flow.passthrough("dataset1"),
    checks=_add_rows_checks,
    inputs=[
        Port("dataset1", PortKind.DATASET, "Dataset1"),
        Port("dataset2", PortKind.DATASET, "Dataset2"),
    ],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
)
def add_rows(dataset1: pd.DataFrame, dataset2: pd.DataFrame) -> dict[str, Any]:
    """Append the rows of the second dataset to the end of the first.

    Columns are matched by name and keep the first dataset's order; a column that only one
    dataset has is missing in the other's rows. Categorical columns stay categorical with the
    union of both sets of categories. A column both datasets have must have the same type in
    both (Integer and Double append as Double).
    """
    clashes = _type_clashes(
        metadata.describe_columns(dataset1), metadata.describe_columns(dataset2)
    )
    if clashes:
        raise ComponentInputError(clashes[0])
    order = list(dataset1.columns) + [c for c in dataset2.columns if c not in dataset1.columns]
    combined = pd.concat([dataset1, dataset2], ignore_index=True)[order]
    for column in order:
        parts = [d[column] for d in (dataset1, dataset2) if column in d.columns]
        if any(metadata.is_categorical(p) for p in parts):
            categories = pd.Index([])
            for part in parts:
                values = (
                    part.cat.categories
                    if metadata.is_categorical(part)
                    else pd.Index(part.dropna().unique())
                )
                categories = categories.append(values[~values.isin(categories)])
            combined[column] = pd.Categorical(
                combined[column].astype(object), categories=categories
            )
    return {"results_dataset": metadata.keep_metadata(dataset1, combined)}


@component(
    id="join_data",
    name="Join Data",
    category="Data Transformation",
    columns=_joined_columns,
    checks=_join_checks,
    inputs=[
        Port("left_dataset", PortKind.DATASET, "Left dataset"),
        Port("right_dataset", PortKind.DATASET, "Right dataset"),
    ],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
    params=[
        Param("left_keys", ParamType.COLUMNS, "Join key columns for L", required=True),
        Param(
            "right_keys",
            ParamType.COLUMNS,
            "Join key columns for R",
            required=True,
            columns_from="right_dataset",
            help="As many columns as for L, in the same order.",
        ),
        Param(
            "match_case",
            ParamType.BOOL,
            "Match case",
            default=True,
            help="Unchecked: text keys match regardless of case.",
        ),
        Param(
            "join_type",
            ParamType.CHOICE,
            "Join type",
            default=INNER,
            choices=(INNER, LEFT_OUTER, FULL_OUTER, LEFT_SEMI),
        ),
        Param(
            "keep_right_keys",
            ParamType.BOOL,
            "Keep right key columns in joined table",
            default=True,
            visible_if={"join_type": (INNER, LEFT_OUTER, FULL_OUTER)},
        ),
    ],
)
def join_data(
    left_dataset: pd.DataFrame,
    right_dataset: pd.DataFrame,
    *,
    left_keys: dict[str, Any],
    right_keys: dict[str, Any],
    match_case: bool,
    join_type: str,
    keep_right_keys: bool,
) -> dict[str, Any]:
    """Join two datasets on key columns, as a database join does.

    A row whose key holds a missing value never matches (unlike pandas' default). Left rows
    keep their order; right columns whose names the left dataset has get ' (right)' appended.
    """
    lkeys = column_selector.resolve(left_dataset, left_keys)
    rkeys = column_selector.resolve(right_dataset, right_keys)
    problems = _key_problems(
        metadata.describe_columns(left_dataset[lkeys]),
        metadata.describe_columns(right_dataset[rkeys]),
    )
    if problems:
        raise ComponentInputError(problems[0])
    left = _key_frame(left_dataset, lkeys, match_case, _LEFT_ROW)
    right = _key_frame(right_dataset, rkeys, match_case, _RIGHT_ROW)
    keys = [f"k{i}" for i in range(len(lkeys))]
    how = {INNER: "inner", LEFT_OUTER: "left", FULL_OUTER: "outer", LEFT_SEMI: "inner"}[join_type]
    pairs = left.dropna(subset=keys).merge(
        right.dropna(subset=keys), on=keys, how="inner", sort=False
    )[[_LEFT_ROW, _RIGHT_ROW]]
    if join_type == LEFT_SEMI:
        matched = np.sort(pairs[_LEFT_ROW].unique())
        out = left_dataset.iloc[matched].reset_index(drop=True)
        return {"results_dataset": metadata.keep_metadata(left_dataset, out)}
    pairs = pairs.sort_values([_LEFT_ROW, _RIGHT_ROW], kind="stable")
    if how in ("left", "outer"):
        unmatched = np.setdiff1d(np.arange(len(left_dataset)), pairs[_LEFT_ROW])
        pairs = pd.concat([pairs, pd.DataFrame({_LEFT_ROW: unmatched})]).sort_values(
            _LEFT_ROW, kind="stable"
        )
    if how == "outer":
        unmatched = np.setdiff1d(np.arange(len(right_dataset)), pairs[_RIGHT_ROW].dropna())
        pairs = pd.concat([pairs, pd.DataFrame({_RIGHT_ROW: unmatched})])
    right_part = right_dataset if keep_right_keys else right_dataset.drop(columns=rkeys)
    renames = _clash_names(left_dataset, right_part.columns)
    out = pd.concat(
        [
            _take(left_dataset, pairs[_LEFT_ROW]),
            _take(right_part, pairs[_RIGHT_ROW]).rename(columns=renames),
        ],
        axis=1,
    )
    print(
        f"Joined {len(left_dataset)} left and {len(right_dataset)} right rows into "
        f"{len(out)} ({join_type})."
    )
    return {"results_dataset": _roles_from(out, (left_dataset, {}), (right_part, renames))}


def _key_frame(df: pd.DataFrame, keys: list[str], match_case: bool, row: str) -> pd.DataFrame:
    frame = pd.DataFrame({row: np.arange(len(df))})
    for index, column in enumerate(keys):
        values = df[column].reset_index(drop=True)
        if metadata.is_categorical(values):
            values = values.astype(values.cat.categories.dtype)
        if not match_case and metadata.column_type(values) == "String":
            values = values.str.lower()
        frame[f"k{index}"] = values.astype(object).where(values.notna(), None)
    return frame


def _take(df: pd.DataFrame, positions: pd.Series) -> pd.DataFrame:
    """Rows of `df` at `positions`; a missing position gives a row of missing values."""
    present = positions.notna().to_numpy()
    if present.all():
        return df.iloc[positions.astype(int).to_numpy()].reset_index(drop=True)
    index = np.where(present, positions.fillna(-1).astype(int), -1)
    # A Boolean column padded with a missing value would become text (object): it stays
    # Boolean, with missing values (pandas' nullable boolean).
    flags = {c: "boolean" for c, dtype in df.dtypes.items() if pd.api.types.is_bool_dtype(dtype)}
    padded = df.astype(flags).reset_index(drop=True).reindex(range(-1, len(df)))
    return padded.loc[index].reset_index(drop=True)


def _clash_names(left: pd.DataFrame, right_columns: pd.Index) -> dict[str, str]:
    taken = set(map(str, left.columns))
    renames = {}
    for column in map(str, right_columns):
        if column in taken:
            new = f"{column}{RIGHT_SUFFIX}"
            while new in taken or new in right_columns:
                new += RIGHT_SUFFIX
            renames[column] = new
            taken.add(new)
    return renames


def _roles_from(out: pd.DataFrame, *sources: tuple[pd.DataFrame, dict[str, str]]) -> pd.DataFrame:
    roles: dict[str, str] = {}
    for source, renames in reversed(sources):
        roles.update({renames.get(c, c): r for c, r in metadata.roles(source).items()})
    out = out.copy(deep=False)
    out.attrs = {}
    return metadata.with_roles(out, roles)
