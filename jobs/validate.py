"""Pipeline validation: every issue at once, each with a stable code, the node and the field.

The designer's rules (datasets connect only to components, every required input is connected,
every required parameter is set, port types match) plus one source per input, known components,
datasets and compute targets, parameter types and ranges, pipeline parameters, and no cycles.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import Any

import components
from components.errors import UnknownComponentError
from components.spec import ComponentSpec, PortKind
from jobs.errors import PipelineCycleError
from jobs.pipeline import DATASET_PORT, PipelineSpec, bind_datasets, dataset_value, param_ref


@dataclass(frozen=True)
class Issue:
    """One problem in a pipeline, shown beside its node in the UI."""

    code: str
    message: str
    node: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DatasetExists = Callable[[str, int | None], bool]


def validate_pipeline(
    spec: PipelineSpec,
    *,
    dataset_exists: DatasetExists | None = None,
    compute_targets: Collection[str] | None = None,
    parameter_values: dict[str, Any] | None = None,
    columns: dict[str, dict[str, Any]] | None = None,
    warnings: list[Issue] | None = None,
) -> list[Issue]:
    """Return every issue in `spec`; an empty list means it can run.

    Args:
        spec: the pipeline.
        dataset_exists: answers whether a dataset (name, version or None for latest) exists;
            skipped when None.
        compute_targets: the known compute target names; skipped when None.
        parameter_values: values for pipeline parameters that override their defaults.
        columns: what reaches each node (jobs.columns.infer_columns); when given, column
            parameters are checked against it.
        warnings: where to add what cannot be checked yet (unknown columns); they do not
            stop a run.
    """
    issues: list[Issue] = []
    if not spec.nodes:
        issues.append(
            Issue("empty_pipeline", "The pipeline has no nodes; add a dataset and components.")
        )
    specs = _component_specs(spec, issues)
    _check_ids(spec, issues)
    values = _parameter_values(spec, parameter_values or {}, issues)
    _check_dataset_bindings(spec, issues)
    _check_datasets(bind_datasets(spec, values), dataset_exists, issues)
    _check_compute(spec, compute_targets, issues)
    _check_params(spec, specs, values, issues)
    _check_edges(spec, specs, issues)
    _check_cycles(spec, issues)
    if columns is not None:
        from jobs.columns import column_issues  # it reads this module's helpers

        found, unknown = column_issues(spec, columns, parameter_values)
        issues.extend(found)
        if warnings is not None:
            warnings.extend(unknown)
    return issues


def resolve_node_params(params: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Node parameters with pipeline-parameter references replaced by their values."""
    return {
        name: values.get(ref) if (ref := param_ref(v)) is not None else v
        for name, v in params.items()
    }


def pipeline_parameter_values(spec: PipelineSpec, overrides: dict[str, Any]) -> dict[str, Any]:
    """Each pipeline parameter's value: the override when given, else its default."""
    return {p.name: overrides.get(p.name, p.default) for p in spec.parameters}


def _component_specs(spec: PipelineSpec, issues: list[Issue]) -> dict[str, ComponentSpec]:
    found = {}
    for node in spec.nodes:
        if node.is_dataset:
            continue
        try:
            found[node.id] = components.get(node.component_id, node.version).spec
        except UnknownComponentError as exc:
            issues.append(Issue("unknown_component", str(exc), node.id, "component"))
    return found


def _check_ids(spec: PipelineSpec, issues: list[Issue]) -> None:
    seen: set[str] = set()
    for node in spec.nodes:
        if node.id in seen:
            issues.append(
                Issue("duplicate_node_id", f"Two nodes have the id {node.id!r}.", node.id, "id")
            )
        seen.add(node.id)


def _check_datasets(spec: PipelineSpec, exists: DatasetExists | None, issues: list[Issue]) -> None:
    if exists is None:
        return
    for node in spec.nodes:
        if node.is_dataset and not exists(node.dataset_name, node.dataset_version):
            version = "" if node.dataset_version is None else f" version {node.dataset_version}"
            via = (
                ""
                if node.dataset_param is None
                else f" (pipeline parameter {node.dataset_param!r})"
            )
            issues.append(
                Issue(
                    "unknown_dataset",
                    f"Dataset {node.dataset!r}{version}{via} does not exist.",
                    node.id,
                    node.dataset_param or "dataset",
                )
            )


