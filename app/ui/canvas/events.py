"""The canvas's events as draft edits: which app.ui.draft_ops function, with which arguments.

An event is {"seq": unique text, "type": ..., ...}; `edit_for` returns (edit, args, kwargs)
for `designer.apply`, or None for events that change no draft (select, guide).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.ui import draft_ops as ops

Edit = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def edit_for(event: dict[str, Any], catalogue: dict[str, dict[str, Any]]) -> Edit | None:
    """The draft edit an event asks for (raises DraftEditError for an unknown component)."""
    kind = event.get("type")
    if kind == "connect":
        target_node, _, target_port = event["target"].partition(".")
        return ops.set_input, (target_node, target_port, event["source"]), {}
    if kind == "move":
        return ops.set_positions, (event["positions"],), {}
    if kind == "delete":
        edges = [(e["source"], e["target"]) for e in event.get("edges", [])]
        return ops.remove_items, (list(event.get("nodes", [])), edges), {}
    if kind == "add":
        position = event.get("position")
        if "dataset" in event:
            return ops.add_dataset, (event["dataset"],), {"position": position}
        component = catalogue.get(event.get("component", ""))
        if component is None:
            raise ops.DraftEditError(f"No component '{event.get('component')}' in the library.")
        return ops.add_component, (component,), {"position": position}
    return None
