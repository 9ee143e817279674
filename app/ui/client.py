"""The UI's one client of the control plane, shared across sessions (thread-safe httpx), and the
one place where its errors become a banner instead of a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from app.client import ClientError, FlowbenchClient

T = TypeVar("T")


@st.cache_resource
def get_client() -> FlowbenchClient:
    return FlowbenchClient.from_settings()


def call(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a client method; on failure show a clear banner and stop the page (no traceback)."""
    try:
        return function(*args, **kwargs)
    except ClientError as exc:
        show_error(exc)
        st.stop()
        raise  # st.stop() raises; this line only reassures type checkers


def show_error(exc: ClientError) -> None:
    """A banner for a refused or unanswered request, with the issues when there are some."""
    if exc.status == 0:
        st.error(
            f"**The control plane does not answer.** {exc.detail}", icon=":material/cloud_off:"
        )
        return
    text = exc.detail
    if exc.issues:
        text += "\n" + "\n".join(
            f"- **{i.get('node') or 'pipeline'}**: {i.get('message')}" for i in exc.issues
        )
    st.error(text, icon=":material/error:")


def attempt(function: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T | None, str | None]:
    """Call a client method from a callback: (result, None) or (None, the error text)."""
    try:
        return function(*args, **kwargs), None
    except ClientError as exc:
        return None, str(exc) if not exc.issues else str(exc) + " " + "; ".join(
            f"{i.get('node') or 'pipeline'}: {i.get('message')}" for i in exc.issues
        )


# Slow-changing lists, cached across reruns and sessions (the client is shared and thread-safe).


@st.cache_data(ttl=300, show_spinner=False)
def components() -> list[dict[str, Any]]:
    return get_client().components()


@st.cache_data(ttl=15, show_spinner=False)
def datasets() -> list[dict[str, Any]]:
    return [d.__dict__ for d in get_client().datasets()]


@st.cache_data(ttl=15, show_spinner=False)
def dataset_columns(name: str, version: int | None) -> list[dict[str, Any]]:
    versions = get_client().dataset_versions(name)
    chosen = next((v for v in versions if v.version == version), versions[-1] if versions else None)
    return chosen.columns if chosen else []


@st.cache_data(ttl=15, show_spinner=False)
def compute_targets() -> list[dict[str, Any]]:
    return get_client().compute_targets()


@st.cache_data(ttl=300, show_spinner=False)
def templates() -> list[dict[str, Any]]:
    return get_client().templates()
