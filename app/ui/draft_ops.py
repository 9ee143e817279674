"""Editing a pipeline spec (the JSON document of jobs.pipeline) as pure functions.

Every function takes a spec dict and returns a new one; the input is never changed, so the
designer can keep the last saved spec and compare. Nothing here talks to the control plane or to
Streamlit; the designer page calls these, then saves the result as the draft's next revision.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from jobs.defaults import DEFAULT_COMPUTE
from jobs.graph import PipelineGraph
from jobs.pipeline import DATASET_PORT, PARAMETER_TYPES, param_ref

# The pipeline parameter type that holds a component parameter of each type.
_PROMOTED_TYPE = {"int": "int", "float": "float", "bool": "bool"}
ROW_GAP, COLUMN_GAP = 100.0, 220.0
_NOT_ID = re.compile(r"[^A-Za-z0-9_\-]+")


class DraftEditError(ValueError):
    """An edit that cannot apply (unknown node, taken name...); the message is for the user."""


def empty_spec(name: str) -> dict[str, Any]:
    """A new pipeline with nothing in it."""
    return {
        "schema_version": 1,
        "name": name,
        "description": "",
        "parameters": [],
        "settings": {"default_compute": DEFAULT_COMPUTE},
        "nodes": [],
        "edges": [],
    }


def node(spec: dict[str, Any], node_id: str) -> dict[str, Any]:
    """The node with id `node_id` (raises DraftEditError when there is none)."""
    for found in spec.get("nodes", []):
        if found["id"] == node_id:
            return found
    raise DraftEditError(f"No node '{node_id}' in the pipeline.")


def new_node_id(spec: dict[str, Any], base: str) -> str:
    """`base` made into an id that no node of `spec` has yet (base, base_2, base_3...)."""
    stem = _NOT_ID.sub("_", base).strip("_")[:56] or "node"
    taken = {n["id"] for n in spec.get("nodes", [])}
    if stem not in taken:
        return stem
    number = 2
    while f"{stem}_{number}" in taken:
        number += 1
    return f"{stem}_{number}"


def _next_position(spec: dict[str, Any]) -> list[float]:
    placed = [n["position"] for n in spec.get("nodes", []) if n.get("position")]
    if not placed:
        return [0.0, float(len(spec.get("nodes", []))) * ROW_GAP]
    return [min(p[0] for p in placed), max(p[1] for p in placed) + ROW_GAP]


def _position(spec: dict[str, Any], position: Any) -> list[float]:
    if position is None:
        return _next_position(spec)
    return [float(position[0]), float(position[1])]


def add_component(
    spec: dict[str, Any],
    component: dict[str, Any],
    node_id: str | None = None,
    position: Any = None,
) -> tuple[dict[str, Any], str]:
    """Add a node of `component` (its spec dict, as /components gives it) with default params,
    at `position` ([x, y] on the canvas) or below the others."""
    new = copy.deepcopy(spec)
    node_id = node_id or new_node_id(new, component["id"])
    new["nodes"].append(
        {
            "id": node_id,
            "component": component["id"],
            "version": component["version"],
            "params": {},
            "comment": "",
            "compute": None,
            "regenerate": False,
            "timeout": None,
            "position": _position(spec, position),
        }
    )
    return new, node_id


def add_dataset(
    spec: dict[str, Any],
    dataset: str,
    version: int | None = None,
    node_id: str | None = None,
    position: Any = None,
) -> tuple[dict[str, Any], str]:
    """Add a dataset node (latest version when `version` is None)."""
    new = copy.deepcopy(spec)
    node_id = node_id or new_node_id(new, dataset)
    new["nodes"].append(
        {
            "id": node_id,
            "dataset": dataset,
            "dataset_version": version,
            "comment": "",
            "position": _position(spec, position),
        }
    )
    return new, node_id


def set_positions(spec: dict[str, Any], positions: dict[str, Any]) -> dict[str, Any]:
    """Move nodes: {node id: [x, y]}; ids no longer in the pipeline are ignored (a move can
    arrive after a delete)."""
    new = copy.deepcopy(spec)
    for item in new["nodes"]:
        if item["id"] in positions:
            x, y = positions[item["id"]]
            item["position"] = [float(x), float(y)]
    return new


def remove_items(
    spec: dict[str, Any], nodes: Iterable[str], edges: Iterable[tuple[str, str]] = ()
) -> dict[str, Any]:
    """Remove several nodes (with their edges) and edges (source, target) in one edit."""
    new = spec
    for node_id in nodes:
        new = remove_node(new, node_id)
    for source, target in edges:
        if any(e["source"] == source and e["target"] == target for e in new["edges"]):
            new = remove_edge(new, source, target)
    return new if new is not spec else copy.deepcopy(spec)


def remove_node(spec: dict[str, Any], node_id: str) -> dict[str, Any]:
    """Remove a node and every edge that touches it."""
    node(spec, node_id)
    new = copy.deepcopy(spec)
    new["nodes"] = [n for n in new["nodes"] if n["id"] != node_id]
    new["edges"] = [
        e
        for e in new["edges"]
        if _node_of(e["source"]) != node_id and _node_of(e["target"]) != node_id
    ]
    return new


def input_sources(spec: dict[str, Any], node_id: str) -> dict[str, str]:
    """{input port: "node.port" feeding it} for one node (the first edge when there are two)."""
    inputs = PipelineGraph.of_document(spec).inputs(node_id)
    return {port: edge.source for port, edge in inputs.items()}


def set_input(spec: dict[str, Any], node_id: str, port: str, source: str | None) -> dict[str, Any]:
    """Make `source` ("node.port") the one feed of `node_id.port`; None disconnects it."""
    node(spec, node_id)
    target = f"{node_id}.{port}"
    new = copy.deepcopy(spec)
    new["edges"] = [e for e in new["edges"] if e["target"] != target]
    if source:
        source_node = _node_of(source)
        node(spec, source_node)
        if source_node == node_id:
            raise DraftEditError(f"'{node_id}' cannot feed itself.")
        new["edges"].append({"source": source, "target": target})
    return new


def remove_edge(spec: dict[str, Any], source: str, target: str) -> dict[str, Any]:
    """Remove the edge `source` -> `target`."""
    new = copy.deepcopy(spec)
    kept = [e for e in new["edges"] if not (e["source"] == source and e["target"] == target)]
    if len(kept) == len(new["edges"]):
        raise DraftEditError(f"No edge {source} -> {target}.")
    new["edges"] = kept
    return new


def compatible_sources(
    spec: dict[str, Any], catalogue: dict[str, dict[str, Any]], node_id: str, kind: str
) -> list[str]:
    """Every "node.port" output of another node whose kind is `kind`, in node order.

    `catalogue` maps component id to its spec dict. Nodes downstream of `node_id` are left out,
    since feeding from them would make a cycle.
    """
    below = {node_id, *PipelineGraph.of_document(spec).downstream(node_id)}
    found = []
    for other in spec.get("nodes", []):
        if other["id"] in below:
            continue
        if "dataset" in other:
            if kind == DATASET_PORT:
                found.append(f"{other['id']}.{DATASET_PORT}")
            continue
        component = catalogue.get(other.get("component", ""))
        for port in (component or {}).get("outputs", []):
            if port["kind"] == kind:
                found.append(f"{other['id']}.{port['name']}")
    return found


def upstream_dataset(spec: dict[str, Any], node_id: str) -> dict[str, Any] | None:
    """The nearest dataset node above `node_id` along first inputs (for column suggestions)."""
    for above in PipelineGraph.of_document(spec).first_inputs(node_id, prefer=DATASET_PORT):
        found = node(spec, above)
        if "dataset" in found:
            return found
    return None


def set_param(spec: dict[str, Any], node_id: str, name: str, value: Any) -> dict[str, Any]:
    """Set one component parameter (None removes it, so the default applies)."""
    new = copy.deepcopy(spec)
    params = _component_node(new, node_id).setdefault("params", {})
    if value is None:
        params.pop(name, None)
    else:
        params[name] = value
    return new


def set_node_settings(spec: dict[str, Any], node_id: str, **settings: Any) -> dict[str, Any]:
    """Change a node's comment, compute target, regenerate flag or dataset version."""
    allowed = {"comment", "compute", "regenerate", "dataset_version", "timeout"}
    unknown = set(settings) - allowed
    if unknown:
        raise DraftEditError(f"Unknown node settings {sorted(unknown)}; known: {sorted(allowed)}.")
    new = copy.deepcopy(spec)
    node(new, node_id).update(settings)
    return new


