"""Designer: build a pipeline on the canvas (palette, typed ports, wires), set parameters in the
properties pane, validate, submit."""

import streamlit as st

from app.ui import client as ui
from app.ui import designer, state
from app.ui import draft_ops as ops
from app.ui.client import call
from app.ui.widgets import (
    algorithm_guide,
    canvas_editor,
    draft_picker,
    pipeline_panel,
    properties,
    publish,
)

canvas_editor.on_event()  # one the callback has not applied (AppTest sets the value directly)
designer.show_flash()
draft = designer.current()
if draft is None:
    st.title("Designer")
    st.caption("Build a pipeline from datasets and components. Start here:")
    draft_picker.render()
    st.stop()

# The canvas gets the page's width: narrower side margins than Streamlit's wide layout.
st.html(
    "<style>[data-testid='stMainBlockContainer']{padding-left:2rem;padding-right:2rem;"
    "padding-top:2.5rem}</style>"
)
catalogue = {c["id"]: c for c in call(ui.components)}
names = {c: d["name"] for c, d in catalogue.items()}
spec = draft["spec"]
issues = ops.issues_by_node(designer.issues())
issue_count = sum(len(v) for v in issues.values())
rejected = bool(st.session_state.get(state.FIELD_ERRORS))

title_col, actions_col = st.columns([2, 3], vertical_alignment="bottom")
with title_col:
    st.markdown(f"### :material/account_tree: {draft['name']}")
    origin = f" · cloned from {draft['source_run_id']}" if draft.get("source_run_id") else ""
    st.caption(f"Draft · revision {draft['revision']} · saved automatically{origin}")
with actions_col:
    validate_col, undo_col, close_col, publish_col, submit_col = st.columns(5)
    if validate_col.button(
        "Validate", key="designer.validate", icon=":material/rule:", width="stretch"
    ):
        designer.refresh_issues()
        st.session_state[state.SHOW_ISSUES] = True
        st.rerun()
    undo_col.button(
        "Undo", key="designer.undo", icon=":material/undo:", on_click=designer.undo, width="stretch"
    )
    close_col.button(
        "Drafts",
        key="designer.close",
        icon=":material/folder_open:",
        on_click=designer.close_draft,
        width="stretch",
        help="Close this draft (it is saved) and open or start another",
    )
    with publish_col.popover("Publish", icon=":material/publish:", width="stretch"):
        if issue_count:
            st.warning(f"The pipeline has {issue_count} issue(s); fix them before publishing.")
        else:
            publish.publish_form(
                "designer.publish",
                draft_id=draft["id"],
                suggested=publish.endpoint_name(draft["name"]),
            )
    with submit_col.popover(
        "Submit",
        icon=":material/play_arrow:",
        type="primary",
        width="stretch",
        disabled=rejected,
        help="Fix or clear the rejected value in the properties pane first." if rejected else None,
    ):
        run_id = pipeline_panel.submit_form(spec, issue_count)
        if run_id:
            st.session_state[state.RUN_ID] = run_id
            st.switch_page("views/run.py", query_params={"run": run_id})

if st.session_state.pop(state.GUIDE, False):
    algorithm_guide.dialog(list(catalogue.values()))

graph_col, pane_col = st.columns([4, 1.35], gap="small")
with graph_col:
    canvas_editor.render(spec, catalogue, call(ui.datasets), issues, height=700)
    st.caption(
        f"{len(spec['nodes'])} nodes · {len(spec['edges'])} wires · "
        + (f":red[{issue_count} issue(s)]" if issue_count else ":green[no issues]")
        + " · drag from an output port to an input port · click a node to "
        "edit it · Delete removes the selection"
    )
    labels = [f"Issues ({issue_count})", "Connections", "Pipeline parameters", "Settings"]
    issues_tab, edges_tab, params_tab, settings_tab = st.tabs(labels)
    with issues_tab:
        pipeline_panel.issues_tab(issues, names)
        for warning in designer.warnings():
            st.warning(f"**{warning['node']}** · {warning['message']}", icon=":material/help:")
    with edges_tab:
        pipeline_panel.connections_tab(spec)
    with params_tab:
        pipeline_panel.parameters_tab(spec)
    with settings_tab:
        pipeline_panel.settings_tab(spec)
with pane_col:
    properties.render(spec, catalogue, issues)
