"""The pipeline spec: plain, versioned JSON, parsed into frozen dataclasses.

A document looks like::

    {"schema_version": 1, "name": "Automobile price", "description": "",
     "parameters": [{"name": "fraction", "type": "float", "default": 0.7},
                    {"name": "input", "type": "dataset",
                     "default": {"name": "automobile-price", "version": null}}],
     "settings": {"default_compute": "default"},
     "nodes": [
        {"id": "cars", "dataset": "automobile-price", "dataset_version": null,
         "dataset_param": "input"},
        {"id": "split", "component": "split_data", "version": 1,
         "params": {"fraction": {"$param": "fraction"}}, "comment": "", "compute": null,
         "regenerate": false, "position": [120, 40]}],
     "edges": [{"source": "cars.dataset", "target": "split.dataset"}]}

A dataset node with `dataset_param` is bound to a pipeline parameter of type dataset (or string):
a run's value for it (`{"name": ..., "version": ...}`, or a dataset name for its latest version)
replaces the node's own dataset, which is the default (`bind_datasets`).

`from_dict` checks the shape only and raises `SpecFormatError` naming the path of the first
problem; meaning (components, ports, parameters, cycles) is `jobs.validate`'s job. Walks over the
graph (up- and downstream, the order to run in) are `jobs.graph`'s, through `PipelineSpec.graph`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, NotRequired, get_args

# typing's own TypedDict lacks what pydantic needs to describe it before Python 3.12.
from typing_extensions import TypedDict

from jobs.defaults import DEFAULT_COMPUTE
from jobs.errors import SpecFormatError
from jobs.graph import Edge, PipelineGraph

SCHEMA_VERSION = 1
DATASET_PORT = "dataset"  # the one output port of a dataset node
# The output port a model is registered from (Train Model's, and every trainer's).
MODEL_PORT = "trained_model"
# The types of a pipeline parameter, in the order the designer offers them.
ParameterType = Literal["float", "int", "string", "bool", "dataset"]
PARAMETER_TYPES: tuple[str, ...] = get_args(ParameterType)
_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-]{0,63}$")


@dataclass(frozen=True)
class Node:
    """A component node (`component` set) or a dataset node (`dataset` set)."""

    id: str
    component: str | None = None
    version: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    dataset: str | None = None
    dataset_version: int | None = None
    # A dataset node may take its dataset's name from a string pipeline parameter (a batch
    # inference pipeline scores whichever dataset a run names); `dataset` is then the default.
    dataset_param: str | None = None
    comment: str = ""
    compute: str | None = None
    regenerate: bool = False
    timeout: int | None = None
    position: tuple[float, float] | None = None

    @property
    def is_dataset(self) -> bool:
        return self.dataset is not None

    @property
    def component_id(self) -> str:
        """The component of a component node (asking a dataset node is a programming error)."""
        if self.component is None:
            raise TypeError(f"Node {self.id!r} is a dataset node, not a component node.")
        return self.component

    @property
    def dataset_name(self) -> str:
        """The dataset of a dataset node (asking a component node is a programming error)."""
        if self.dataset is None:
            raise TypeError(f"Node {self.id!r} is a component node, not a dataset node.")
        return self.dataset

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id}
        if self.is_dataset:
            data.update(dataset=self.dataset, dataset_version=self.dataset_version)
            if self.dataset_param is not None:
                data["dataset_param"] = self.dataset_param
        else:
            data.update(
                component=self.component,
                version=self.version,
                params=self.params,
                compute=self.compute,
                regenerate=self.regenerate,
                timeout=self.timeout,
            )
        data["comment"] = self.comment
        data["position"] = list(self.position) if self.position else None
        return data


@dataclass(frozen=True)
class PipelineParameter:
    """A pipeline-level parameter that component parameters can be attached to."""

    name: str
    type: str
    default: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "default": self.default}


@dataclass(frozen=True)
class PipelineSpec:
    """A whole pipeline; `to_dict(from_dict(d))` round-trips."""

    name: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...] = ()
    parameters: tuple[PipelineParameter, ...] = ()
    description: str = ""
    default_compute: str = DEFAULT_COMPUTE
    schema_version: int = SCHEMA_VERSION

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def get_node(self, node_id: str) -> Node:
        """The node with that id, which the caller knows is there (else KeyError)."""
        node = self.node(node_id)
        if node is None:
            raise KeyError(f"No node {node_id!r} in pipeline {self.name!r}.")
        return node

    @cached_property
    def graph(self) -> PipelineGraph:
        """Its nodes and edges as a graph: up- and downstream, inputs, the order to run in."""
        return PipelineGraph(tuple(n.id for n in self.nodes), self.edges)

    def parameter(self, name: str) -> PipelineParameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def with_node(self, node: Node) -> PipelineSpec:
        """A copy with `node` replacing the node of the same id."""
        return replace(self, nodes=tuple(node if n.id == node.id else n for n in self.nodes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "name": self.name,
            "description": self.description,
            "parameters": [p.to_dict() for p in self.parameters],
            "settings": {"default_compute": self.default_compute},
            "nodes": [n.to_dict() for n in self.nodes],
            "edges": [e.to_dict() for e in self.edges],
        }

    @classmethod
    def from_dict(cls, data: Any) -> PipelineSpec:
        """Parse a pipeline document; raise SpecFormatError naming the first bad path."""
        doc = _expect(data, dict, "pipeline", "an object")
        version = doc.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise SpecFormatError(
                f"schema_version: this Flowbench reads version {SCHEMA_VERSION}; got {version!r}"
            )
        settings = _expect(doc.get("settings", {}), dict, "settings", "an object")
        return cls(
            name=_text(doc.get("name", "Untitled pipeline"), "name"),
            description=_text(doc.get("description", ""), "description"),
            default_compute=_text(
                settings.get("default_compute", DEFAULT_COMPUTE), "settings.default_compute"
            ),
            nodes=tuple(
                _node(n, f"nodes[{i}]")
                for i, n in enumerate(_expect(doc.get("nodes"), list, "nodes", "a list"))
            ),
            edges=tuple(
                _edge(e, f"edges[{i}]")
                for i, e in enumerate(_expect(doc.get("edges", []), list, "edges", "a list"))
            ),
            parameters=tuple(
                _parameter(p, f"parameters[{i}]")
                for i, p in enumerate(
                    _expect(doc.get("parameters", []), list, "parameters", "a list")
                )
            ),
        )


# -- the document's shape, as types (the API's OpenAPI schema is made from these) -----------
# `from_dict` is the check that runs; keep these beside it (tests/jobs/test_pipeline.py checks
# that every document it writes fits them).


class DatasetNodeDocument(TypedDict):
    """A dataset node: one output, `dataset`; bound to a dataset parameter by `dataset_param`."""

    id: str
    dataset: str
    dataset_version: NotRequired[int | None]
    dataset_param: NotRequired[str | None]
    comment: NotRequired[str | None]
    position: NotRequired[tuple[float, float] | None]


class ComponentNodeDocument(TypedDict):
    """A component node; a parameter value may be `{"$param": name}` (a pipeline parameter)."""

    id: str
    component: str
    version: NotRequired[int | None]
    params: NotRequired[dict[str, Any]]
    comment: NotRequired[str | None]
    compute: NotRequired[str | None]
    regenerate: NotRequired[bool]
    timeout: NotRequired[int | None]
    position: NotRequired[tuple[float, float] | None]


class EdgeDocument(TypedDict):
    """Output `source` ("node.port") feeds input `target` ("node.port")."""

    source: str
    target: str


class ParameterDocument(TypedDict):
    """A pipeline parameter; a dataset one's default is `{"name": ..., "version": ...}`."""

    name: str
    type: NotRequired[ParameterType]
    default: NotRequired[Any]


