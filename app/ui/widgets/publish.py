"""Publish a draft or a finished run's pipeline as a new version of a pipeline endpoint."""

from __future__ import annotations

import streamlit as st

from app.ui.client import attempt, get_client

KEYS = "pipelines.keys"  # {endpoint: key} shown in this session after publish or regenerate
NEW = "(new endpoint)"


def publish_form(
    key: str, *, draft_id: str | None = None, run_id: str | None = None, suggested: str = ""
) -> None:
    """The form; on success a link to the endpoint, and its key when the endpoint is new."""
    client = get_client()
    existing, _ = attempt(client.pipelines)
    names = [NEW, *(e["name"] for e in existing or [])]
    with st.form(key, border=False):
        chosen = st.selectbox(
            "Pipeline endpoint",
            names,
            key=key + ".endpoint",
            help="A new endpoint, or a new version of an existing one",
        )
        new_name = st.text_input("New endpoint name", value=suggested, key=key + ".name")
        description = st.text_input("Description", key=key + ".description")
        make_default = st.checkbox(
            "Set as default pipeline for this endpoint", value=True, key=key + ".default"
        )
        if not st.form_submit_button("Publish", type="primary", icon=":material/publish:"):
            return
    name = new_name.strip() if chosen == NEW else chosen
    answer, error = attempt(
        client.publish,
        name,
        draft_id=draft_id,
        run_id=run_id,
        description=description,
        make_default=make_default,
    )
    if error:
        st.error(error)
        return
    if answer.get("key"):
        st.session_state.setdefault(KEYS, {})[name] = answer["key"]
    st.success(
        f"Published {name} version {answer['version']} (default version "
        f"{answer['endpoint']['default_version']})."
    )
    st.page_link(
        "views/pipeline_endpoints.py",
        label=f"Open pipeline endpoint {name}",
        query_params={"endpoint": name},
        icon=":material/cloud_sync:",
    )


def endpoint_name(title: str) -> str:
    """A pipeline endpoint name made from a pipeline's title: "Car price (v2)" -> car-price-v2."""
    return "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())[:64]
