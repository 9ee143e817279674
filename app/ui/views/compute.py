"""Compute: the compute targets (RQ queues) with their workers, queue depth and failed jobs."""

import streamlit as st

from app.ui import client as ui
from app.ui.client import attempt, call, get_client

client = get_client()
st.title("Compute")
st.caption("A compute target is a name for an RQ queue; workers listening on the queue run its "
           "steps. Start more with `flowbench worker --queues <queue>` on any machine.")
targets = call(client.compute_status)
default = next((t["name"] for t in targets if t["is_default"]), None)
st.metric("Default compute target", default or "none")
for target in targets:
    with st.container(border=True):
        title, depth, started, failed = st.columns([3, 1, 1, 1])
        title.markdown(f"**{target['name']}**" + (" · default" if target["is_default"] else "")
                       + f"  \nqueue `{target['queue']}` · {target['description']}")
        depth.metric("Queued", target["queued"])
        started.metric("Running", target["started"])
        failed.metric("Failed jobs", target["failed"])
        if target["workers"]:
            st.dataframe([{"worker": w["name"], "state": w["state"],
                           "current job": w["current_job"], "heartbeat": w["last_heartbeat"],
                           "done": w["successful_jobs"], "failed": w["failed_jobs"]}
                          for w in target["workers"]], hide_index=True, width="stretch")
        else:
            st.warning("No worker listens on this queue: its steps wait.",
                       icon=":material/warning:")

with st.expander("Add or change a compute target", icon=":material/add:"):
    with st.form("compute.put"):
        name = st.text_input("Name", key="compute.name")
        queue = st.text_input("RQ queue", key="compute.queue", help="Letters, digits, '-', '_'.")
        description = st.text_input("Description", key="compute.description")
        make_default = st.checkbox("Make it the default", key="compute.default")
        if st.form_submit_button("Save", type="primary"):
            if not name.strip() or not queue.strip():
                st.error("Name and RQ queue: both are needed.")
            else:
                _, error = attempt(client.put_compute_target, name.strip(), queue.strip(),
                                   description, make_default)
                if error:
                    st.error(error)
                else:
                    ui.compute_targets.clear()
                    st.rerun()
