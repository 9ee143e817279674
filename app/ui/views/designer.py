"""Designer: build a pipeline from the palette and forms, see it as a graph, validate, submit."""

import streamlit as st

from app.ui import client as ui
from app.ui import designer, graph, state
from app.ui import draft_ops as ops
from app.ui.client import call
from app.ui.widgets import draft_picker, palette, pipeline_panel, properties, publish

designer.show_flash()
draft = designer.current()
if draft is None:
    st.title("Designer")
    st.caption("Build a pipeline from datasets and components. Start here:")
    draft_picker.render()
    st.stop()

catalogue = {c["id"]: c for c in call(ui.components)}
names = {c: d["name"] for c, d in catalogue.items()}
spec = draft["spec"]
issues = ops.issues_by_node(designer.issues())
issue_count = sum(len(v) for v in issues.values())

title_col, actions_col = st.columns([2, 3], vertical_alignment="bottom")
with title_col:
    st.markdown(f"### :material/account_tree: {draft['name']}")
    origin = f" · cloned from {draft['source_run_id']}" if draft.get("source_run_id") else ""
    st.caption(f"Draft · revision {draft['revision']} · saved automatically{origin}")
with actions_col:
    validate_col, undo_col, close_col, publish_col, submit_col = st.columns(5)
    if validate_col.button("Validate", key="designer.validate", icon=":material/rule:",
                           width="stretch"):
        designer.refresh_issues()
        st.session_state[state.SHOW_ISSUES] = True
        st.rerun()
    undo_col.button("Undo", key="designer.undo", icon=":material/undo:", on_click=designer.undo,
                    width="stretch")
    close_col.button("Drafts", key="designer.close", icon=":material/folder_open:",
                     on_click=designer.close_draft, width="stretch",
                     help="Close this draft (it is saved) and open or start another")
    with publish_col.popover("Publish", icon=":material/publish:", width="stretch"):
        if issue_count:
            st.warning(f"The pipeline has {issue_count} issue(s); fix them before publishing.")
        else:
            publish.publish_form("designer.publish", draft_id=draft["id"],
                                 suggested=publish.endpoint_name(draft["name"]))
    with submit_col.popover("Submit", icon=":material/play_arrow:", type="primary",
                            width="stretch"):
        run_id = pipeline_panel.submit_form(spec, issue_count)
        if run_id:
            st.session_state[state.RUN_ID] = run_id
            st.switch_page("views/run.py", query_params={"run": run_id})

palette_col, graph_col, pane_col = st.columns([1.05, 3, 1.55], gap="medium")
with palette_col:
    palette.render(list(catalogue.values()), call(ui.datasets))
with graph_col:
    states = {n: "issue" for n in issues if n}
    tips = {n: "\n".join(i["message"] for i in found) for n, found in issues.items() if n}
    nodes, edges = graph.build(spec, names, states=states,
                               selected=st.session_state.get(state.SELECTED), tooltips=tips)
    clicked = graph.draw(nodes, edges, height=600,
                         key=f"designer.graph.{st.session_state.get(state.SELECTED)}")
    if clicked != st.session_state.get(state.GRAPH_CLICK):  # None again once redrawn
        st.session_state[state.GRAPH_CLICK] = clicked
        if clicked:
            st.session_state[state.SELECTED] = clicked
            st.rerun()
    st.caption(f"{len(spec['nodes'])} nodes · {len(spec['edges'])} edges · "
               + (f":red[{issue_count} issue(s)]" if issue_count else ":green[no issues]")
               + " · blue: datasets · red: issues · click a node to edit it")
    labels = [f"Issues ({issue_count})", "Connections", "Pipeline parameters", "Settings"]
    issues_tab, edges_tab, params_tab, settings_tab = st.tabs(labels)
    with issues_tab:
        pipeline_panel.issues_tab(issues, names)
    with edges_tab:
        pipeline_panel.connections_tab(spec)
    with params_tab:
        pipeline_panel.parameters_tab(spec)
    with settings_tab:
        pipeline_panel.settings_tab(spec)
with pane_col:
    properties.render(spec, catalogue, issues)
