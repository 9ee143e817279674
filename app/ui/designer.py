"""The designer's session: the open draft, autosave after every edit, undo, validation issues.

Edits are the pure functions of app.ui.draft_ops; `apply` runs one on the open draft's spec,
saves the result as the draft's next revision (autosave) and refreshes the validation issues.
Callbacks report problems through a one-time message (FLASH) instead of raising.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app.client import ClientError, Draft
from app.ui import draft_ops as ops
from app.ui import state
from app.ui.client import attempt, get_client
from app.ui.draft_ops import DraftEditError


def flash(kind: str, text: str) -> None:
    st.session_state[state.FLASH] = (kind, text)


def show_flash() -> None:
    kind, text = st.session_state.pop(state.FLASH, (None, None))
    if kind == "error":
        st.error(text, icon=":material/error:")
    elif kind == "success":
        st.toast(text, icon=":material/check_circle:")
    elif kind:
        st.info(text)


def current() -> dict[str, Any] | None:
    """The open draft: id, name, spec, revision, source_run_id (None when none is open)."""
    return st.session_state.get(state.DRAFT)


def open_draft(draft: Draft, *, select: str | None = None) -> None:
    """Make `draft` the open one (forms start afresh) and validate it."""
    st.session_state[state.DRAFT] = {
        "id": draft.id,
        "name": draft.name,
        "spec": draft.spec,
        "revision": draft.revision,
        "source_run_id": draft.source_run_id,
    }
    st.session_state[state.DRAFT_ID] = draft.id
    st.session_state[state.SELECTED] = select
    st.session_state[state.FORM_GEN] = st.session_state.get(state.FORM_GEN, 0) + 1
    st.session_state[state.FIELD_ERRORS] = {}
    refit()
    refresh_issues()


def refit() -> None:
    """Make the canvas fit the pipeline into view on its next draw."""
    st.session_state[state.CANVAS_FIT] = st.session_state.get(state.CANVAS_FIT, 0) + 1


def close_draft() -> None:
    for key in (state.DRAFT, state.DRAFT_ID, state.SELECTED, state.ISSUES):
        st.session_state.pop(key, None)


def refresh_issues() -> None:
    draft = current()
    if draft is None:
        return
    checked, error = attempt(get_client().validate, draft["spec"])
    if error:
        flash("error", f"Validation failed: {error}")
        return
    st.session_state[state.ISSUES] = [i.model_dump() for i in checked.issues]
    st.session_state[state.WARNINGS] = [i.model_dump() for i in checked.warnings]
    st.session_state[state.COLUMNS] = checked.columns


def issues() -> list[dict[str, Any]]:
    return st.session_state.get(state.ISSUES, [])


def warnings() -> list[dict[str, Any]]:
    return st.session_state.get(state.WARNINGS, [])


def reaching_columns(spec: dict[str, Any], node_id: str, port: str | None) -> list[str] | None:
    """The column names that reach input `port` of `node_id`, as the last validation inferred
    them (None when unknown or unconnected)."""
    source = ops.input_sources(spec, node_id).get(port or "")
    if source is None:
        return None
    source_node, _, source_port = source.partition(".")
    return st.session_state.get(state.COLUMNS, {}).get(source_node, {}).get(source_port)


def apply(edit: Callable[..., Any], *args: Any, select: str | None = None, **kwargs: Any) -> bool:
    """Run `edit(spec, *args, **kwargs)` on the open draft, save it and revalidate.

    An edit may return the new spec or (new spec, new node id); the new node is then selected.
    """
    draft = current()
    if draft is None:
        flash("error", "Open or start a draft first.")
        return False
    try:
        result = edit(draft["spec"], *args, **kwargs)
    except DraftEditError as exc:
        flash("error", str(exc))
        return False
    spec, new_node = result if isinstance(result, tuple) else (result, None)
    saved, error = attempt(
        get_client().save_draft, draft["id"], spec, expected_revision=draft["revision"]
    )
    if error:
        flash("error", f"Not saved: {error}")
        return False
    draft.update(spec=saved.spec, revision=saved.revision, name=saved.name)
    if new_node or select:
        st.session_state[state.SELECTED] = new_node or select
    refresh_issues()
    return True


def undo() -> None:
    """Go back to the draft's previous revision (the control plane keeps the history)."""
    draft = current()
    if draft is None:
        return
    try:
        restored = get_client().undo_draft(draft["id"])
    except ClientError as exc:
        flash("error", f"Nothing undone: {exc}")
        return
    selected = st.session_state.get(state.SELECTED)
    keep = selected if any(n["id"] == selected for n in restored.spec.get("nodes", [])) else None
    open_draft(restored, select=keep)
    flash("success", f"Undone: back to revision {restored.revision}.")


def rename(name: str) -> None:
    draft = current()
    if draft is None or not name.strip():
        return
    saved, error = attempt(
        get_client().save_draft,
        draft["id"],
        draft["spec"],
        name=name.strip(),
        expected_revision=draft["revision"],
    )
    if error:
        flash("error", f"Not renamed: {error}")
        return
    draft.update(name=saved.name, revision=saved.revision, spec=saved.spec)
