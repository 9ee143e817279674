"""Edit Metadata: change column types, the categorical flag, roles and names."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import column_flow, metadata
from components import columns as column_selector
from components.errors import ComponentInputError
from components.ml import column_types
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

_FIELDS = ("Unchanged", "Features", "Labels", "ClearFeatures", "ClearLabels", "ClearScores")
_PARAMS = ("columns", "data_type", "datetime_format", "categorical", "fields", "new_column_names")


@column_flow.memoized
def _edited_columns(inputs: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """What the component itself makes of a table with no rows and these columns: roles (a new
    label demotes the old one, a clear touches only the role it clears), the categorical flag,
    types and names follow exactly; parameters it refuses leave the columns unknown."""
    data = inputs.get("dataset")
    if data is None:
        return {"*": None}
    try:
        edited = edit_metadata(
            column_flow.empty_frame(data),
            **{name: params.get(name) for name in _PARAMS},
        )["results_dataset"]
    except ComponentInputError:
        return {"*": None}  # the step will say why
    return {"*": metadata.describe_columns(edited)}


@component(
    id="edit_metadata",
    name="Edit Metadata",
    category="Data Transformation",
    columns=_edited_columns,
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
    params=[
        Param(
            "columns",
            ParamType.COLUMNS,
            "Column",
            required=True,
            help="The columns to change; every change applies to all of them.",
        ),
        Param(
            "data_type",
            ParamType.CHOICE,
            "Data type",
            default="Unchanged",
            choices=("Unchanged", "String", "Integer", "Double", "Boolean", "DateTime"),
        ),
        Param(
            "datetime_format",
            ParamType.STR,
            "DateTime format",
            default="",
            visible_if={"data_type": ("DateTime",)},
            help="A strftime format such as %Y-%m-%d; blank reads dates leniently.",
        ),
        Param(
            "categorical",
            ParamType.CHOICE,
            "Categorical",
            default="Unchanged",
            choices=("Unchanged", "Categorical", "NonCategorical"),
        ),
        Param(
            "fields",
            ParamType.CHOICE,
            "Fields",
            default="Unchanged",
            choices=_FIELDS,
            help="Labels needs exactly one column; ClearFeatures keeps a column out of training.",
        ),
        Param(
            "new_column_names",
            ParamType.STR,
            "New column names",
            default="",
            help="Comma-separated, one per selected column.",
        ),
    ],
)
def edit_metadata(
    dataset: pd.DataFrame,
    *,
    columns: dict[str, Any],
    data_type: str,
    datetime_format: str | None,
    categorical: str,
    fields: str,
    new_column_names: str | None,
) -> dict[str, Any]:
    """Edit the metadata associated with columns in a dataset."""
    selected = list(dict.fromkeys(column_selector.resolve(dataset, columns)))
    if not selected:
        raise ComponentInputError("The column selection picks no columns to edit.")
    new_names = _new_names(dataset, selected, new_column_names or "")
    out = dataset.copy()
    for column in selected:
        out[column] = _edit_column(
            dataset[column], column, data_type, datetime_format or "", categorical
        )
    out = metadata.with_roles(
        metadata.keep_metadata(dataset, out), _role_updates(dataset, selected, fields)
    )
    if new_names:
        out = _rename(out, dict(zip(selected, new_names, strict=True)))
    return {"results_dataset": out}


def _edit_column(
    series: pd.Series, column: str, data_type: str, fmt: str, categorical: str
) -> pd.Series:
    was_categorical = metadata.is_categorical(series)
    if data_type != "Unchanged":
        series = column_types.as_type(series, column, data_type, fmt)
        if was_categorical and categorical == "Unchanged":
            series = series.astype("category")
    if categorical == "Categorical" and not metadata.is_categorical(series):
        series = series.astype("category")
    elif categorical == "NonCategorical":
        series = column_types.plain(series)
    return series


def _role_updates(dataset: pd.DataFrame, selected: list[str], fields: str) -> dict[str, str]:
    current = metadata.roles(dataset)
    if fields == "Features":
        return dict.fromkeys(selected, metadata.FEATURE)
    if fields == "Labels":
        if len(selected) != 1:
            raise ComponentInputError(
                f"Fields 'Labels' marks exactly one column as the label; the selection has "
                f"{len(selected)}: {', '.join(map(repr, selected))}."
            )
        # A dataset has one label: the previous one becomes a feature.
        updates = {c: metadata.FEATURE for c, r in current.items() if r == metadata.LABEL}
        return {**updates, selected[0]: metadata.LABEL}
    cleared = {
        "ClearFeatures": (metadata.FEATURE, metadata.NONE),
        "ClearLabels": (metadata.LABEL, metadata.FEATURE),
        "ClearScores": (metadata.SCORE, metadata.FEATURE),
    }
    if fields in cleared:
        old, new = cleared[fields]
        return {c: new for c in selected if current[c] == old}
    return {}


def _new_names(dataset: pd.DataFrame, selected: list[str], text: str) -> list[str]:
    if not text.strip():
        return []
    names = [name.strip() for name in text.split(",")]
    if len(names) != len(selected) or not all(names):
        raise ComponentInputError(
            f"'New column names' needs {len(selected)} non-empty comma-separated name(s), one "
            f"per selected column ({', '.join(map(repr, selected))}); got {text!r}."
        )
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ComponentInputError(
            f"'New column names' repeats {', '.join(map(repr, duplicates))}; names must be unique."
        )
    kept = set(map(str, dataset.columns)) - set(selected)
    clashes = [n for n in names if n in kept]
    if clashes:
        raise ComponentInputError(
            f"'New column names' {', '.join(map(repr, clashes))} already name other columns "
            "of the dataset."
        )
    return names


def _rename(df: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    roles = {mapping.get(c, c): r for c, r in metadata.roles(df).items()}
    renamed = df.rename(columns=mapping)
    renamed.attrs = {**df.attrs, metadata.ROLES_ATTR: {}}
    return metadata.with_roles(renamed, roles)
