"""The designer's column selector, as data.

A selection is JSON, one of two shapes:

- by name: ``{"names": ["price", "make"]}``
- with rules: ``{"begin": "all" | "none", "rules": [rule, ...], "preserve_order": false}``,
  where each rule is ``{"action": "include" | "exclude", "by": BY, "values": ...}`` and BY is
  ``names`` (a list of names), ``indices`` (a string of 1-based indices and closed ranges such as
  ``"8,1-4,6"``), ``types`` (a list of Numeric, Integer, Double, String, Boolean, DateTime,
  Categorical) or ``kinds`` (a list of Feature, Label, Score, All).

Rules apply in order and add to or take from the set. The result follows the table's column
order unless ``preserve_order`` is set, in which case it follows the order in which columns were
first included (and, by name, repeats are kept, as the designer's "Allow duplicates and preserve
column order in selection" does).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from components import metadata
from components.errors import ComponentInputError

ALL = {"begin": "all", "rules": []}
TYPES = ("Numeric", "Integer", "Double", "String", "Boolean", "DateTime", "Categorical")
KINDS = ("Feature", "Label", "Score", "All")
_INDEX_ITEM = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def by_names(*names: str) -> dict[str, Any]:
    """A selection of the named columns."""
    return {"names": list(names)}


def excluding(*names: str) -> dict[str, Any]:
    """All columns but the named ones."""
    return {"begin": "all", "rules": [{"action": "exclude", "by": "names", "values": list(names)}]}


def selection_problem(selection: Any) -> str | None:
    """Why `selection` is not a well-formed selection (a phrase), or None when it is."""
    if not isinstance(selection, dict):
        return "a column selection (an object with 'names' or 'begin' and 'rules')"
    if "names" in selection:
        names = selection["names"]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return "a column selection whose 'names' is a list of column names"
        return None
    if selection.get("begin") not in ("all", "none"):
        return "a column selection whose 'begin' is 'all' or 'none'"
    rules = selection.get("rules", [])
    if not isinstance(rules, list):
        return "a column selection whose 'rules' is a list"
    for number, rule in enumerate(rules, start=1):
        problem = _rule_problem(rule)
        if problem:
            return f"a column selection whose rule {number} {problem}"
    return None


def _rule_problem(rule: Any) -> str | None:
    if not isinstance(rule, dict) or rule.get("action") not in ("include", "exclude"):
        return "has 'action' include or exclude"
    by, values = rule.get("by"), rule.get("values")
    if by == "indices":
        if not isinstance(values, str) or not values.strip():
            return "has 'values' as indices text such as '1-4,6'"
        for item in values.split(","):
            match = _INDEX_ITEM.match(item)
            if not match or int(match.group(1)) < 1:
                return f"has index item {item.strip()!r} that is not N or N-M with N >= 1"
        return None
    allowed: dict[str, tuple[str, ...] | None] = {"names": None, "types": TYPES, "kinds": KINDS}
    if by not in allowed:
        return "has 'by' names, indices, types or kinds"
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return f"has 'values' as a list of {by}"
    known = allowed[by]
    if known is not None:
        unknown = [v for v in values if v not in known]
        if unknown:
            return f"has unknown {by} {unknown}; known: {list(known)}"
    return None


def resolve(df: pd.DataFrame, selection: dict[str, Any]) -> list[str]:
    """The column names that `selection` picks from `df`.

    Raises:
        ComponentInputError: the selection is malformed or names columns `df` does not have.
    """
    problem = selection_problem(selection)
    if problem:
        raise ComponentInputError(f"Expected {problem}; got {selection!r}.")
    columns = [str(c) for c in df.columns]
    if "names" in selection:
        _require(columns, selection["names"])
        names = selection["names"]
        return (
            list(names)
            if selection.get("preserve_order", True)
            else [c for c in columns if c in set(names)]
        )
    picked: list[str] = list(columns) if selection["begin"] == "all" else []
    for rule in selection.get("rules", []):
        matched = _match(df, columns, rule)
        if rule["action"] == "include":
            picked.extend(c for c in matched if c not in picked)
        else:
            picked = [c for c in picked if c not in set(matched)]
    if selection.get("preserve_order"):
        return picked
    chosen = set(picked)
    return [c for c in columns if c in chosen]


def _match(df: pd.DataFrame, columns: list[str], rule: dict[str, Any]) -> list[str]:
    by, values = rule["by"], rule["values"]
    if by == "names":
        _require(columns, values)
        return list(values)
    if by == "indices":
        return [columns[i - 1] for i in _indices(values, len(columns))]
    if by == "types":
        return [c for c in columns if any(_has_type(df[c], t) for t in values)]
    column_roles = metadata.roles(df)
    if "All" in values:
        return list(columns)
    wanted = {kind.lower() for kind in values}
    return [c for c in columns if column_roles[c] in wanted]


def _indices(text: str, count: int) -> list[int]:
    indices: list[int] = []
    for item in text.split(","):
        match = _INDEX_ITEM.match(item)
        assert match is not None  # checked by selection_problem
        start = int(match.group(1))
        end = int(match.group(2) or start)
        if end > count or start > end:
            raise ComponentInputError(
                f"Column index {item.strip()!r} is out of range: the dataset has {count} columns "
                f"(indices are 1-based)."
            )
        indices.extend(i for i in range(start, end + 1) if i not in indices)
    return indices


def _has_type(series: pd.Series, wanted: str) -> bool:
    if wanted == "Categorical":
        return metadata.is_categorical(series)
    if wanted == "Numeric":
        return metadata.is_numeric(series)
    return metadata.column_type(series) == wanted


def _require(columns: list[str], names: list[str]) -> None:
    missing = [n for n in names if n not in columns]
    if missing:
        shown = ", ".join(columns[:30]) + (" ..." if len(columns) > 30 else "")
        raise ComponentInputError(
            f"Column(s) {', '.join(map(repr, missing))} not found; available: {shown}."
        )
