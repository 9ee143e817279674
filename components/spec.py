"""Declarative component specs: typed ports and parameters described as data.

The same spec drives pipeline validation, the UI's forms and the docs, so they cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class PortKind(StrEnum):
    """What flows along an edge. An edge joins only equal kinds (the designer's port types)."""

    DATASET = "dataset"
    UNTRAINED_MODEL = "untrained_model"
    TRAINED_MODEL = "trained_model"
    TRANSFORMATION = "transformation"


class ParamType(StrEnum):
    """The closed vocabulary of parameter types; each maps to one form widget."""

    INT = "int"
    FLOAT = "float"
    STR = "str"
    BOOL = "bool"
    CHOICE = "choice"
    COLUMNS = "columns"  # a column selection (see components.columns)
    COLUMN = "column"  # one column name
    TEXT = "text"  # multi-line text: a script, CSV data, a SQL query


@dataclass(frozen=True)
class Port:
    """An input or output of a component."""

    name: str
    kind: PortKind
    label: str = ""
    optional: bool = False

    def __post_init__(self) -> None:
        # The label defaults to the name, so a spec equals itself after a JSON round trip.
        if not self.label:
            object.__setattr__(self, "label", self.name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "label": self.label or self.name,
            "optional": self.optional,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Port:
        return cls(
            name=data["name"],
            kind=PortKind(data["kind"]),
            label=data.get("label", ""),
            optional=bool(data.get("optional", False)),
        )


@dataclass(frozen=True)
class Param:
    """A parameter: type, default and constraints, as data (sklearn's `_parameter_constraints`).

    `visible_if` names another parameter's values under which this one applies (the designer
    shows, say, "Replacement value" only in custom-substitution mode); a hidden parameter is
    neither validated nor shown.
    """

    name: str
    type: ParamType
    label: str = ""
    default: Any = None
    required: bool = False
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    visible_if: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    # For COLUMN and COLUMNS: the input port whose columns it names (default: the first
    # dataset input), so the designer offers them and validation checks them.
    columns_from: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["type"] = self.type.value
        data["label"] = self.label or self.name
        data["choices"] = list(self.choices)
        data["visible_if"] = {k: list(v) for k, v in self.visible_if.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Param:
        values = dict(data)
        values["type"] = ParamType(values["type"])
        values["choices"] = tuple(values.get("choices", ()))
        values["visible_if"] = {k: tuple(v) for k, v in values.get("visible_if", {}).items()}
        return cls(**values)

    def is_visible(self, values: dict[str, Any]) -> bool:
        """Whether this parameter applies given the other parameters' values."""
        return all(values.get(name) in allowed for name, allowed in self.visible_if.items())

    def is_blank(self, value: Any) -> bool:
        """Whether `value` means "not set" (None, or empty text for anything but TEXT)."""
        return value is None or (
            isinstance(value, str) and value == "" and self.type is not ParamType.TEXT
        )

    def check(self, value: Any) -> str | None:
        """Return why `value` is not acceptable for this parameter, or None when it is."""
        if self.is_blank(value):
            if self.required:
                return f"'{self.label or self.name}' is required."
            return None
        problem = self._check_type(value)
        if problem is None and self.type in (ParamType.INT, ParamType.FLOAT):
            problem = self._check_range(value)
        if problem is None:
            return None
        label = self.label or self.name
        return f"The '{label}' parameter must be {problem}. Got {value!r} instead."

    def _check_type(self, value: Any) -> str | None:
        kind = self.type
        if kind is ParamType.INT:
            ok = isinstance(value, int) and not isinstance(value, bool)
            ok = ok or (isinstance(value, float) and value.is_integer())
            return None if ok else "a whole number"
        if kind is ParamType.FLOAT:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            return None if ok and math.isfinite(value) else "a finite number"
        if kind is ParamType.BOOL:
            return None if isinstance(value, bool) else "true or false"
        if kind is ParamType.CHOICE:
            return None if value in self.choices else "one of " + ", ".join(map(repr, self.choices))
        if kind is ParamType.COLUMNS:
            from components.columns import selection_problem

            return selection_problem(value)
        # STR, COLUMN and TEXT all hold text.
        return None if isinstance(value, str) else "text"

    def _check_range(self, value: float) -> str | None:
        lo, hi = self.min, self.max
        low_ok = lo is None or (value > lo if self.min_exclusive else value >= lo)
        high_ok = hi is None or (value < hi if self.max_exclusive else value <= hi)
        if low_ok and high_ok:
            return None
        left = "(" if self.min_exclusive else "["
        right = ")" if self.max_exclusive else "]"
        low = "-inf" if self.min is None else _fmt(self.min)
        high = "inf" if self.max is None else _fmt(self.max)
        return f"in the range {left}{low}, {high}{right}"

    def coerce(self, value: Any) -> Any:
        """Turn a JSON value into the Python value the implementation receives."""
        if self.is_blank(value):
            return None
        if self.type is ParamType.INT:
            return int(value)
        if self.type is ParamType.FLOAT:
            return float(value)
        return value


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


@dataclass(frozen=True)
class ComponentSpec:
    """Everything known about a component without running it."""

    id: str
    version: int
    name: str
    category: str
    description: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    params: tuple[Param, ...]
    deterministic: bool = True
    # The dataset output whose first row's numeric values are logged as the step's metrics.
    metrics_output: str | None = None
    # Effects the component asks the runner for, through its `runtime` argument (see
    # components.runtime): "sql", "python", "import", "export". Empty for most components.
    needs: tuple[str, ...] = ()
    # How the output columns follow from the inputs and parameters (components.column_flow),
    # when the component can say; not part of the JSON form.
    columns: Any = field(default=None, compare=False, repr=False)
    # What must hold between the inputs' columns (components.column_flow's descriptions) and
    # the parameters, as a pure rule `check(inputs, params) -> [(param, message)]` that answers
    # [] for what it cannot tell. Validation calls it with the columns known before the run; the
    # component calls the same rule on its tables, so the two never disagree.
    checks: Any = field(default=None, compare=False, repr=False)

    def input(self, name: str) -> Port | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output(self, name: str) -> Port | None:
        return next((p for p in self.outputs if p.name == name), None)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def check_params(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        """Every problem with `values` as (parameter name, message); defaults fill gaps."""
        problems = [
            (name, f"Unknown parameter '{name}'; known: {', '.join(self.param_names())}.")
            for name in values
            if self.param(name) is None
        ]
        merged = {**self.defaults(), **values}
        for param in self.params:
            if not param.is_visible(merged):
                continue
            message = param.check(merged.get(param.name))
            if message:
                problems.append((param.name, message))
        return problems

    def resolve_params(self, values: dict[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with `values`, coerced to the implementation's types."""
        merged = {**self.defaults(), **values}
        return {p.name: p.coerce(merged.get(p.name)) for p in self.params}

    def columns_port(self, param: Param) -> str | None:
        """The input port whose columns a COLUMN or COLUMNS parameter names."""
        if param.columns_from:
            return param.columns_from
        return next((p.name for p in self.inputs if p.kind is PortKind.DATASET), None)

    def param_names(self) -> list[str]:
        return [p.name for p in self.params]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "name": self.name,
            "category": self.category,
            "description": self.description,
            "deterministic": self.deterministic,
            "metrics_output": self.metrics_output,
            "needs": list(self.needs),
            "infers_columns": self.columns is not None,
            "inputs": [p.to_dict() for p in self.inputs],
            "outputs": [p.to_dict() for p in self.outputs],
            "params": [p.to_dict() for p in self.params],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ComponentSpec:
        return cls(
            id=data["id"],
            version=int(data["version"]),
            name=data["name"],
            category=data["category"],
            description=data.get("description", ""),
            deterministic=bool(data.get("deterministic", True)),
            metrics_output=data.get("metrics_output"),
            needs=tuple(data.get("needs", ())),
            inputs=tuple(Port.from_dict(p) for p in data["inputs"]),
            outputs=tuple(Port.from_dict(p) for p in data["outputs"]),
            params=tuple(Param.from_dict(p) for p in data["params"]),
        )
