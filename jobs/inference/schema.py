"""The input schema of a real-time endpoint: checking request rows and turning them into tables.

Every problem is collected (row, column, what is wrong) before anything is scored, so a caller
fixes a request in one go, and no request reaches a component with values it cannot take.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from jobs.inference.errors import RequestError

# A request names at most this many problems (a million bad rows give a short answer).
MAX_PROBLEMS = 20
_JSON_TYPES = {
    "Integer": "integer",
    "Double": "number",
    "Boolean": "boolean",
    "String": "string",
    "DateTime": "string",
}


def json_type(kind: str) -> str:
    """The JSON Schema type of a column of the designer's type `kind`."""
    return _JSON_TYPES.get(kind, "string")


@dataclass(frozen=True)
class ColumnSchema:
    """One input column: the designer's type, categorical flag, and whether it may be missing."""

    name: str
    type: str  # Integer, Double, Boolean, String, DateTime
    categorical: bool = False
    nullable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def json_schema(self) -> dict[str, Any]:
        """This column as an OpenAPI (JSON Schema) property."""
        schema: dict[str, Any] = {"type": json_type(self.type)}
        if self.type == "DateTime":
            schema["format"] = "date-time"
        if self.nullable:
            schema["nullable"] = True
        return schema


@dataclass(frozen=True)
class InputSchema:
    """The rows one Web Service Input takes."""

    name: str
    columns: tuple[ColumnSchema, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputSchema:
        return cls(data["name"], tuple(ColumnSchema(**c) for c in data["columns"]))

    def check(self, rows: Any) -> list[dict[str, Any]]:
        """`rows` (parsed JSON) after checking every row against the schema.

        Extra keys in a row are ignored; nullable columns may be left out. Raises RequestError
        listing every problem found (up to MAX_PROBLEMS).
        """
        if not isinstance(rows, list):
            raise RequestError(
                [
                    {
                        "input": self.name,
                        "row": None,
                        "column": None,
                        "problem": "expected a list of rows (JSON objects)",
                    }
                ]
            )
        if not rows:
            raise RequestError(
                [
                    {
                        "input": self.name,
                        "row": None,
                        "column": None,
                        "problem": "the list of rows is empty; send at least one row",
                    }
                ]
            )
        problems: list[dict[str, Any]] = []
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                problems.append(
                    {
                        "input": self.name,
                        "row": index,
                        "column": None,
                        "problem": f"expected a JSON object; got {_kind(row)}",
                    }
                )
            else:
                for column in self.columns:
                    problem = _problem(column, row)
                    if problem:
                        problems.append(
                            {
                                "input": self.name,
                                "row": index,
                                "column": column.name,
                                "problem": problem,
                            }
                        )
            if len(problems) >= MAX_PROBLEMS:
                break
        if problems:
            raise RequestError(problems)
        return rows

    def frame(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        """Checked rows as a table with the column types the pipeline was trained on."""
        return pd.DataFrame(
            {c.name: _series([row.get(c.name) for row in rows], c) for c in self.columns}
        )


def _problem(column: ColumnSchema, row: dict[str, Any]) -> str | None:
    if column.name not in row:
        # A column that may be missing may also be left out.
        return None if column.nullable else "missing column"
    value = row[column.name]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (
            None if column.nullable else ("missing value (null or NaN) where the model needs one")
        )
    kind = column.type
    if kind == "Integer":
        ok = (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and math.isfinite(value) and value.is_integer()
        )
        return None if ok else f"expected a whole number; got {_kind(value)}"
    if kind == "Double":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"expected a number; got {_kind(value)}"
        return None if math.isfinite(value) else f"expected a finite number; got {value!r}"
    if kind == "Boolean":
        return None if isinstance(value, bool) else f"expected true or false; got {_kind(value)}"
    if kind == "DateTime":
        if not isinstance(value, str):
            return f"expected a date and time as text (ISO 8601); got {_kind(value)}"
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return f"expected a date and time as text (ISO 8601); got {value[:40]!r}"
        return None
    return None if isinstance(value, str) else f"expected text; got {_kind(value)}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {value!r}".lower()
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _series(values: list[Any], column: ColumnSchema) -> pd.Series:
    missing = any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)
    kind = column.type
    if kind == "Integer":
        series = pd.Series(
            np.array([np.nan if v is None else v for v in values], dtype=float)
            if missing
            else np.array(values, dtype=np.int64)
        )
    elif kind == "Double":
        series = pd.Series(np.array([np.nan if v is None else v for v in values], dtype=float))
    elif kind == "Boolean":
        series = pd.Series(values, dtype=object if missing else bool)
    elif kind == "DateTime":
        series = pd.Series(pd.to_datetime(values))
    else:
        series = pd.Series(values, dtype=object)
    return series.astype("category") if column.categorical else series
