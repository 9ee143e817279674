"""The pipeline graph: which node feeds which, and every walk over it.

This is the one place the graph of a pipeline is walked: parents and children, everything up- or
downstream of a node, the inputs of a node, and the order to run the nodes in. A graph comes from
a parsed spec (`PipelineSpec.graph`) or, for a draft still being edited (which need not parse),
from the document itself (`PipelineGraph.of_document`).
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from jobs.errors import PipelineCycleError


@dataclass(frozen=True)
class Edge:
    """`source` node.port feeds `target` node.port."""

    source_node: str
    source_port: str
    target_node: str
    target_port: str

    @property
    def source(self) -> str:
        return f"{self.source_node}.{self.source_port}"

    @property
    def target(self) -> str:
        return f"{self.target_node}.{self.target_port}"

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "target": self.target}

    @classmethod
    def between(cls, source: str, target: str) -> Edge:
        """The edge from endpoint `source` to endpoint `target` (each "node.port")."""
        source_node, _, source_port = source.partition(".")
        target_node, _, target_port = target.partition(".")
        return cls(source_node, source_port, target_node, target_port)


@dataclass(frozen=True)
class PipelineGraph:
    """The node ids of a pipeline (in document order) and its edges (in document order).

    Every walk is deterministic: it follows the document's order of nodes and edges.
    """

    nodes: tuple[str, ...]
    edges: tuple[Edge, ...] = ()

    @classmethod
    def of_document(cls, document: dict[str, Any]) -> PipelineGraph:
        """The graph of a pipeline document that may not parse (a draft being edited): nodes
        without a text id and edges without two "node.port" texts are left out."""
        nodes = [n.get("id") for n in _items(document, "nodes")]
        edges = [
            Edge.between(e["source"], e["target"])
            for e in _items(document, "edges")
            if isinstance(e.get("source"), str) and isinstance(e.get("target"), str)
        ]
        return cls(tuple(n for n in nodes if isinstance(n, str)), tuple(edges))

    def parents(self, node_id: str) -> list[str]:
        """The nodes that feed `node_id` directly, each once."""
        return list(dict.fromkeys(e.source_node for e in self.edges if e.target_node == node_id))

    def children(self, node_id: str) -> list[str]:
        """The nodes `node_id` feeds directly, each once."""
        return list(dict.fromkeys(e.target_node for e in self.edges if e.source_node == node_id))

    def inputs(self, node_id: str) -> dict[str, Edge]:
        """{input port: the edge feeding it} for `node_id` (the first edge when there are two)."""
        found: dict[str, Edge] = {}
        for edge in self.edges:
            if edge.target_node == node_id:
                found.setdefault(edge.target_port, edge)
        return found

    def upstream(self, node_id: str) -> list[str]:
        """Every node that feeds `node_id`, directly or not: nearest first (breadth-first)."""
        return self._reach(node_id, self.parents)

    def downstream(self, node_id: str) -> list[str]:
        """Every node fed by `node_id`, directly or not: nearest first (breadth-first)."""
        return self._reach(node_id, self.children)

    def first_inputs(self, node_id: str, prefer: str) -> Iterator[str]:
        """`node_id`, then the node feeding its input `prefer` (else its first input), and so
        on up: one line of ancestors, ending at a node without inputs or where it loops."""
        seen: set[str] = set()
        current: str | None = node_id
        while current is not None and current not in seen:
            seen.add(current)
            yield current
            inputs = self.inputs(current)
            edge = inputs.get(prefer) or next(iter(inputs.values()), None)
            current = edge.source_node if edge else None

    def depths(self) -> dict[str, int]:
        """Per node, the length of the longest line of nodes feeding it (0 for a node without
        inputs): the row of a layered layout. A draft may hold a cycle; it is cut where the
        walk comes back to a node it is on."""
        depth: dict[str, int] = {}
        known = set(self.nodes)

        def depth_of(node_id: str, trail: frozenset[str]) -> int:
            if node_id not in depth:
                above = [p for p in self.parents(node_id) if p in known and p not in trail]
                depth[node_id] = 1 + max(
                    (depth_of(p, trail | {node_id}) for p in above), default=-1
                )
            return depth[node_id]

        for node_id in self.nodes:
            depth_of(node_id, frozenset())
        return depth

    def order(self) -> list[str]:
        """Every node id, each after the nodes feeding it (ids named only by an edge too).

        The same document always gives the same order. Raises PipelineCycleError, naming one
        cycle, when there is no order.
        """
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for node_id in self.nodes:
            sorter.add(node_id)
        for edge in self.edges:
            sorter.add(edge.target_node, edge.source_node)
        try:
            return list(sorter.static_order())
        except graphlib.CycleError as exc:
            raise PipelineCycleError(list(exc.args[1])) from exc

    def _reach(self, node_id: str, step: Callable[[str], list[str]]) -> list[str]:
        found: dict[str, None] = {}
        frontier = [node_id]
        while frontier:
            following = []
            for current in frontier:
                for other in step(current):
                    if other != node_id and other not in found:
                        found[other] = None
                        following.append(other)
            frontier = following
        return list(found)


def _items(document: dict[str, Any], key: str) -> Iterable[dict[str, Any]]:
    items = document.get(key)
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
