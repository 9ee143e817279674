r"""Split Data's row conditions: a regular or a relational expression on one column.

Both start with the column, by name (``\"column name"``) or by index, as in the designer v2
(the leading backslash may be left out). The designer's documentation counts differently in
the two modes, and both of its examples are accepted as written: a regular expression's index
is 1-based (``(\1) ^[a-f]``: the first column), a relative expression's is 0-based
(``(\0)<=30 & !=20``: "the first column of the dataset"). Then:

- a regular expression (Python syntax) searched in the value as text: ``\"Text" ^Gryphon``;
- or relational terms joined by ``&`` and ``|``, evaluated left to right without parentheses:
  ``\"Year" > 2010``, ``(\0) <= 30 & != 20``. Operators ``< > <= >= == !=``; text columns
  take only ``==`` and ``!=`` (quotes around the value are optional). Missing values never
  satisfy a relational term.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from components import metadata
from components.errors import ComponentInputError
from components.ml import column_types

REGULAR = "Regular expression"
RELATIONAL = "Relational expression"
# The designer writes \"name"; the backslash is optional here.
_BY_NAME = re.compile(r'^\s*\\?"(?P<name>[^"]*)"(?P<rest>.*)$', re.DOTALL)
_BY_INDEX = re.compile(r"^\s*\(\\(?P<index>\d+)\)(?P<rest>.*)$", re.DOTALL)
_TERM = re.compile(r"^\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<value>.*?)\s*$", re.DOTALL)
# Applied to Series: each answers a Series of booleans.
_OPERATORS: dict[str, Callable[..., Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def regex_mask(df: pd.DataFrame, expression: str) -> pd.Series:
    """Rows whose value (as text; missing as empty text) matches the regular expression."""
    column, pattern_text = _split_column(df, expression, REGULAR, base=1)
    try:
        pattern = re.compile(pattern_text.strip())
    except re.error as exc:
        raise ComponentInputError(
            f"'{REGULAR}' {expression!r}: {pattern_text.strip()!r} is not a valid regular "
            f"expression ({exc})."
        ) from exc
    values = column_types.plain(df[column]).astype(object)
    text = values.where(values.notna(), "").map(str)
    return text.map(lambda value: pattern.search(value) is not None).astype(bool)


def relational_mask(df: pd.DataFrame, expression: str) -> pd.Series:
    """Rows whose value satisfies the relational terms, combined left to right."""
    column, rest = _split_column(df, expression, RELATIONAL, base=0)
    parts = re.split(r"([&|])", rest)
    terms, joins = parts[::2], parts[1::2]
    if not rest.strip():
        raise ComponentInputError(
            f"'{RELATIONAL}' {expression!r} has no condition after the column; expected, "
            'say, \\"Year" > 2010.'
        )
    mask = _term_mask(df[column], column, terms[0], expression)
    for join, term in zip(joins, terms[1:], strict=True):
        other = _term_mask(df[column], column, term, expression)
        mask = (mask & other) if join == "&" else (mask | other)
    return mask


def _split_column(df: pd.DataFrame, expression: str, parameter: str, base: int) -> tuple[str, str]:
    match = _BY_NAME.match(expression or "")
    if match:
        name = match["name"].strip()
        if name not in df.columns:
            raise ComponentInputError(
                f"Column '{name}' in '{parameter}' not found; available: "
                f"{', '.join(map(str, df.columns))}."
            )
        return name, match["rest"]
    match = _BY_INDEX.match(expression or "")
    if match:
        index = int(match["index"])
        if not base <= index < len(df.columns) + base:
            raise ComponentInputError(
                f"Column index {index} in '{parameter}' is out of range: its indices are "
                f"{base}-based (the first column is (\\{base})) and the dataset has "
                f"{len(df.columns)} columns."
            )
        return str(df.columns[index - base]), match["rest"]
    raise ComponentInputError(
        f"'{parameter}' must start with a column, as \\\"column name\" or (\\{base}) for the "
        f"first column; got {expression!r}."
    )


def _term_mask(series: pd.Series, column: str, term: str, expression: str) -> pd.Series:
    match = _TERM.match(term)
    if not match or not match["value"]:
        raise ComponentInputError(
            f"'{RELATIONAL}' {expression!r}: term {term.strip()!r} is not an operator "
            "(==, !=, <, <=, >, >=) followed by a value."
        )
    op, text = match["op"], match["value"]
    compare = _OPERATORS[op]
    kind = metadata.column_type(series)
    values = column_types.plain(series)
    present = values.notna()
    if kind in ("Integer", "Double"):
        try:
            target: object = float(text)
        except ValueError as exc:
            raise ComponentInputError(
                f"'{RELATIONAL}': column '{column}' is numeric but {text!r} is not a number."
            ) from exc
        numbers = column_types.to_double(values, column)
        return present & pd.Series(
            np.asarray(compare(numbers, target), dtype=bool), index=series.index
        )
    if kind == "DateTime":
        target = _timestamp(text, values, column)
        return present & compare(values, target).fillna(False).astype(bool)
    if op not in ("==", "!="):
        raise ComponentInputError(
            f"'{RELATIONAL}': operator '{op}' needs a numeric or date column; column "
            f"'{column}' is {kind}. Text columns take only == and !=."
        )
    if kind == "Boolean":
        flag = column_types.parse_bool(text)
        if flag is None:
            raise ComponentInputError(
                f"'{RELATIONAL}': column '{column}' is Boolean but {text!r} is not true/false."
            )
        return present & compare(values.astype(object), flag).astype(bool)
    target = _unquote(text)
    return present & compare(values.astype(object).map(str), target).astype(bool)


def _timestamp(text: str, values: pd.Series, column: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(_unquote(text))
    except ValueError as exc:
        raise ComponentInputError(
            f"'{RELATIONAL}': column '{column}' holds dates but {text!r} is not a date."
        ) from exc
    timezone = getattr(values.dtype, "tz", None)
    if timezone is not None:
        return stamp.tz_localize(timezone) if stamp.tzinfo is None else stamp.tz_convert(timezone)
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text
