"""Models: versions registered from Train Model outputs, with the run they came from."""

import streamlit as st

from app.client import RunStatus
from app.ui import state
from app.ui.client import attempt, call, get_client
from app.ui.widgets import deploy_form

client = get_client()
st.title("Models")
models = call(client.models)
if models:
    metrics = call(client.model_metrics)
    st.dataframe(
        [
            {
                "model": m.name,
                "version": m.version,
                "run": m.run_id,
                "step": m.node_id,
                "description": m.description,
                "registered": m.created_at,
                **{k.split(".", 1)[-1]: v for k, v in metrics.get((m.name, m.version), {}).items()},
            }
            for m in reversed(models)
        ],
        hide_index=True,
        width="stretch",
    )
    with st.expander(
        "Deploy a model version as a real-time endpoint", icon=":material/rocket_launch:"
    ):
        to_deploy = st.selectbox(
            "Model version",
            range(len(models)),
            key="models.deploy_pick",
            format_func=lambda i: f"{models[i].name} v{models[i].version}",
        )
        chosen = models[to_deploy]
        st.caption(
            f"Its run {chosen.run_id} becomes a real-time inference pipeline, which runs "
            "and is deployed."
        )
        deployed = deploy_form.render(
            chosen.run_id, model=f"{chosen.name} v{chosen.version}", key="models.deploy"
        )
        if deployed:
            st.session_state[state.ENDPOINT] = deployed
            st.switch_page("views/endpoints.py", query_params={"endpoint": deployed})
    pick = st.selectbox(
        "Open the run of",
        range(len(models)),
        index=None,
        key="models.pick",
        format_func=lambda i: f"{models[i].name} v{models[i].version}",
        placeholder="Choose a model version",
    )
    if pick is not None:
        st.session_state[state.RUN_ID] = models[pick].run_id
        st.session_state[state.RUN_STEP] = models[pick].node_id
        st.switch_page("views/run.py", query_params={"run": models[pick].run_id})
else:
    st.info(
        "No models registered yet. Register one from a completed run's Train Model step, or below.",
        icon=":material/info:",
    )

st.subheader("Register a model")
runs = [
    r
    for r in call(client.runs, status=RunStatus.COMPLETED, limit=100).runs
    if any(n.get("component") == "train_model" for n in r.spec.get("nodes", []))
]
if not runs:
    st.caption("No completed run has a Train Model step yet.")
    st.stop()
by_id = {r.id: r for r in runs}
run_id = st.selectbox(
    "Run",
    list(by_id),
    key="models.run",
    format_func=lambda i: f"{by_id[i].name} · {by_id[i].experiment} · {i}",
)
with st.form("models.register"):
    trains = [n["id"] for n in by_id[run_id].spec["nodes"] if n.get("component") == "train_model"]
    node_id = st.selectbox("Train Model step", trains, key="models.node")
    name = st.text_input("Model name", key="models.name")
    description = st.text_input("Description", key="models.description")
    if st.form_submit_button("Register", type="primary"):
        if not name.strip():
            st.error("Model name: give the model a name.")
        else:
            version, error = attempt(
                client.register_model, name.strip(), run_id, node_id, description
            )
            if error:
                st.error(error)
            else:
                st.success(f"Registered {version.name} version {version.version}.")
                st.rerun()
