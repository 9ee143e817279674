"""Compute: the compute targets (RQ queues) with their workers, queue depth and failed jobs;
Kubernetes targets also show their worker Deployment on the cluster."""

import streamlit as st

from app.ui import client as ui
from app.ui.client import attempt, call, get_client

STATE_ICONS = {
    "healthy": ":material/check_circle:",
    "transitioning": ":material/pending:",
    "unhealthy": ":material/warning:",
    "failed": ":material/error:",
    "unknown": ":material/cloud_off:",
}

client = get_client()
st.title("Compute")
st.caption(
    "A compute target is a name for an RQ queue; workers listening on the queue run its "
    "steps. Start more with `flowbench worker --queues <queue>` on any machine, or let "
    "a Kubernetes compute target run them as a Deployment on a cluster."
)
targets = call(client.compute_status)
kube = {t["name"]: t for t in call(client.kube_compute_targets)}
default = next((t["name"] for t in targets if t["is_default"]), None)
st.metric("Default compute target", default or "none")


def _cluster_panel(name: str) -> None:
    """The worker Deployment's live state on its cluster, and a delete button."""
    found, error = attempt(client.kube_compute_status, name)
    if error:
        st.error(error, icon=":material/error:")
        return
    settings, cluster = found["settings"], found["cluster"]
    context = f"`{settings['context']}`" if settings.get("context") else "the current one"
    where = (
        f"context {context} · namespace `{settings.get('namespace', 'default')}` · image "
        f"`{settings.get('image')}`"
    )
    scaler = (
        f"{settings.get('min_replicas')} to {settings.get('max_replicas')} workers, "
        "scaled by KEDA on the queue's length"
        if cluster.get("scaler") == "keda"
        else f"{settings.get('replicas')} workers (a fixed count: no KEDA)"
    )
    st.markdown(f"Kubernetes: {where}  \nDeployment `{found['object_name']}` · {scaler}")
    state = cluster["state"]
    ready = (
        f" · {cluster['ready_replicas']}/{cluster['replicas']} ready"
        if cluster.get("replicas") is not None
        else ""
    )
    st.markdown(f"{STATE_ICONS.get(state, '')} **{state}**{ready}")
    for message in cluster.get("messages") or []:
        st.caption(message)
    for warning in found.get("warnings") or []:
        st.warning(warning, icon=":material/warning:")
    if st.button(
        "Delete these workers and the target",
        key=f"compute.delete.{name}",
        icon=":material/delete:",
        disabled=found["is_default"],
    ):
        _, error = attempt(client.delete_kube_compute_target, name)
        if error:
            st.error(error)
        else:
            ui.compute_targets.clear()
            st.rerun()


for target in targets:
    with st.container(border=True):
        title, depth, started, failed = st.columns([3, 1, 1, 1])
        kind = " · Kubernetes" if target["name"] in kube else ""
        title.markdown(
            f"**{target['name']}**"
            + (" · default" if target["is_default"] else "")
            + kind
            + f"  \nqueue `{target['queue']}`"
            + (f" · {target['description']}" if target["description"] else "")
        )
        depth.metric("Queued", target["queued"])
        started.metric("Running", target["started"])
        failed.metric("Failed jobs", target["failed"])
        if target["name"] in kube:
            _cluster_panel(target["name"])
        if target["workers"]:
            st.dataframe(
                [
                    {
                        "worker": w["name"],
                        "state": w["state"],
                        "current job": w["current_job"],
                        "heartbeat": w["last_heartbeat"],
                        "done": w["successful_jobs"],
                        "failed": w["failed_jobs"],
                    }
                    for w in target["workers"]
                ],
                hide_index=True,
                width="stretch",
            )
        elif target["name"] in kube:
            st.info(
                "No worker of this target has reported to Redis yet (with KEDA, workers start "
                "when steps wait; a new pod pulls its image first).",
                icon=":material/hourglass_empty:",
            )
        else:
            st.warning(
                "No worker listens on this queue: its steps wait.", icon=":material/warning:"
            )

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
                _, error = attempt(
                    client.put_compute_target,
                    name.strip(),
                    queue.strip(),
                    description,
                    make_default,
                )
                if error:
                    st.error(error)
                else:
                    ui.compute_targets.clear()
                    st.rerun()

