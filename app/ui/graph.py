"""The pipeline drawn with streamlit-agraph (vis-network): datasets and components as boxes,
edges labelled with port names, colours for validation state or step status."""

from __future__ import annotations

import json
from typing import Any

from streamlit_agraph import Config, Edge, Node
from streamlit_agraph import _agraph as agraph_component

from app.client import REUSED, StepStatus
from app.ui.draft_ops import layout

# (background, border) per state: a validation state, or a step's (storage.entities.step_state).
COLOURS: dict[str, tuple[str, str]] = {
    "dataset": ("#E3F2FD", "#1565C0"),
    "ok": ("#FFFFFF", "#2E7D32"),
    "issue": ("#FDECEA", "#C62828"),
    StepStatus.PENDING: ("#F5F5F5", "#9E9E9E"),
    StepStatus.QUEUED: ("#FFF8E1", "#F9A825"),
    StepStatus.RUNNING: ("#E3F2FD", "#1976D2"),
    StepStatus.COMPLETED: ("#E8F5E9", "#2E7D32"),
    REUSED: ("#E0F2F1", "#00796B"),
    StepStatus.FAILED: ("#FDECEA", "#C62828"),
    StepStatus.CANCELED: ("#EEEEEE", "#616161"),
}
STATUS_ICONS: dict[str, str] = {
    StepStatus.PENDING: "…",
    StepStatus.QUEUED: "⏳",
    StepStatus.RUNNING: "▶",
    StepStatus.COMPLETED: "✔",
    StepStatus.FAILED: "✖",
    StepStatus.CANCELED: "⊘",
    REUSED: "♻",
}
SCALE_X, SCALE_Y = 1.0, 1.1


def node_label(item: dict[str, Any], names: dict[str, str], status: str | None = None) -> str:
    """What the box says: the component's name (or dataset), the node id and its comment."""
    if "dataset" in item:
        version = item.get("dataset_version")
        title = f"{item['dataset']}" + (f" (v{version})" if version else "")
    else:
        title = names.get(item.get("component", ""), item.get("component", "?"))
    lines = [f"{STATUS_ICONS[status]} {title}" if status else title]
    kind = "dataset" if "dataset" in item else ""
    if item["id"] != title or kind:
        lines.append(" · ".join(x for x in (f"[{item['id']}]", kind) if x))
    comment = (item.get("comment") or "").strip()
    if comment:
        lines.append(f"“{comment[:40]}{'…' if len(comment) > 40 else ''}”")
    return "\n".join(lines)


def build(
    spec: dict[str, Any],
    names: dict[str, str],
    *,
    states: dict[str, str],
    selected: str | None = None,
    tooltips: dict[str, str] | None = None,
    icons: bool = True,
) -> tuple[list[Node], list[Edge]]:
    """agraph nodes and edges for `spec`.

    Args:
        spec: the pipeline spec.
        names: component id -> display name.
        states: node id -> a key of COLOURS (validation state or step status).
        selected: the node drawn with a thick border.
        tooltips: node id -> hover text.
        icons: prefix labels with the status icon of their state.
    """
    positions = layout(spec)
    tooltips = tooltips or {}
    nodes = []
    for item in spec.get("nodes", []):
        state = states.get(item["id"], "dataset" if "dataset" in item else "ok")
        background, border = COLOURS.get(state, COLOURS["ok"])
        x, y = positions[item["id"]]
        is_selected = item["id"] == selected
        status = state if icons and state in STATUS_ICONS else None
        nodes.append(
            Node(
                id=item["id"],
                label=node_label(item, names, status),
                shape="box",
                title=tooltips.get(item["id"], item["id"]),
                x=x * SCALE_X,
                y=y * SCALE_Y,
                color={
                    "background": background,
                    "border": border,
                    "highlight": {"background": background, "border": "#FF6F00"},
                },
                borderWidth=4 if is_selected else 2,
                margin=10,
                size=25,
                font={
                    "face": "Inter, Segoe UI, sans-serif",
                    "size": 15,
                    "multi": False,
                    "color": "#212121",
                },
                shapeProperties={"borderRadius": 6},
                widthConstraint={"minimum": 150, "maximum": 230},
            )
        )
    edges = []
    for edge in spec.get("edges", []):
        source_node, _, source_port = edge["source"].partition(".")
        target_node, _, target_port = edge["target"].partition(".")
        label = source_port if source_port == target_port else f"{source_port} → {target_port}"
        edges.append(
            Edge(
                source=source_node,
                target=target_node,
                label=label,
                color="#78909C",
                font={"size": 10, "color": "#546E7A", "strokeWidth": 3, "align": "middle"},
                smooth={"type": "cubicBezier", "forceDirection": "vertical", "roundness": 0.4},
                arrows="to",
            )
        )
    return nodes, edges


def config(height: int = 560) -> Config:
    """Fixed positions (no physics), zoom and drag allowed, the container's full width."""
    return Config(
        width="100%",
        height=height,
        directed=True,
        physics=False,
        hierarchical=False,
        interaction={"hover": True, "zoomView": True, "dragView": True, "navigationButtons": False},
        nodeHighlightBehavior=True,
    )


def draw(nodes: list[Node], edges: list[Edge], *, key: str, height: int = 560) -> str | None:
    """Draw the graph; the id of the node clicked last, if any.

    streamlit_agraph.agraph takes no key, so two graphs with the same data would clash; this
    calls its component the same way, with a key. Give a key that changes with the selection,
    so a new click on any node is reported.
    """
    cfg = config(height)
    cfg.width = "100%"
    data = {"nodes": [n.to_dict() for n in nodes], "edges": [e.to_dict() for e in edges]}
    return agraph_component(data=json.dumps(data), config=json.dumps(cfg.__dict__), key=key)