class SettingsDocument(TypedDict, total=False):
    default_compute: str


class PipelineDocument(TypedDict):
    """A pipeline spec document (jobs.pipeline), as the designer saves and the API takes it."""

    schema_version: NotRequired[Literal[1]]
    name: NotRequired[str]
    description: NotRequired[str]
    parameters: NotRequired[list[ParameterDocument]]
    settings: NotRequired[SettingsDocument]
    nodes: list[ComponentNodeDocument | DatasetNodeDocument]
    edges: NotRequired[list[EdgeDocument]]


def dataset_value(value: Any) -> tuple[str, int | None] | None:
    """(name, version or None) of a dataset parameter's value, or None when it is malformed.

    A value is `{"name": "my-cars", "version": 2}` (version optional: the latest) or, as a
    shorthand, the dataset name alone.
    """
    if isinstance(value, str) and value:
        return value, None
    if not isinstance(value, dict) or not set(value) <= {"name", "version"}:
        return None
    name, version = value.get("name"), value.get("version")
    if not isinstance(name, str) or not name:
        return None
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        return None
    return name, version


def bind_datasets(spec: PipelineSpec, values: dict[str, Any]) -> PipelineSpec:
    """`spec` with each dataset node bound to a dataset parameter pointing at its value.

    Nodes whose parameter is unknown or whose value is malformed keep their own dataset
    (validation reports those).
    """
    bound = spec
    for node in spec.nodes:
        if node.is_dataset and node.dataset_param is not None:
            found = dataset_value(values.get(node.dataset_param))
            if found is not None:
                bound = bound.with_node(replace(node, dataset=found[0], dataset_version=found[1]))
    return bound


