"""Landing page: is everything up, what is in the workspace, the latest runs."""

import streamlit as st

from app.client import ClientError
from app.ui.client import get_client

st.title("Flowbench")
st.caption("Build machine-learning pipelines from components, run them on workers, "
           "review every run.")
client = get_client()
try:
    health = client.health()
    runs = client.runs(limit=10)
    datasets = client.datasets()
    components = client.components()
except ClientError as exc:
    st.error(f"The control plane does not answer: {exc.detail}")
    st.stop()

if not health.get("redis"):
    st.warning("Redis does not answer: runs cannot be queued until it is back.")
left, middle, right = st.columns(3)
left.metric("Components", len(components))
middle.metric("Datasets", len(datasets))
right.metric("Runs", runs.total)
st.subheader("Latest runs")
if runs.runs:
    st.dataframe([{"run": r.id, "name": r.name, "experiment": r.experiment,
                   "status": r.status.value, "created": r.created_at} for r in runs.runs],
                 hide_index=True, use_container_width=True)
else:
    st.info("No runs yet. Try: flowbench submit examples/automobile_price.json "
            "--experiment tutorial --wait")
