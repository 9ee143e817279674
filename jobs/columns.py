"""What columns reach each node of a pipeline, before anything runs.

Datasets give their registered columns; each component's declared column rule
(components.column_flow) carries them on; a learner's output says its task, Train Model adds
the label. Where a component declares no rule, the columns its latest finished step with the
same cache key produced serve, when the caller can look them up (`known`); else they are
unknown (None).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import components
from components import column_flow
from components.errors import UnknownComponentError
from components.ml.tasks import Task
from components.spec import ComponentSpec, PortKind
from jobs.errors import PipelineCycleError
from jobs.pipeline import DATASET_PORT, PipelineSpec
from jobs.validate import pipeline_parameter_values, resolve_node_params

Known = Any  # a column list, a model dict, or None
DatasetColumns = Callable[[str, int | None], list[dict[str, Any]] | None]
_TASKS = {
    "Regression": Task.REGRESSION,
    "Clustering": Task.CLUSTERING,
    "Anomaly Detection": Task.ANOMALY_DETECTION,
}


def has_column_rule(node: Any) -> bool:
    """Whether a component node's component declares its output columns."""
    try:
        return components.get(node.component_id, node.version).spec.columns is not None
    except UnknownComponentError:
        return False


def learner_task(spec: ComponentSpec) -> Task | None:
    """The task of a learner component's untrained model, from its category and name."""
    if spec.category == "Classification":
        return Task.BINARY if spec.id.startswith("two_class") else Task.MULTICLASS
    return _TASKS.get(spec.category)


def infer_columns(
    spec: PipelineSpec,
    dataset_columns: DatasetColumns,
    *,
    known: dict[str, dict[str, Known]] | None = None,
    parameter_values: dict[str, Any] | None = None,
) -> dict[str, dict[str, Known]]:
    """{node id: {output port: columns or model dict or None}} for every node it can order.

    Args:
        spec: the pipeline (need not be valid: unknown parts are None).
        dataset_columns: a dataset's columns by name and version (None: latest), or None.
        known: output columns found by other means (a finished step with the same cache key),
            used for components without a rule.
        parameter_values: pipeline parameter overrides.
    """
    known = known or {}
    values = pipeline_parameter_values(spec, parameter_values or {})
    feeds = {(e.target_node, e.target_port): (e.source_node, e.source_port) for e in spec.edges}
    try:
        order = spec.graph.order()
    except PipelineCycleError:
        return {}
    found: dict[str, dict[str, Known]] = {}
    for node_id in order:
        node = spec.node(node_id)
        if node is None:
            continue
        if node.is_dataset:
            found[node_id] = {
                DATASET_PORT: dataset_columns(node.dataset_name, node.dataset_version)
            }
            continue
        try:
            component_spec = components.get(node.component_id, node.version).spec
        except UnknownComponentError:
            continue
        inputs = {
            port.name: found.get(feeds[(node_id, port.name)][0], {}).get(
                feeds[(node_id, port.name)][1]
            )
            if (node_id, port.name) in feeds
            else None
            for port in component_spec.inputs
        }
        found[node_id] = _outputs(
            component_spec, inputs, resolve_node_params(node.params, values), known.get(node_id, {})
        )
    return found


def input_columns(
    spec: PipelineSpec, inferred: dict[str, dict[str, Known]], node_id: str, port: str
) -> Known:
    """What reaches input `port` of `node_id` (None when unconnected or unknown)."""
    edge = spec.graph.inputs(node_id).get(port)
    return None if edge is None else inferred.get(edge.source_node, {}).get(edge.source_port)


