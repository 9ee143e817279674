"""The designer's start: a new draft, an existing draft, a sample pipeline, or a clone of a run."""

from __future__ import annotations

import streamlit as st

from app.ui import client as ui
from app.ui import designer
from app.ui import draft_ops as ops
from app.ui.client import call, get_client


def render() -> None:
    client = get_client()
    drafts = call(client.drafts)
    samples = call(ui.templates)
    runs = call(client.runs, limit=50).runs
    new_col, sample_col, draft_col, run_col = st.columns(4)
    with new_col.container(border=True, height="stretch"):
        st.markdown("##### :material/add_circle: New pipeline")
        name = st.text_input("Name", value="My pipeline", key="start.name")
        if st.button("Create draft", key="start.create", type="primary"):
            if not name.strip():
                st.error("Name: give the pipeline a name.")
            else:
                designer.open_draft(
                    call(client.create_draft, name.strip(), ops.empty_spec(name.strip()))
                )
                st.rerun()
    with sample_col.container(border=True, height="stretch"):
        st.markdown("##### :material/school: Sample pipelines")
        ids = [s["id"] for s in samples]
        by_id = {s["id"]: s for s in samples}
        chosen = st.selectbox(
            "Sample", ids, format_func=lambda i: by_id[i]["name"], key="start.sample"
        )
        if chosen:
            st.caption(by_id[chosen]["description"])
        if st.button("Open as new draft", key="start.open_sample", disabled=not chosen):
            designer.open_draft(call(client.draft_from_template, chosen))
            st.rerun()
    with draft_col.container(border=True, height="stretch"):
        st.markdown("##### :material/edit_document: Your drafts")
        by_draft = {d.id: d for d in drafts}
        picked = st.selectbox(
            "Draft",
            list(by_draft),
            key="start.draft",
            format_func=lambda i: f"{by_draft[i].name} · {by_draft[i].updated_at:%Y-%m-%d %H:%M}",
            placeholder="No drafts yet",
        )
        if st.button("Open draft", key="start.open_draft", disabled=not picked):
            designer.open_draft(call(client.get_draft, picked))
            st.rerun()
    with run_col.container(border=True, height="stretch"):
        st.markdown("##### :material/content_copy: Clone a run")
        by_run = {r.id: r for r in runs}
        run_id = st.selectbox(
            "Run",
            list(by_run),
            key="start.run",
            format_func=lambda i: (
                f"{by_run[i].name} · {by_run[i].experiment} · {by_run[i].status.value}"
            ),
            placeholder="No runs yet",
        )
        if st.button("Clone into draft", key="start.clone", disabled=not run_id):
            designer.open_draft(call(client.clone, run_id))
            st.rerun()
