"""Compare runs: two runs side by side: pipeline parameters, node parameters, metrics, nodes."""

import streamlit as st

from app.client import StepStatus
from app.durations import took
from app.ui import client as ui
from app.ui import graph, run_ops, state
from app.ui.client import call, get_client

client = get_client()
st.title("Compare runs")
recent = call(client.runs, limit=200).runs
by_id = {r.id: r for r in recent}
first, second = st.session_state.get(state.COMPARE) or (None, None)
for run_id in (first, second):
    if run_id and run_id not in by_id:
        by_id[run_id] = call(client.run, run_id).run
ids = list(by_id)


def label(run_id: str) -> str:
    run = by_id[run_id]
    return f"{run.name} · {run.experiment} · {run.status.value} · {run_id}"


left, right = st.columns(2)
a = left.selectbox(
    "Run A",
    ids,
    index=ids.index(first) if first in ids else None,
    format_func=label,
    key="compare.a",
)
b = right.selectbox(
    "Run B",
    ids,
    index=ids.index(second) if second in ids else None,
    format_func=label,
    key="compare.b",
)
st.session_state[state.COMPARE] = (a, b)
if not a or not b:
    st.info("Choose two runs.", icon=":material/compare_arrows:")
    st.stop()

details = {key: call(client.run, run_id) for key, run_id in (("A", a), ("B", b))}
sides = {
    key: {
        "spec": d.run.spec,
        "parameters": d.run.parameters,
        "metrics": {s.node_id: s.metrics for s in d.steps if s.metrics},
    }
    for key, d in details.items()
}
diff = run_ops.compare(sides["A"], sides["B"])
summary = st.columns(4)
for column, (key, d) in zip(summary[:2], details.items(), strict=True):
    seconds = run_ops.duration(d.run)
    column.metric(
        f"Run {key}: {d.run.status.value}",
        "—" if seconds is None else took(seconds),
        help=d.run.id,
    )
summary[2].metric("Nodes that differ", len(diff["changed"]))
summary[3].metric("Nodes in one run only", len(diff["only_a"]) + len(diff["only_b"]))

st.subheader("Pipeline parameters that differ")
if diff["parameters"]:
    st.dataframe(diff["parameters"], hide_index=True, width="stretch")
else:
    st.caption("None.")
st.subheader("Component parameters that differ")
if diff["node_params"]:
    st.dataframe(diff["node_params"], hide_index=True, width="stretch")
else:
    st.caption("None.")
st.subheader("Metrics")
if diff["metrics"]:
    st.dataframe(diff["metrics"], hide_index=True, width="stretch")
else:
    st.caption("Neither run logged metrics.")
st.subheader("Graphs")
st.caption("Orange: changed · red: only in this run · green: the same in both.")
catalogue = {c["id"]: c["name"] for c in call(ui.components)}
for column, key, only in zip(st.columns(2), ("A", "B"), ("only_a", "only_b"), strict=True):
    spec = sides[key]["spec"]
    states = {
        n["id"]: "issue"
        if n["id"] in diff[only]
        else StepStatus.QUEUED
        if n["id"] in diff["changed"]
        else StepStatus.COMPLETED
        for n in spec["nodes"]
    }
    with column:
        st.markdown(f"**Run {key}**")
        nodes, edges = graph.build(spec, catalogue, states=states, icons=False)
        graph.draw(nodes, edges, height=420, key=f"compare.graph.{key}")