def _outputs(
    spec: ComponentSpec, inputs: dict[str, Known], params: dict[str, Any], known: dict[str, Known]
) -> dict[str, Known]:
    datasets = [p.name for p in spec.outputs if p.kind is PortKind.DATASET]
    if spec.columns is not None:
        merged = {**spec.defaults(), **params}
        try:
            return column_flow.apply(spec.columns, inputs, merged, datasets)
        except (KeyError, TypeError, ValueError):
            return dict.fromkeys(datasets)  # an odd parameter value: validation reports it
    task = learner_task(spec)
    if task and [p.kind for p in spec.outputs] == [PortKind.UNTRAINED_MODEL]:
        return {spec.outputs[0].name: {"task": task, "learner": spec.name}}
    return {p.name: known.get(p.name) for p in spec.outputs}


def column_issues(
    spec: PipelineSpec,
    inferred: dict[str, dict[str, Known]],
    parameter_values: dict[str, Any] | None = None,
):
    """(issues, warnings) for column parameters: a named column that does not reach its node
    is an issue (`unknown_column`); a column that cannot be checked, since what reaches the
    node is unknown until it runs, is a warning (`columns_unknown`). What a component's
    declared checks find between the columns that reach it and its parameters (join keys of
    types that never match, say) is an issue too (`incompatible_columns`)."""
    from jobs.validate import Issue  # jobs.validate calls this module: import at call time

    issues, warnings = [], []
    values = pipeline_parameter_values(spec, parameter_values or {})
    for node in spec.nodes:
        if node.is_dataset:
            continue
        try:
            component_spec = components.get(node.component_id, node.version).spec
        except UnknownComponentError:
            continue
        params = {**component_spec.defaults(), **resolve_node_params(node.params, values)}
        if component_spec.checks is not None:
            reaching_ports = {
                port.name: input_columns(spec, inferred, node.id, port.name)
                for port in component_spec.inputs
            }
            issues += [
                Issue("incompatible_columns", message, node.id, field)
                for field, message in component_spec.checks(reaching_ports, params)
            ]
        for param in component_spec.params:
            if param.type.value not in ("column", "columns") or not param.is_visible(params):
                continue
            wanted = _named_columns(params.get(param.name), param.type.value)
            port = component_spec.columns_port(param)
            if not wanted or port is None:
                continue
            reaching = input_columns(spec, inferred, node.id, port)
            if not isinstance(reaching, list):
                if port in spec.graph.inputs(node.id):
                    warnings.append(
                        Issue(
                            "columns_unknown",
                            f"The columns reaching {component_spec.name}'s "
                            f"'{param.label}' are known only once the steps above it have run; "
                            f"{', '.join(map(repr, wanted))} cannot be checked yet.",
                            node.id,
                            param.name,
                        )
                    )
                continue
            names = [c["name"] for c in reaching]
            for name in wanted:
                if name in names:
                    continue
                close = next((n for n in names if n.lower() == name.lower()), None)
                hint = f" Did you mean {close!r}?" if close else ""
                issues.append(
                    Issue(
                        "unknown_column",
                        f"Column {name!r} does not reach {component_spec.name}'s "
                        f"'{param.label}'.{hint} The columns that do: {', '.join(names)}.",
                        node.id,
                        param.name,
                    )
                )
    return issues, warnings


def column_names(inferred: dict[str, dict[str, Known]]) -> dict[str, dict[str, list[str]]]:
    """Only the known column names per node and dataset output (for the designer's pickers)."""
    return {
        node: {
            port: [c["name"] for c in known]
            for port, known in ports.items()
            if isinstance(known, list)
        }
        for node, ports in inferred.items()
    }


def _named_columns(value: Any, kind: str) -> list[str]:
    if kind == "column":
        return [value] if isinstance(value, str) and value else []
    if not isinstance(value, dict):
        return []
    if isinstance(value.get("names"), list):
        return [n for n in value["names"] if isinstance(n, str)]
    found: list[str] = []
    for rule in value.get("rules", []) if isinstance(value.get("rules"), list) else []:
        if (
            isinstance(rule, dict)
            and rule.get("by") == "names"
            and isinstance(rule.get("values"), list)
        ):
            found.extend(v for v in rule["values"] if isinstance(v, str))
    return found