with st.expander("Add or change a Kubernetes compute target", icon=":material/deployed_code:"):
    contexts = call(client.kubernetes_contexts)
    if contexts["error"]:
        st.warning(contexts["error"], icon=":material/warning:")
    st.caption(
        "Workers run `flowbench worker --queues <queue>` in a Deployment. The Redis URL "
        "and the artifact store's settings (FLOWBENCH_ARTIFACTS and its credentials) "
        "are copied from the control plane's environment into a Kubernetes Secret. With "
        "KEDA installed, a ScaledObject follows the queue's length between the minimum "
        "and maximum; without it the replica count is fixed."
    )
    with st.form("compute.kube"):
        left, right = st.columns(2)
        k_name = left.text_input("Name", key="kube.name")
        k_queue = right.text_input("RQ queue", key="kube.queue", help="Default: the name.")
        choices = contexts["contexts"] or ["(current context)"]
        current = contexts["current"] if contexts["current"] in choices else choices[0]
        k_context = left.selectbox(
            "Context", choices, index=choices.index(current), key="kube.context"
        )
        k_namespace = right.text_input("Namespace", "default", key="kube.namespace")
        k_image = left.text_input("Image", "flowbench:0.1.0", key="kube.image")
        k_redis = right.text_input(
            "Redis address seen from the pods (host:port)",
            key="kube.redis",
            help="Empty: the control plane's own.",
        )
        c1, c2, c3, c4 = st.columns(4)
        k_replicas = c1.number_input("Replicas (no KEDA)", 0, 1000, 1, key="kube.replicas")
        k_min = c2.number_input("Min (KEDA)", 0, 1000, 0, key="kube.min")
        k_max = c3.number_input("Max (KEDA)", 1, 1000, 4, key="kube.max")
        k_per = c4.number_input("Jobs per worker", 1, 1000, 1, key="kube.per")
        c1, c2, c3, c4 = st.columns(4)
        k_cpu = c1.text_input("CPU request", "500m", key="kube.cpu")
        k_cpu_limit = c2.text_input("CPU limit", "2", key="kube.cpu_limit")
        k_mem = c3.text_input("Memory request", "1Gi", key="kube.mem")
        k_mem_limit = c4.text_input("Memory limit", "4Gi", key="kube.mem_limit")
        k_keda = st.radio(
            "Scaler",
            ["auto", "on", "off"],
            horizontal=True,
            key="kube.keda",
            help="auto: KEDA where its CRD (scaledobjects.keda.sh) is installed.",
        )
        k_default = st.checkbox("Make it the default", key="kube.default")
        if st.form_submit_button("Deploy workers", type="primary"):
            if not k_name.strip():
                st.error("A name is needed.")
            else:
                settings = dict(
                    queue=k_queue.strip() or None,
                    namespace=k_namespace.strip(),
                    context=None if k_context == "(current context)" else k_context,
                    image=k_image.strip(),
                    redis_address=k_redis.strip() or None,
                    replicas=int(k_replicas),
                    min_replicas=int(k_min),
                    max_replicas=int(k_max),
                    jobs_per_worker=int(k_per),
                    cpu_request=k_cpu.strip(),
                    cpu_limit=k_cpu_limit.strip() or None,
                    memory_request=k_mem.strip(),
                    memory_limit=k_mem_limit.strip() or None,
                    keda=k_keda,
                    is_default=k_default,
                )
                with st.spinner("Applying the worker Deployment..."):
                    done, error = attempt(
                        client.put_kube_compute_target, k_name.strip(), **settings
                    )
                if error:
                    st.error(error)
                else:
                    ui.compute_targets.clear()
                    st.success("Applied: " + ", ".join(done["applied"]))
                    st.rerun()
