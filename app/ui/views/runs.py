"""Experiments and runs: experiments with run counts and last status; a filtered runs table."""

import streamlit as st

from app.client import RunStatus
from app.ui import state
from app.ui.client import call, get_client

PAGE_SIZE = 50
STATUSES = [status.value for status in RunStatus]

client = get_client()
st.title("Experiments and runs")
experiments = call(client.experiments)
if not experiments:
    st.info("No runs yet: submit a pipeline from the Designer.", icon=":material/info:")
    st.stop()

with st.expander(
    f"Experiments ({len(experiments)})", expanded=True, icon=":material/folder_special:"
):
    st.dataframe(
        [
            {
                "experiment": e.name,
                "runs": e.run_count,
                "last status": e.last_status.value if e.last_status else "",
                "created": e.created_at,
            }
            for e in experiments
        ],
        hide_index=True,
        width="stretch",
        height=min(300, 38 + 35 * len(experiments)),
    )

left, middle, source_col, right = st.columns([2, 2, 1.5, 1])
experiment = left.selectbox(
    "Experiment",
    [e.name for e in experiments],
    index=None,
    placeholder="All experiments",
    key="runs.experiment",
)
status = middle.multiselect(
    "Status", STATUSES, key="runs.status", max_selections=1, placeholder="Any status"
)
source = source_col.selectbox(
    "Source",
    ["cli", "ui", "api", "endpoint", "schedule"],
    index=None,
    placeholder="Any source",
    key="runs.source",
    help="endpoint: started through a pipeline endpoint; schedule: by one of its schedules",
)
page = right.number_input("Page", min_value=1, value=1, step=1, key="runs.page")
found = call(
    client.run_summaries,
    experiment=experiment,
    status=status[0] if status else None,
    limit=PAGE_SIZE,
    offset=(int(page) - 1) * PAGE_SIZE,
    source=source,
)
pages = max(1, -(-found["total"] // PAGE_SIZE))
st.caption(
    f"{found['total']} run(s) · page {int(page)} of {pages} · newest first · "
    "select a row to open the run"
)
rows = [
    {
        "status": r["status"],
        "run": r["name"],
        "experiment": r["experiment"],
        "source": r["source"],
        "submitted": r["created_at"][:19].replace("T", " "),
        "seconds": None if r["duration_s"] is None else round(r["duration_s"], 3),
        **{k: round(v, 4) for k, v in r["metrics"].items()},
        "id": r["id"],
    }
    for r in found["runs"]
]
picked = st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="runs.table",
    column_config={"status": st.column_config.TextColumn(width="small")},
    placeholder="—",  # a run still going has no seconds, one without a metric no value
)
chosen = picked.selection.rows if picked else []
if chosen:  # a selected row opens its run
    st.session_state[state.RUN_ID] = found["runs"][chosen[0]]["id"]
    st.session_state[state.RUN_STEP] = None
    st.switch_page("views/run.py", query_params={"run": found["runs"][chosen[0]]["id"]})
open_col, compare_col = st.columns(2)
ids = [r["id"] for r in found["runs"]]
with open_col:
    run_id = st.selectbox(
        "Open run",
        ids,
        index=chosen[0] if chosen else None,
        key="runs.open",
        placeholder="Choose a run",
    )
    if st.button(
        "Open", key="runs.open_button", disabled=not run_id, icon=":material/open_in_new:"
    ):
        st.session_state[state.RUN_ID] = run_id
        st.session_state[state.RUN_STEP] = None
        st.switch_page("views/run.py", query_params={"run": run_id})
with compare_col:
    pair = st.multiselect("Compare two runs", ids, max_selections=2, key="runs.pair")
    if st.button(
        "Compare", key="runs.compare", disabled=len(pair) != 2, icon=":material/compare_arrows:"
    ):
        st.session_state[state.COMPARE] = (pair[0], pair[1])
        st.switch_page("views/compare.py")
