"""The component registry: a decorator that declares a component and checks it at import."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from components.errors import ComponentDefinitionError, ComponentInputError, UnknownComponentError
from components.runtime import NEEDS, Runtime, using_runtime
from components.spec import ComponentSpec, Param, ParamType, Port, PortKind

_REGISTRY: dict[tuple[str, int], Component] = {}

# Categories in the designer's palette order.
CATEGORIES = (
    "Data Input and Output",
    "Data Transformation",
    "Feature Selection",
    "Statistical Functions",
    "Regression",
    "Clustering",
    "Classification",
    "Model Training",
    "Model Scoring and Evaluation",
    "Python Language",
    "Text Analytics",
    "Anomaly Detection",
    "Recommendation",
    "Web Service",
)


@dataclass(frozen=True)
class Component:
    """A spec and the pure function that implements it."""

    spec: ComponentSpec
    func: Callable[..., dict[str, Any]]

    def run(
        self, inputs: dict[str, Any], params: dict[str, Any], runtime: Runtime | None = None
    ) -> dict[str, Any]:
        """Call the implementation with resolved params; check it returned the declared outputs.

        `runtime` gives the effects a component declares in `spec.needs` (SQL, a Python
        sandbox, reading an import, writing an export); the step runner passes one. It is
        also published for the duration of the call (`components.runtime.current_runtime`), so
        that objects arriving on a port, such as a Python model at Train Model, can use it.
        """
        problems = self.spec.check_params(params)
        if problems:
            raise ComponentInputError(" ".join(message for _, message in problems))
        args = [inputs.get(port.name) for port in self.spec.inputs]
        for port, value in zip(self.spec.inputs, args, strict=True):
            if value is None and not port.optional:
                raise ComponentInputError(f"Input '{port.label or port.name}' is not connected.")
        keywords = self.spec.resolve_params(params)
        if self.spec.needs:
            if runtime is None:
                raise ComponentDefinitionError(
                    f"{self.spec.id} needs a runtime for {list(self.spec.needs)}; the caller "
                    f"must pass one (jobs.runtime.StepRuntime)"
                )
            keywords["runtime"] = runtime
        empty = [
            port.label or port.name
            for port, value in zip(self.spec.inputs, args, strict=True)
            if isinstance(value, pd.DataFrame) and value.empty
        ]
        try:
            with using_runtime(runtime):
                outputs = self.func(*args, **keywords)
        except Exception as exc:
            if not empty:
                raise
            # Whatever an empty table made the implementation trip on (an IndexError in a
            # mode, a library refusing 0 samples), the user is told what is wrong and where.
            detail = (
                str(exc) if isinstance(exc, ComponentInputError) else f"{type(exc).__name__}: {exc}"
            ).rstrip(".")  # it goes in parentheses, before the sentence's own full stop
            raise ComponentInputError(
                f"{self.spec.name} cannot work on an empty table: input "
                f"{', '.join(map(repr, empty))} has no rows ({detail}). Check the steps "
                f"before it (a filter or split that kept nothing)."
            ) from exc
        declared = {port.name for port in self.spec.outputs}
        if not isinstance(outputs, dict) or set(outputs) != declared:
            got = sorted(outputs) if isinstance(outputs, dict) else type(outputs).__name__
            raise ComponentDefinitionError(
                f"{self.spec.id} must return a dict with keys {sorted(declared)}; got {got}"
            )
        return outputs


def component(
    *,
    id: str,
    name: str,
    category: str,
    inputs: list[Port],
    outputs: list[Port],
    params: list[Param] | None = None,
    version: int = 1,
    description: str = "",
    deterministic: bool = True,
    metrics_output: str | None = None,
    needs: tuple[str, ...] = (),
    columns: Any = None,
    checks: Any = None,
) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., dict[str, Any]]]:
    """Declare a component: ports are the positional parameters, params the keyword-only ones.

    `columns` tells how the output columns follow from inputs and parameters, before running
    (a components.column_flow rule); `checks`, what must hold between the inputs' columns and
    the parameters (see `ComponentSpec.checks`), which validation tells before the run.
    """
    params = params or []

    def register(func: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
        spec = ComponentSpec(
            id=id,
            version=version,
            name=name,
            category=category,
            description=description or (inspect.getdoc(func) or "").split("\n\n")[0],
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            params=tuple(params),
            deterministic=deterministic,
            metrics_output=metrics_output,
            needs=tuple(needs),
            columns=columns,
            checks=checks,
        )
        _check_definition(spec, func)
        _REGISTRY[(id, version)] = Component(spec, func)
        return func

    return register


def _check_definition(spec: ComponentSpec, func: Callable[..., Any]) -> None:
    where = f"component {spec.id!r} ({func.__module__}.{func.__qualname__})"
    if (spec.id, spec.version) in _REGISTRY:
        raise ComponentDefinitionError(f"{where}: id and version already registered")
    if spec.category not in CATEGORIES:
        raise ComponentDefinitionError(f"{where}: unknown category {spec.category!r}")
    signature = inspect.signature(func)
    positional, keyword = [], []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ComponentDefinitionError(f"{where}: *args and **kwargs are not allowed")
        if parameter.kind is parameter.KEYWORD_ONLY:
            keyword.append(parameter.name)
        else:
            positional.append(parameter.name)
    ports = [port.name for port in spec.inputs]
    if positional != ports:
        raise ComponentDefinitionError(
            f"{where}: positional parameters {positional} must be the input ports {ports}, in order"
        )
    unknown_needs = [need for need in spec.needs if need not in NEEDS]
    if unknown_needs:
        raise ComponentDefinitionError(f"{where}: unknown needs {unknown_needs}; known: {NEEDS}")
    expected = sorted(spec.param_names() + (["runtime"] if spec.needs else []))
    if sorted(keyword) != expected:
        raise ComponentDefinitionError(
            f"{where}: keyword-only parameters {sorted(keyword)} must "
            f"be the declared params {expected} (a component with "
            f"needs also takes 'runtime')"
        )
    for names, what in (
        (ports, "input"),
        ([p.name for p in spec.outputs], "output"),
        (spec.param_names(), "param"),
    ):
        if len(set(names)) != len(names):
            raise ComponentDefinitionError(f"{where}: duplicate {what} names {names}")
    for param in spec.params:
        if param.type is ParamType.CHOICE and not param.choices:
            raise ComponentDefinitionError(f"{where}: choice param {param.name!r} has no choices")
        problem = param.check(param.default)
        # A required parameter may start blank: the user must fill it in.
        if problem and not (param.required and param.is_blank(param.default)):
            raise ComponentDefinitionError(f"{where}: default of {param.name!r}: {problem}")
        unknown = [name for name in param.visible_if if spec.param(name) is None]
        if unknown:
            raise ComponentDefinitionError(
                f"{where}: visible_if of {param.name!r} names unknown params {unknown}"
            )
    if spec.metrics_output is not None:
        port = spec.output(spec.metrics_output)
        if port is None or port.kind is not PortKind.DATASET:
            raise ComponentDefinitionError(
                f"{where}: metrics_output {spec.metrics_output!r} must name a dataset output"
            )


def get(component_id: str, version: int | None = None) -> Component:
    """The component with that id (and version; the latest when None)."""
    _load_library()
    if version is not None:
        try:
            return _REGISTRY[(component_id, version)]
        except KeyError:
            raise UnknownComponentError(
                f"Unknown component {component_id!r} version {version}"
            ) from None
    versions = [v for (cid, v) in _REGISTRY if cid == component_id]
    if not versions:
        raise UnknownComponentError(f"Unknown component {component_id!r}")
    return _REGISTRY[(component_id, max(versions))]


def all_components() -> list[Component]:
    """Every registered component, in palette order (category, then name)."""
    _load_library()
    order = {category: index for index, category in enumerate(CATEGORIES)}
    return sorted(
        _REGISTRY.values(), key=lambda c: (order[c.spec.category], c.spec.name, c.spec.version)
    )


def _load_library() -> None:
    # Importing the library registers every component; done lazily so that importing the
    # spec types alone stays light.
    import components.library  # noqa: F401
