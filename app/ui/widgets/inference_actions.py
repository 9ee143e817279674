"""A completed run's inference actions: make its real-time or batch inference pipeline (a draft
opened in the Designer), or deploy it as a real-time endpoint."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.client import RunStatus
from app.ui import designer, state
from app.ui.client import attempt, get_client


def render(run: Any) -> None:
    if run.status is not RunStatus.COMPLETED:
        return
    components = {n.get("component") for n in run.spec.get("nodes", [])}
    training = "train_model" in components
    realtime = "web_service_input" in components
    if not (training or realtime):
        return
    client = get_client()
    # A row that wraps, as the run's other actions: two equal columns cut the menu's label.
    actions = st.container(horizontal=True, wrap=True)
    if training:
        # The designer's "Create inference pipeline" menu: real-time or batch.
        with actions.popover("Create inference pipeline", icon=":material/bolt:"):
            for kind, label in (
                ("realtime", "Create real-time inference pipeline"),
                ("batch", "Create batch inference pipeline"),
            ):
                if st.button(label, key=f"run.inference.{kind}", width="stretch"):
                    draft, error = attempt(client.inference_pipeline, run.id, kind)
                    if error:
                        st.error(error)
                    else:
                        designer.open_draft(draft)
                        st.switch_page("views/designer.py")
    if actions.button(
        "Deploy",
        key="run.deploy",
        icon=":material/rocket_launch:",
        type="primary",
        help="Deploy as a real-time endpoint"
        + (" (its real-time inference pipeline is made and run first)" if training else ""),
    ):
        st.session_state[state.DEPLOY_RUN] = run.id
        st.switch_page("views/endpoints.py")
