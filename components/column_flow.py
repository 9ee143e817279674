"""How a component's output columns follow from its inputs and parameters, known before it runs.

A component may declare `columns=` (see components.registry.component): a pure function
``rule(inputs, params) -> outputs`` where `inputs` maps each input port to what is known of it
and `outputs` maps output ports the same way. What is known of a dataset port is its column
list (``[{"name", "type", "categorical", "role"}]``, as components.metadata.describe_columns
gives), of a model port a small dict (``{"task": a components.ml.tasks.Task value,
"learner": the learner component's name, "label": column}``, the label once trained); None
means unknown. Rules raise nothing: what they cannot tell is None. A component's `checks=`
rule reads its inputs the same way.

The helpers below build the common rules (pass-through, a selection, added columns) and run the
same column selector the components use, on an empty table with the declared columns.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from components import columns as column_selector
from components import metadata
from components.errors import ComponentInputError

Known = Any  # a column list, a model dict, or None
ColumnRule = Callable[[dict[str, Known], dict[str, Any]], dict[str, Known]]

_DTYPES = {
    "Integer": "int64",
    "Double": "float64",
    "Boolean": "bool",
    "DateTime": "datetime64[ns]",
    "String": "object",
}


def column(
    name: str, type: str = "Double", role: str = metadata.FEATURE, categorical: bool = False
) -> dict[str, Any]:
    """One column description."""
    return {"name": name, "type": type, "categorical": categorical, "role": role}


def names(columns: Iterable[dict[str, Any]] | None) -> list[str] | None:
    return None if columns is None else [c["name"] for c in columns]


def empty_frame(columns: list[dict[str, Any]]) -> pd.DataFrame:
    """A table with no rows and the described columns, types and roles."""
    data = {}
    for c in columns:
        dtype: Any = _DTYPES.get(str(c.get("type")), "object")
        if c.get("categorical"):
            # Categories of the column's type: a categorical Integer column is Integer to the
            # selector's type rules, as the table's own is (plain "category" reads as String).
            dtype = pd.CategoricalDtype(pd.Index([], dtype=dtype))
        data[c["name"]] = pd.Series([], dtype=dtype)
    frame = pd.DataFrame(data)
    return metadata.with_roles(frame, {c["name"]: c.get("role", metadata.FEATURE) for c in columns})


def selected(columns: list[dict[str, Any]], selection: Any) -> list[dict[str, Any]] | None:
    """The columns a selection picks (None when it names columns that are not there)."""
    if not isinstance(selection, dict):
        return None
    # Building the empty table costs milliseconds and every validation of a pipeline asks the
    # same questions again: the answer depends only on what empty_frame reads of each column.
    described = tuple(
        (c["name"], str(c.get("type")), bool(c.get("categorical")), c.get("role", metadata.FEATURE))
        for c in columns
    )
    try:
        key = json.dumps([described, selection], sort_keys=True)
    except (TypeError, ValueError):  # a selection JSON cannot hold: answer without the memo
        picked = _picked(columns, selection)
    else:
        picked = _picked_memo(key)
    if picked is None:
        return None
    by_name = {c["name"]: c for c in columns}
    return [by_name[n] for n in picked]


def _picked(columns: list[dict[str, Any]], selection: dict) -> tuple[str, ...] | None:
    try:
        return tuple(column_selector.resolve(empty_frame(columns), selection))
    except ComponentInputError:
        return None


@functools.lru_cache(maxsize=1024)
def _picked_memo(key: str) -> tuple[str, ...] | None:
    described, selection = json.loads(key)
    columns = [
        {"name": n, "type": t, "categorical": cat, "role": role} for n, t, cat, role in described
    ]
    return _picked(columns, selection)


def memoized(rule: Callable[[dict[str, Known], dict[str, Any]], Any]) -> Any:
    """`rule` with its answers kept by what it reads (inputs and parameters as JSON), given to
    each caller as new objects. For rules that run a component on a table with no rows, which
    costs a millisecond or more, where the designer validates the whole pipeline after every
    edit and most nodes see the same columns as before."""

    @functools.lru_cache(maxsize=512)
    def answer(key: str) -> str:
        inputs, params = json.loads(key)
        return json.dumps(rule(inputs, params))

    @functools.wraps(rule)
    def kept(inputs: dict[str, Known], params: dict[str, Any]) -> Any:
        try:
            key = json.dumps([inputs, params], sort_keys=True)
        except (TypeError, ValueError):  # what JSON cannot hold: answer without the memo
            return rule(inputs, params)
        return json.loads(answer(key))

    return kept


def passthrough(port: str = "dataset") -> ColumnRule:
    """Every dataset output has the columns of input `port` (rows change, columns do not)."""

    def rule(inputs: dict[str, Known], params: dict[str, Any]) -> dict[str, Known]:
        return {"*": inputs.get(port)}

    return rule


def selection(port: str, param: str) -> ColumnRule:
    """The output has the columns that parameter `param` selects from input `port`."""

    def rule(inputs: dict[str, Known], params: dict[str, Any]) -> dict[str, Known]:
        found = inputs.get(port)
        return {"*": None if found is None else selected(found, params.get(param))}

    return rule


def apply(
    rule: ColumnRule, inputs: dict[str, Known], params: dict[str, Any], dataset_outputs: list[str]
) -> dict[str, Known]:
    """Run a rule; "*" in its answer stands for every dataset output it does not name."""
    answer = dict(rule(inputs, params))
    every = answer.pop("*", None)
    return {**{port: every for port in dataset_outputs}, **answer}


def numeric_problem(
    component: str, verb: str, label: str, columns: list[dict[str, Any]]
) -> str | None:
    """What is wrong with `columns` (descriptions) for a component that takes numeric columns
    only: each other one with its type, and the parameter (`label`) to take them out of."""
    wrong = [
        f"'{c['name']}' ({c['type']}{', categorical' if c.get('categorical') else ''})"
        for c in columns
        if not metadata.describes_numeric(c)
    ]
    if not wrong:
        return None
    return (
        f"{component} {verb} numeric columns only; got {', '.join(wrong)}. "
        f"Exclude them from '{label}'."
    )


def numeric_selection(
    component: str, verb: str, label: str, *, param: str = "columns", port: str = "dataset"
) -> Callable[[dict[str, Known], dict[str, Any]], list[tuple[str, str]]]:
    """A `checks=` rule: the columns that `param` (shown as `label`) selects from input `port`
    are numeric."""

    def check(inputs: dict[str, Known], params: dict[str, Any]) -> list[tuple[str, str]]:
        found = inputs.get(port)
        picked = None if found is None else selected(found, params.get(param))
        problem = None if picked is None else numeric_problem(component, verb, label, picked)
        return [] if problem is None else [(param, problem)]

    return check


def require_numeric(
    df: pd.DataFrame, columns: Iterable[str], component: str, verb: str, label: str
) -> None:
    """At run time, what `numeric_selection` tells before it: raise ComponentInputError
    naming the columns of `df` among `columns` that are not numeric."""
    problem = numeric_problem(component, verb, label, metadata.describe_columns(df[list(columns)]))
    if problem:
        raise ComponentInputError(problem)