def param_ref(value: Any) -> str | None:
    """The pipeline parameter a component parameter value is attached to, if any."""
    if isinstance(value, dict) and set(value) == {"$param"} and isinstance(value["$param"], str):
        return value["$param"]
    return None


def _node(data: Any, path: str) -> Node:
    data = _expect(data, dict, path, "an object")
    node_id = _text(data.get("id"), f"{path}.id")
    if not _ID.match(node_id):
        raise SpecFormatError(
            f"{path}.id: expected letters, digits, '_' or '-' (at most 64); got {node_id!r}"
        )
    position = data.get("position")
    if position is not None:
        position = _expect(position, list, f"{path}.position", "[x, y]")
        if len(position) != 2 or not all(isinstance(v, (int, float)) for v in position):
            raise SpecFormatError(f"{path}.position: expected [x, y]; got {position!r}")
        position = (float(position[0]), float(position[1]))
    common = {
        "id": node_id,
        "comment": _text(data.get("comment") or "", f"{path}.comment"),
        "position": position,
    }
    if ("dataset" in data) == ("component" in data):
        raise SpecFormatError(f"{path}: a node has either 'component' or 'dataset'")
    if "dataset" in data:
        dataset_param = data.get("dataset_param")
        return Node(
            dataset=_text(data["dataset"], f"{path}.dataset"),
            dataset_version=_optional_int(data.get("dataset_version"), f"{path}.dataset_version"),
            dataset_param=None
            if dataset_param in (None, "")
            else _text(dataset_param, f"{path}.dataset_param"),
            **common,
        )
    compute = data.get("compute")
    return Node(
        component=_text(data["component"], f"{path}.component"),
        version=_optional_int(data.get("version"), f"{path}.version"),
        params=dict(_expect(data.get("params", {}), dict, f"{path}.params", "an object")),
        compute=None if compute in (None, "") else _text(compute, f"{path}.compute"),
        regenerate=_bool(data.get("regenerate", False), f"{path}.regenerate"),
        timeout=_optional_int(data.get("timeout"), f"{path}.timeout"),
        **common,
    )


def _edge(data: Any, path: str) -> Edge:
    data = _expect(data, dict, path, "an object")
    ends = []
    for end in ("source", "target"):
        text = _text(data.get(end), f"{path}.{end}")
        node, dot, port = text.partition(".")
        if not dot or not node or not port:
            raise SpecFormatError(f"{path}.{end}: expected 'node.port'; got {text!r}")
        ends.append((node, port))
    return Edge(ends[0][0], ends[0][1], ends[1][0], ends[1][1])


def _parameter(data: Any, path: str) -> PipelineParameter:
    data = _expect(data, dict, path, "an object")
    name = _text(data.get("name"), f"{path}.name")
    kind = data.get("type", "string")
    if kind not in PARAMETER_TYPES:
        raise SpecFormatError(f"{path}.type: expected one of {list(PARAMETER_TYPES)}; got {kind!r}")
    return PipelineParameter(name=name, type=kind, default=data.get("default"))


def _expect(value: Any, kind: type, path: str, what: str) -> Any:
    if not isinstance(value, kind):
        raise SpecFormatError(f"{path}: expected {what}; got {_describe(value)}")
    return value


def _text(value: Any, path: str) -> str:
    return _expect(value, str, path, "text")


def _bool(value: Any, path: str) -> bool:
    return _expect(value, bool, path, "true or false")


def _optional_int(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecFormatError(f"{path}: expected a whole number or null; got {_describe(value)}")
    return value


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"[:80]