def _check_dataset_bindings(spec: PipelineSpec, issues: list[Issue]) -> None:
    for node in spec.nodes:
        if not node.is_dataset or node.dataset_param is None:
            continue
        parameter = spec.parameter(node.dataset_param)
        if parameter is None:
            issues.append(
                Issue(
                    "unknown_pipeline_parameter",
                    f"Dataset node {node.id!r} is bound to pipeline parameter "
                    f"{node.dataset_param!r}, which does not exist.",
                    node.id,
                    "dataset_param",
                )
            )
        elif parameter.type not in ("dataset", "string"):
            issues.append(
                Issue(
                    "pipeline_parameter_type",
                    f"Dataset node {node.id!r} is bound to pipeline parameter "
                    f"{node.dataset_param!r}, which is {parameter.type}; bind it to "
                    "a dataset (or string) parameter.",
                    node.id,
                    "dataset_param",
                )
            )


def _check_compute(
    spec: PipelineSpec, targets: Collection[str] | None, issues: list[Issue]
) -> None:
    if targets is None:
        return
    if spec.default_compute not in targets:
        issues.append(
            Issue(
                "unknown_compute_target",
                f"Default compute target {spec.default_compute!r} does not exist; "
                f"known: {', '.join(sorted(targets))}.",
                None,
                "default_compute",
            )
        )
    for node in spec.nodes:
        if node.compute and node.compute not in targets:
            issues.append(
                Issue(
                    "unknown_compute_target",
                    f"Compute target {node.compute!r} does not exist; known: "
                    f"{', '.join(sorted(targets))}.",
                    node.id,
                    "compute",
                )
            )


def _parameter_values(
    spec: PipelineSpec, overrides: dict[str, Any], issues: list[Issue]
) -> dict[str, Any]:
    names = [p.name for p in spec.parameters]
    for name in sorted(set(names)):
        if names.count(name) > 1:
            issues.append(
                Issue(
                    "duplicate_pipeline_parameter",
                    f"Pipeline parameter {name!r} is defined twice.",
                    None,
                    name,
                )
            )
    for name in overrides:
        if name not in names:
            issues.append(
                Issue(
                    "unknown_pipeline_parameter",
                    f"No pipeline parameter {name!r}; defined: {names}.",
                    None,
                    name,
                )
            )
    values = pipeline_parameter_values(spec, overrides)
    # A string parameter that a dataset node is bound to names a dataset: it also takes
    # {"name", "version"} (a batch inference pipeline's "input_dataset").
    bound = {n.dataset_param for n in spec.nodes if n.is_dataset and n.dataset_param}
    checks = {
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "bool": lambda v: isinstance(v, bool),
        "dataset": lambda v: dataset_value(v) is not None,
    }
    for param in spec.parameters:
        value = values[param.name]
        kind = "dataset" if param.type == "string" and param.name in bound else param.type
        if value is not None and not checks[kind](value):
            expected = (
                '{"name": <dataset>, "version": <number or null>}'
                if param.type == "dataset"
                else param.type
            )
            issues.append(
                Issue(
                    "pipeline_parameter_type",
                    f"Pipeline parameter {param.name!r} is {param.type}: expected "
                    f"{expected}; got {value!r}.",
                    None,
                    param.name,
                )
            )
            values[param.name] = param.default  # one issue per bad value, not one per use
    return values


def _check_params(
    spec: PipelineSpec, specs: dict[str, ComponentSpec], values: dict[str, Any], issues: list[Issue]
) -> None:
    for node in spec.nodes:
        component_spec = specs.get(node.id)
        if component_spec is None:
            continue
        for name, value in node.params.items():
            ref = param_ref(value)
            attached = spec.parameter(ref) if ref is not None else None
            if ref is not None and attached is None:
                issues.append(
                    Issue(
                        "unknown_pipeline_parameter",
                        f"Parameter {name!r} is attached to pipeline parameter "
                        f"{ref!r}, which does not exist.",
                        node.id,
                        name,
                    )
                )
            elif attached is not None and attached.type == "dataset":
                issues.append(
                    Issue(
                        "pipeline_parameter_type",
                        f"Parameter {name!r} is attached to dataset pipeline "
                        f"parameter {ref!r}; attach it to an int, float, string or "
                        "bool one.",
                        node.id,
                        name,
                    )
                )
        resolved = resolve_node_params(node.params, values)
        for name, message in component_spec.check_params(resolved):
            param = component_spec.param(name)
            ref = param_ref(node.params.get(name))
            if param is not None and ref is not None and resolved.get(name) is not None:
                # The value came from a pipeline parameter: name it, so a REST caller sees
                # which of its values is out of range.
                message = f"Pipeline parameter {ref!r} = {resolved[name]!r}: {message}"
            code = (
                "unknown_parameter"
                if param is None
                else (
                    "missing_parameter"
                    if resolved.get(name, param.default) in (None, "")
                    else "invalid_parameter"
                )
            )
            issues.append(Issue(code, message, node.id, name))
        if node.timeout is not None and node.timeout <= 0:
            issues.append(
                Issue(
                    "invalid_timeout",
                    f"A step timeout must be a positive number of seconds; got {node.timeout}.",
                    node.id,
                    "timeout",
                )
            )


