"""Flowbench's pipeline canvas: a Streamlit component of its own on React Flow.

The React source is in `frontend/` (built with npm and Vite); the built files in
`frontend/dist/` ship inside the package, so running the UI needs no npm and loads nothing from
the internet. Python sends the pipeline (nodes with their typed ports, edges, states) and gets
back one event per user action, which `app.ui.canvas.events` turns into a draft edit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit.components.v1 as components

from app.ui.canvas.payload import canvas_edges, canvas_nodes, palette_groups

DIST = Path(__file__).parent / "frontend" / "dist"
_component = components.declare_component("flowbench_canvas", path=str(DIST))

__all__ = ["DIST", "canvas_edges", "canvas_nodes", "draw", "palette_groups"]


def draw(
    *,
    nodes: list[dict[str, Any]],
    edges: list[dict[str, str]],
    key: str,
    mode: str = "edit",
    selected: str | None = None,
    palette: list[dict[str, Any]] | None = None,
    fit: Any = 0,
    height: int = 640,
    on_change: Callable[[], None] | None = None,
) -> dict[str, Any] | None:
    """Draw the canvas; its last event ({"seq", "type", ...}) or None.

    Args:
        nodes, edges: from `canvas_nodes` and `canvas_edges`.
        key: a stable key (the canvas keeps its zoom and pan while the key stays).
        mode: "edit" (palette, wiring, moving, deleting) or "view" (a run: click only).
        selected: the node drawn as selected.
        palette: from `palette_groups` (edit mode).
        fit: change it to make the canvas fit the pipeline into view (after undo, opening).
        on_change: called with the new event in st.session_state[key], before the rerun.
    """
    body = json.dumps([nodes, edges, selected], sort_keys=True, default=str)
    revision = hashlib.sha1(body.encode()).hexdigest()[:16]
    return _component(
        mode=mode,
        nodes=nodes,
        edges=edges,
        selected=selected,
        palette=palette,
        fit=fit,
        height=height,
        revision=revision,
        key=key,
        default=None,
        on_change=on_change,
    )
