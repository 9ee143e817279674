"""The designer's canvas: draws the open draft and applies the canvas's events to it.

Every event arrives in the component's on_change callback, before the page reruns, and goes
through `designer.apply` (the draft ops, autosave, revalidation, undo history), so the page
draws the saved result in the same rerun.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.ui import canvas, designer, state
from app.ui import client as ui
from app.ui.canvas.events import edit_for
from app.ui.draft_ops import DraftEditError
from app.ui.widgets.palette import grouped


def on_event() -> bool:
    """Apply the canvas's newest event to the open draft (once per event); whether it was new."""
    event = st.session_state.get(state.CANVAS)
    if not isinstance(event, dict) or event.get("seq") == st.session_state.get(state.CANVAS_SEQ):
        return False
    st.session_state[state.CANVAS_SEQ] = event.get("seq")
    _apply(event)
    return True


def _apply(event: dict[str, Any]) -> None:
    kind = event.get("type")
    if kind == "select":
        st.session_state[state.SELECTED] = event.get("node")
        return
    if kind == "guide":
        st.session_state[state.GUIDE] = True
        return
    catalogue = {c["id"]: c for c in ui.components()}
    try:
        edit = edit_for(event, catalogue)
    except DraftEditError as exc:
        designer.flash("error", str(exc))
        return
    if edit is None:
        return
    function, args, kwargs = edit
    selected = st.session_state.get(state.SELECTED)
    designer.apply(function, *args, **kwargs)
    if kind == "delete" and selected in event.get("nodes", []):
        st.session_state[state.SELECTED] = None


def render(
    spec: dict[str, Any],
    catalogue: dict[str, dict[str, Any]],
    datasets: list[dict[str, Any]],
    issues: dict[str | None, list[dict[str, Any]]],
    height: int = 640,
) -> None:
    nodes = canvas.canvas_nodes(spec, catalogue, issues=issues)
    canvas.draw(
        nodes=nodes,
        edges=canvas.canvas_edges(spec),
        key=state.CANVAS,
        mode="edit",
        selected=st.session_state.get(state.SELECTED),
        palette=canvas.palette_groups(grouped(list(catalogue.values()), ""), datasets),
        fit=f"{st.session_state.get(state.DRAFT_ID)}.{st.session_state.get(state.CANVAS_FIT)}",
        height=height,
        on_change=on_event,
    )