def add_parameter(spec: dict[str, Any], name: str, kind: str, default: Any) -> dict[str, Any]:
    """Add a pipeline parameter (name, type float/int/string, default)."""
    name = name.strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", name):
        raise DraftEditError(
            f"Pipeline parameter name {name!r} is not allowed: use letters, "
            "digits and '_', starting with a letter or '_'."
        )
    if kind not in PARAMETER_TYPES:
        raise DraftEditError(
            f"Pipeline parameter type must be one of {list(PARAMETER_TYPES)}; got {kind!r}."
        )
    if any(p["name"] == name for p in spec.get("parameters", [])):
        raise DraftEditError(f"A pipeline parameter named {name!r} already exists.")
    new = copy.deepcopy(spec)
    new.setdefault("parameters", []).append({"name": name, "type": kind, "default": default})
    return new


def remove_parameter(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """Remove a pipeline parameter; parameters attached to it take its default as their value."""
    found = next((p for p in spec.get("parameters", []) if p["name"] == name), None)
    if found is None:
        raise DraftEditError(f"No pipeline parameter {name!r}.")
    new = copy.deepcopy(spec)
    new["parameters"] = [p for p in new["parameters"] if p["name"] != name]
    for other in new["nodes"]:
        if other.get("dataset_param") == name:
            _unbind_dataset(other, found["default"])
        for key, value in list(other.get("params", {}).items()):
            if param_ref(value) == name:
                if found["default"] is None:
                    del other["params"][key]
                else:
                    other["params"][key] = found["default"]
    return new


def attach_parameter(
    spec: dict[str, Any], node_id: str, name: str, parameter: str
) -> dict[str, Any]:
    """Attach component parameter `name` of `node_id` to pipeline parameter `parameter`."""
    if not any(p["name"] == parameter for p in spec.get("parameters", [])):
        raise DraftEditError(f"No pipeline parameter {parameter!r}; create it first.")
    return set_param(spec, node_id, name, {"$param": parameter})


def detach_parameter(spec: dict[str, Any], node_id: str, name: str) -> dict[str, Any]:
    """Give an attached parameter back its own value: the pipeline parameter's default."""
    current = _component_node(spec, node_id).get("params", {}).get(name)
    ref = param_ref(current)
    if ref is None:
        raise DraftEditError(f"Parameter {name!r} of '{node_id}' is not attached.")
    default = next((p["default"] for p in spec.get("parameters", []) if p["name"] == ref), None)
    return set_param(spec, node_id, name, default)


def promote_param(
    spec: dict[str, Any], node_id: str, name: str, kind: str, parameter: str | None = None
) -> dict[str, Any]:
    """ "Add to pipeline parameter": a new pipeline parameter (named after the component
    parameter unless `parameter` is given) whose default is the current value, attached.

    `kind` is the component parameter's type (int, float, bool; anything else is a string).
    """
    current = _component_node(spec, node_id).get("params", {}).get(name)
    if param_ref(current) is not None:
        raise DraftEditError(
            f"Parameter {name!r} of '{node_id}' is already attached to "
            f"pipeline parameter {param_ref(current)!r}."
        )
    parameter = parameter or _free_parameter_name(spec, name)
    new = add_parameter(spec, parameter, _PROMOTED_TYPE.get(kind, "string"), current)
    return attach_parameter(new, node_id, name, parameter)


def bind_dataset(
    spec: dict[str, Any], node_id: str, parameter: str | None = None
) -> dict[str, Any]:
    """ "Set as pipeline parameter" on a dataset node: a dataset parameter whose default is the
    node's dataset and version (a new one named `parameter`, or an existing dataset one)."""
    found = node(spec, node_id)
    if "dataset" not in found:
        raise DraftEditError(
            f"'{node_id}' is a component; only a dataset can be a dataset parameter."
        )
    existing = next((p for p in spec.get("parameters", []) if p["name"] == parameter), None)
    if existing is not None and existing["type"] != "dataset":
        raise DraftEditError(
            f"Pipeline parameter {parameter!r} is {existing['type']}, not a dataset."
        )
    new = spec
    if existing is None:
        parameter = parameter or _free_parameter_name(spec, "input")
        new = add_parameter(
            spec,
            parameter,
            "dataset",
            {"name": found["dataset"], "version": found.get("dataset_version")},
        )
    new = copy.deepcopy(new)
    node(new, node_id)["dataset_param"] = parameter
    return new


def unbind_dataset(spec: dict[str, Any], node_id: str) -> dict[str, Any]:
    """Detach a dataset node from its parameter; it keeps the parameter's current value."""
    found = node(spec, node_id)
    name = found.get("dataset_param")
    if not name:
        raise DraftEditError(f"'{node_id}' is not a pipeline parameter.")
    default = next(
        (p.get("default") for p in spec.get("parameters", []) if p["name"] == name), None
    )
    new = copy.deepcopy(spec)
    _unbind_dataset(node(new, node_id), default)
    return new


def _unbind_dataset(found: dict[str, Any], value: Any) -> None:
    found.pop("dataset_param", None)
    if isinstance(value, dict) and value.get("name"):
        found["dataset"], found["dataset_version"] = value["name"], value.get("version")
    elif isinstance(value, str) and value:
        found["dataset"], found["dataset_version"] = value, None


def _free_parameter_name(spec: dict[str, Any], base: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_]+", "_", base).strip("_") or "parameter"
    if stem[0].isdigit():
        stem = "_" + stem
    taken = {p["name"] for p in spec.get("parameters", [])}
    name, number = stem[:60], 2
    while name in taken:
        name, number = f"{stem[:56]}_{number}", number + 1
    return name


def issues_by_node(issues: Iterable[dict[str, Any]]) -> dict[str | None, list[dict[str, Any]]]:
    """Issues grouped by node id (None for the pipeline's own)."""
    grouped: dict[str | None, list[dict[str, Any]]] = {}
    for issue in issues:
        grouped.setdefault(issue.get("node"), []).append(issue)
    return grouped


def layout(spec: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """A position per node: its own when it has one, else by depth in the graph (rows) and
    order within the row (columns)."""
    depth = PipelineGraph.of_document(spec).depths()
    per_row: dict[int, int] = {}
    positions = {}
    for item in spec.get("nodes", []):
        if item.get("position"):
            positions[item["id"]] = (float(item["position"][0]), float(item["position"][1]))
            continue
        row = depth.get(item["id"], 0)
        column = per_row.get(row, 0)
        per_row[row] = column + 1
        positions[item["id"]] = (column * COLUMN_GAP, row * ROW_GAP)
    return positions


def _component_node(spec: dict[str, Any], node_id: str) -> dict[str, Any]:
    found = node(spec, node_id)
    if "component" not in found:
        raise DraftEditError(f"'{node_id}' is a dataset; it has no parameters.")
    return found


def _node_of(endpoint: str) -> str:
    return endpoint.partition(".")[0]


def set_default_compute(spec: dict[str, Any], target: str) -> dict[str, Any]:
    """Make `target` the compute target of every node that does not name its own."""
    new = copy.deepcopy(spec)
    new.setdefault("settings", {})["default_compute"] = target
    return new


def set_description(spec: dict[str, Any], description: str) -> dict[str, Any]:
    new = copy.deepcopy(spec)
    new["description"] = description
    return new
