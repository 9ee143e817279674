"""Tests of components.registry: the @component decorator and Component.run."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from components import registry
from components.errors import (
    ComponentDefinitionError,
    ComponentInputError,
    UnknownComponentError,
)
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

DATASET_IN = [Port("dataset", PortKind.DATASET, "Dataset")]
DATASET_OUT = [Port("out", PortKind.DATASET)]


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Components declared by these tests do not leak into the real registry."""
    registry.all_components()  # load the library first, so it is in the copy
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def declare(func: Any, **overrides: Any) -> Any:
    options: dict[str, Any] = {
        "id": "test.demo",
        "name": "Demo",
        "category": "Data Transformation",
        "inputs": DATASET_IN,
        "outputs": DATASET_OUT,
        "params": [Param("n", ParamType.INT, default=1, min=0)],
    }
    options.update(overrides)
    return component(**options)(func)


def good(dataset: pd.DataFrame, *, n: int) -> dict[str, Any]:
    """Return the first n rows."""
    return {"out": dataset.head(n)}


def test_declared_component_runs_with_defaults() -> None:
    """A well-formed component registers and runs; its docstring becomes its description."""
    declare(good)
    demo = registry.get("test.demo")
    assert demo.spec.description == "Return the first n rows."
    out = demo.run({"dataset": pd.DataFrame({"a": [1, 2, 3]})}, {})
    assert out["out"]["a"].tolist() == [1]


def test_rejects_positional_names_that_are_not_the_ports() -> None:
    """Positional parameters must be the input ports, in order."""

    def wrong(data: pd.DataFrame, *, n: int) -> dict[str, Any]:
        return {}

    with pytest.raises(
        ComponentDefinitionError,
        match=r"positional parameters \['data'\] must "
        r"be the input ports \['dataset'\]",
    ):
        declare(wrong)


def test_rejects_var_args() -> None:
    """*args and **kwargs hide the signature, so they are refused."""

    def star(dataset: pd.DataFrame, *args: Any, n: int) -> dict[str, Any]:
        return {}

    with pytest.raises(ComponentDefinitionError, match=r"\*args and \*\*kwargs"):
        declare(star)


def test_rejects_keyword_params_that_are_not_declared() -> None:
    """Keyword-only parameters must match the declared params."""

    def extra(dataset: pd.DataFrame, *, n: int, m: int) -> dict[str, Any]:
        return {}

    with pytest.raises(ComponentDefinitionError, match=r"keyword-only parameters \['m', 'n'\]"):
        declare(extra)


@pytest.mark.parametrize(
    ("param", "message"),
    [
        (Param("n", ParamType.INT, default=-1, min=0), r"default of 'n'.*range \[0, inf\]"),
        (Param("n", ParamType.INT, default="x"), r"default of 'n'.*whole number"),
        (Param("n", ParamType.CHOICE, default="a"), r"choice param 'n' has no choices"),
        (
            Param("n", ParamType.INT, default=1, visible_if={"mode": ("x",)}),
            r"visible_if of 'n' names unknown params \['mode'\]",
        ),
    ],
)
def test_rejects_bad_params(param: Param, message: str) -> None:
    """Defaults must pass their own checks and visible_if must name known params."""
    with pytest.raises(ComponentDefinitionError, match=message):
        declare(good, params=[param])


def test_allows_blank_default_for_required_param() -> None:
    """A required parameter may start blank (None or empty text): the user fills it in."""
    declare(good, params=[Param("n", ParamType.STR, default="", required=True)])
    assert registry.get("test.demo").spec.param("n").required


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"category": "Misc"}, r"unknown category 'Misc'"),
        ({"metrics_output": "nope"}, r"metrics_output 'nope' must name a dataset output"),
        (
            {"outputs": [Port("out", PortKind.DATASET), Port("out", PortKind.DATASET)]},
            r"duplicate output names",
        ),
    ],
)
def test_rejects_bad_declarations(overrides: dict[str, Any], message: str) -> None:
    """Unknown categories, bad metrics outputs and duplicate names are programmer errors."""
    with pytest.raises(ComponentDefinitionError, match=message):
        declare(good, **overrides)


def test_rejects_duplicate_id_and_version() -> None:
    """The same id and version cannot be registered twice."""
    declare(good)
    with pytest.raises(ComponentDefinitionError, match="already registered"):
        declare(good)


def test_run_reports_bad_params_and_missing_inputs() -> None:
    """Bad parameter values and unconnected inputs are the user's errors."""
    declare(good)
    demo = registry.get("test.demo")
    with pytest.raises(ComponentInputError, match=r"must be in the range \[0, inf\]"):
        demo.run({"dataset": pd.DataFrame()}, {"n": -3})
    with pytest.raises(ComponentInputError, match=r"Input 'Dataset' is not connected"):
        demo.run({}, {})


def test_run_checks_declared_outputs() -> None:
    """Returning other keys than the declared outputs is a definition error."""

    def sloppy(dataset: pd.DataFrame, *, n: int) -> dict[str, Any]:
        return {"result": dataset}

    declare(sloppy)
    with pytest.raises(ComponentDefinitionError, match=r"keys \['out'\]; got \['result'\]"):
        registry.get("test.demo").run({"dataset": pd.DataFrame()}, {})


def test_get_unknown_component() -> None:
    """Asking for an unregistered id raises UnknownComponentError."""
    with pytest.raises(UnknownComponentError, match="Unknown component 'no.such'"):
        registry.get("no.such")


def test_all_components_in_palette_order() -> None:
    """Components are listed by palette category, then by name."""
    specs = [c.spec for c in registry.all_components()]
    order = [(registry.CATEGORIES.index(s.category), s.name) for s in specs]
    assert order == sorted(order)