def _check_edges(spec: PipelineSpec, specs: dict[str, ComponentSpec], issues: list[Issue]) -> None:
    nodes = {n.id: n for n in spec.nodes}
    sources: dict[tuple[str, str], list[str]] = {}
    for edge in spec.edges:
        source, target = nodes.get(edge.source_node), nodes.get(edge.target_node)
        for end, node_id, where in (
            (source, edge.source_node, "source"),
            (target, edge.target_node, "target"),
        ):
            if end is None:
                issues.append(
                    Issue(
                        "unknown_node",
                        f"Edge {edge.source} -> {edge.target} "
                        f"names node {node_id!r}, which does not exist.",
                        node_id,
                        where,
                    )
                )
        if source is None or target is None:
            continue
        if target.is_dataset:
            code = "dataset_to_dataset" if source.is_dataset else "edge_into_dataset"
            issues.append(
                Issue(
                    code,
                    f"A dataset has no inputs: {edge.source} cannot feed "
                    f"{edge.target}; connect datasets only to components.",
                    target.id,
                    edge.target_port,
                )
            )
            continue
        out_kind = _output_kind(source, edge.source_port, specs, issues)
        in_kind = _input_kind(target, edge.target_port, specs, issues)
        if out_kind and in_kind and out_kind != in_kind:
            issues.append(
                Issue(
                    "kind_mismatch",
                    f"{edge.source} gives a {out_kind.value} but "
                    f"{edge.target} takes a {in_kind.value}.",
                    target.id,
                    edge.target_port,
                )
            )
        sources.setdefault((target.id, edge.target_port), []).append(edge.source)
    for (node_id, port_name), feeding in sources.items():
        if len(feeding) > 1:
            issues.append(
                Issue(
                    "input_has_two_sources",
                    f"Input {node_id}.{port_name} has "
                    f"{len(feeding)} sources ({', '.join(feeding)}); keep one.",
                    node_id,
                    port_name,
                )
            )
    for node_id, component_spec in specs.items():
        for port in component_spec.inputs:
            if not port.optional and (node_id, port.name) not in sources:
                issues.append(
                    Issue(
                        "unconnected_input",
                        f"Input '{port.label or port.name}' "
                        f"of {component_spec.name} is not connected.",
                        node_id,
                        port.name,
                    )
                )


def _output_kind(
    node: Any, port: str, specs: dict[str, ComponentSpec], issues: list[Issue]
) -> PortKind | None:
    if node.is_dataset:
        if port != DATASET_PORT:
            issues.append(
                Issue(
                    "unknown_port",
                    f"A dataset node has one output, '{DATASET_PORT}'; got {port!r}.",
                    node.id,
                    port,
                )
            )
            return None
        return PortKind.DATASET
    spec = specs.get(node.id)
    if spec is None:
        return None
    found = spec.output(port)
    if found is None:
        issues.append(
            Issue(
                "unknown_port",
                f"{spec.name} has no output {port!r}; outputs: {[p.name for p in spec.outputs]}.",
                node.id,
                port,
            )
        )
        return None
    return found.kind


def _input_kind(
    node: Any, port: str, specs: dict[str, ComponentSpec], issues: list[Issue]
) -> PortKind | None:
    spec = specs.get(node.id)
    if spec is None:
        return None
    found = spec.input(port)
    if found is None:
        issues.append(
            Issue(
                "unknown_port",
                f"{spec.name} has no input {port!r}; inputs: {[p.name for p in spec.inputs]}.",
                node.id,
                port,
            )
        )
        return None
    return found.kind


def _check_cycles(spec: PipelineSpec, issues: list[Issue]) -> None:
    try:
        spec.graph.order()
    except PipelineCycleError as exc:
        issues.append(Issue("cycle", str(exc), exc.cycle[0], None))
