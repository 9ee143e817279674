"""Landing page: is everything up, what is in the workspace, the latest runs."""

import streamlit as st

from app.ui import client as ui
from app.ui import state
from app.ui.client import call, get_client

st.title("Flowbench")
st.caption(
    "Build machine-learning pipelines from components, run them on workers, review every run."
)
client = get_client()
health = call(client.health)
runs = call(client.runs, limit=10)
if not health.get("redis"):
    st.warning("Redis does not answer: runs cannot be queued until it is back.")
left, middle, right = st.columns(3)
left.metric("Components", len(call(ui.components)))
middle.metric("Datasets", len(call(ui.datasets)))
right.metric("Runs", runs.total)
st.page_link("views/designer.py", label="Open the designer", icon=":material/account_tree:")
st.subheader("Latest runs")
if runs.runs:
    picked = st.dataframe(
        [
            {
                "run": r.id,
                "name": r.name,
                "experiment": r.experiment,
                "status": r.status.value,
                "created": r.created_at,
            }
            for r in runs.runs
        ],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="home.runs",
    )
    st.caption("Select a row to open the run.")
    if picked and picked.selection.rows:
        run_id = runs.runs[picked.selection.rows[0]].id
        st.session_state[state.RUN_ID] = run_id
        st.session_state[state.RUN_STEP] = None
        st.switch_page("views/run.py", query_params={"run": run_id})
else:
    st.info("No runs yet: open a sample pipeline in the Designer and submit it.")
