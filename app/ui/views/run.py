"""Run: the graph coloured by step status, refreshed while the run goes; each step's details;
clone, cancel, resubmit, compare."""

import streamlit as st

from app.client import RunStatus, step_state
from app.durations import took
from app.ui import canvas, run_ops, state
from app.ui import client as ui
from app.ui.client import call, get_client
from app.ui.widgets import inference_actions, run_actions, step_details

BAR_COLOURS = {"green": "#16a34a", "red": "#dc2626", "gray": "#6b7280", "blue": "#2563eb"}

client = get_client()
run_id = st.query_params.get("run") or st.session_state.get(state.RUN_ID)
if not run_id:
    st.title("Run")
    recent = call(client.runs, limit=100).runs
    if not recent:
        st.info("No runs yet: submit a pipeline from the Designer.", icon=":material/info:")
        st.stop()
    by_id = {r.id: r for r in recent}
    picked = st.selectbox(
        "Run",
        list(by_id),
        index=None,
        key="run.pick",
        format_func=lambda i: (
            f"{by_id[i].name} · {by_id[i].experiment} · {by_id[i].status.value} · {i}"
        ),
    )
    if picked:
        st.session_state[state.RUN_ID] = picked
        st.query_params["run"] = picked
        st.rerun()
    st.stop()
st.session_state[state.RUN_ID] = run_id

catalogue = {c["id"]: c for c in call(ui.components)}
names = {c: d["name"] for c, d in catalogue.items()}
detail = call(client.run, run_id)
active = not detail.run.status.is_terminal
origin = call(client.run_origin, run_id) if detail.run.published_pipeline_id else None


def _on_canvas() -> None:
    """A click on a node of the run's canvas opens that step."""
    event = st.session_state.get(f"{state.RUN_CANVAS}.{run_id}")
    if not isinstance(event, dict) or event.get("seq") == st.session_state.get(
        state.RUN_CANVAS_SEQ
    ):
        return
    st.session_state[state.RUN_CANVAS_SEQ] = event.get("seq")
    if event.get("type") == "select" and event.get("node"):
        st.session_state[state.RUN_STEP] = event["node"]
        st.session_state[state.RUN_CANVAS_SEQ + ".changed"] = True


@st.fragment(run_every=1.5 if active else None)
def live() -> None:
    """Status, progress and the graph; refreshes itself while the run goes."""
    current = call(client.run, run_id) if active else detail
    run = current.run
    if active and run.status.is_terminal:
        st.rerun()  # the whole page: step details, actions, and no more refreshing
    done, total = run_ops.progress(current.steps)
    seconds = run_ops.duration(run)
    st.markdown(f"### :material/play_circle: {run.name}")
    for warning in current.warnings:  # a step waits on a queue no live worker listens on
        st.warning(warning, icon=":material/warning:")
    st.caption(
        f"{run.id} · experiment **{run.experiment}** · {run.source.value} · "
        f"submitted {run.created_at:%Y-%m-%d %H:%M:%S}"
        + (f" · {took(seconds)}" if seconds is not None else "")
        + (f" · cloned from {run.cloned_from}" if run.cloned_from else "")
        + run_ops.origin_text(origin)
    )
    colour = {
        RunStatus.COMPLETED: "green",
        RunStatus.FAILED: "red",
        RunStatus.CANCELED: "gray",
    }.get(run.status, "blue")
    st.markdown(f":{colour}[**{run.status.value}**] · {done} of {total} steps ended")
    # A bar in the run's own colour (st.progress takes only the theme's colour).
    st.html(
        f'<div style="background:#e5e7eb;border-radius:4px;height:8px">'
        f'<div data-testid="run-progress" style="width:{100 * done / (total or 1):.0f}%;'
        f'height:8px;border-radius:4px;background:{BAR_COLOURS[colour]}"></div></div>'
    )
    if run.error:
        st.error(run.error, icon=":material/error:")
    states = run_ops.step_states(current.steps)
    canvas.draw(
        nodes=canvas.canvas_nodes(
            run.spec, catalogue, states=states, details=run_ops.step_times(current.steps)
        ),
        edges=canvas.canvas_edges(run.spec),
        key=f"{state.RUN_CANVAS}.{run_id}",
        mode="view",
        selected=st.session_state.get(state.RUN_STEP),
        height=480,
        fit=run_id,
        on_change=_on_canvas,
    )
    if st.session_state.pop(state.RUN_CANVAS_SEQ + ".changed", False):
        st.rerun(scope="app")  # the step details beside the graph follow the click


graph_col, side_col = st.columns([5, 4], gap="medium")
with graph_col:
    live()
with side_col:
    run_actions.render(detail.run)
    inference_actions.render(detail.run)
    steps = {s.node_id: s for s in detail.steps}
    # Four narrow columns, so that the table fits beside the graph; a reused step says so.
    st.dataframe(
        [
            {
                "step": s.node_id,
                "component": names.get(s.component_id, s.component_id),
                "status": step_state(s.status, s.reused),
                "seconds": None if s.duration_s is None or s.reused else round(s.duration_s, 3),
            }
            for s in detail.steps
        ],
        hide_index=True,
        width="stretch",
        height=min(420, 38 + 35 * len(detail.steps)),
        # A step that never ran, or was reused, has no seconds of its own; "None" and "0"
        # read as values.
        placeholder="—",
    )
    ids = list(steps)
    chosen = st.session_state.get(state.RUN_STEP)
    st.session_state["run.step_pick"] = chosen if chosen in ids else None
    picked = st.selectbox(
        "Step",
        ids,
        key="run.step_pick",
        placeholder="Click a step",
        format_func=lambda i: f"{i} — {names.get(steps[i].component_id, '')}",
        on_change=lambda: st.session_state.update(
            {state.RUN_STEP: st.session_state["run.step_pick"]}
        ),
    )
if picked:
    with st.container(border=True):
        step_details.render(detail.run, steps[picked], catalogue.get(steps[picked].component_id))
