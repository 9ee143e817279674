"""A run's actions: clone into a draft, cancel, resubmit with other parameter values, compare."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.client import RunStatus
from app.ui import designer, state
from app.ui.client import attempt, get_client
from app.ui.widgets import pipeline_values, publish


def render(run: Any) -> None:
    client = get_client()
    # A row that wraps, each button as wide as its label: four equal columns beside the graph
    # cut the labels to "Can…" and "R…" on a 1400-pixel screen.
    actions = st.container(horizontal=True, wrap=True)
    if actions.button(
        "Clone",
        key="run.clone",
        icon=":material/content_copy:",
        help="Copy this run's pipeline into a new draft",
    ):
        draft, error = attempt(client.clone, run.id)
        if error:
            st.error(error)
        else:
            designer.open_draft(draft)
            st.switch_page("views/designer.py")
    if actions.button(
        "Cancel",
        key="run.cancel",
        icon=":material/stop_circle:",
        disabled=run.status.is_terminal,
    ):
        _, error = attempt(client.cancel, run.id)
        if error:
            st.error(error)
        else:
            st.rerun()
    with actions.popover("Rerun", icon=":material/replay:"):
        _resubmit(run)
    if actions.button("Compare", key="run.compare", icon=":material/compare_arrows:"):
        st.session_state[state.COMPARE] = (run.id, None)
        st.switch_page("views/compare.py")
    if run.status is RunStatus.COMPLETED:
        with st.popover("Publish as pipeline endpoint", icon=":material/publish:", width="stretch"):
            st.caption("This run's pipeline, with its parameter values as defaults.")
            publish.publish_form(
                "run.publish", run_id=run.id, suggested=publish.endpoint_name(run.name)
            )


def _resubmit(run: Any) -> None:
    """Submit the run's pipeline again with other pipeline parameter values."""
    declared = run.spec.get("parameters", [])
    with st.form("run.resubmit", border=False):
        values = pipeline_values.value_inputs(declared, run.parameters, "resubmit")
        if not declared:
            st.caption("This pipeline has no pipeline parameters; it runs as it was.")
        experiment = st.text_input("Experiment", value=run.experiment, key="resubmit.experiment")
        force = st.checkbox("Force rerun (no reuse)", key="resubmit.force")
        if not st.form_submit_button("Submit again", type="primary"):
            return
    new_run, error = attempt(
        get_client().submit,
        run.spec,
        experiment=experiment,
        parameters=values,
        force_rerun=force,
        name=run.name,
        source="ui",
    )
    if error:
        st.error(error)
        return
    st.session_state[state.RUN_ID] = new_run.id
    st.session_state[state.RUN_STEP] = None
    st.query_params["run"] = new_run.id
    st.rerun()
