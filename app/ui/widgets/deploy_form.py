"""The Deploy form: which run, the endpoint's name, the target (local, or a Kubernetes context
and namespace) and the resources (the designer's defaults)."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from app.client import RunStatus
from app.ui.client import attempt, call, get_client

NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$")
DEPLOYABLE = ("train_model", "web_service_input")


def deployable_runs() -> list[Any]:
    """Completed runs that train a model or take rows from a Web Service Input."""
    runs = call(get_client().runs, status=RunStatus.COMPLETED, limit=200).runs
    return [
        r for r in runs if any(n.get("component") in DEPLOYABLE for n in r.spec.get("nodes", []))
    ]


def _kind(run: Any) -> str:
    components = {n.get("component") for n in run.spec.get("nodes", [])}
    return "real-time inference" if "web_service_input" in components else "training"


def render(
    preselected: str | None = None, model: str | None = None, key: str = "deploy"
) -> str | None:
    """Draw the form; returns the new endpoint's name once deployed, else None."""
    client = get_client()
    runs = deployable_runs()
    if not runs:
        st.caption("No completed training or real-time inference run yet.")
        return None
    by_id = {r.id: r for r in runs}
    ids = list(by_id)
    run_id = st.selectbox(
        "Run",
        ids,
        key=f"{key}.run",
        index=ids.index(preselected) if preselected in by_id else 0,
        format_func=lambda i: f"{by_id[i].name} · {_kind(by_id[i])} · {i}",
    )
    target = st.radio(
        "Target",
        ["local", "kubernetes"],
        horizontal=True,
        key=f"{key}.target",
        help="local: a scoring server process on this machine (the default). "
        "kubernetes: a Deployment, Service, Secret and autoscaler in a "
        "cluster from your kubeconfig.",
    )
    with st.form(f"{key}.form"):
        name = st.text_input(
            "Endpoint name", key=f"{key}.name", help="lower-case letters, digits and '-'"
        )
        description = st.text_input("Description", key=f"{key}.description")
        resources: dict[str, Any] = {}
        if target == "kubernetes":
            found, error = attempt(client.kubernetes_contexts)
            found = found or {}
            names = found.get("contexts") or []
            context_col, namespace_col = st.columns(2)
            if names:
                current = found.get("current")
                resources["context"] = context_col.selectbox(
                    "Context",
                    names,
                    index=names.index(current) if current in names else 0,
                    key=f"{key}.context",
                    help=f"from {found.get('kubeconfig')}",
                )
            else:
                context_col.caption(error or found.get("error") or "No kubeconfig context found.")
            resources["namespace"] = namespace_col.text_input(
                "Namespace", "default", key=f"{key}.namespace"
            )
            resources["image"] = st.text_input("Image", "flowbench:0.1.0", key=f"{key}.image")
        cpu_col, memory_col, min_col, max_col = st.columns(4)
        resources["cpu_request"] = cpu_col.text_input(
            "CPU", "100m", key=f"{key}.cpu", help="the designer's 0.1 cores"
        )
        resources["memory_request"] = memory_col.text_input("Memory", "512Mi", key=f"{key}.memory")
        resources["min_replicas"] = min_col.number_input(
            "Min replicas", 1, 100, 1, key=f"{key}.min"
        )
        resources["max_replicas"] = max_col.number_input(
            "Max replicas", 1, 100, 10, key=f"{key}.max"
        )
        if target == "local":
            st.caption(
                "A local endpoint is one process on this machine; the resources apply "
                "on Kubernetes."
            )
        if not st.form_submit_button("Deploy", type="primary", icon=":material/rocket_launch:"):
            return None
    if not NAME.match(name):
        st.error(
            "Endpoint name: use lower-case letters, digits and '-' (up to 40), starting "
            "and ending with a letter or digit."
        )
        return None
    endpoint, error = attempt(
        client.deploy_endpoint,
        name,
        run_id,
        target=target,
        description=description,
        model=model,
        resources=resources,
    )
    if error:
        st.error(error)
        return None
    return endpoint.name


def render_update(endpoint: Any, key: str = "update") -> bool:
    """The Update form of an existing endpoint: another run (URL and keys stay). True once
    the update has started."""
    runs = [r for r in deployable_runs() if r.id not in served_by(endpoint)]
    if not runs:
        st.caption("No other completed training or real-time inference run to serve.")
        return False
    by_id = {r.id: r for r in runs}
    with st.form(f"{key}.form"):
        run_id = st.selectbox(
            "Serve this run instead",
            list(by_id),
            key=f"{key}.run",
            format_func=lambda i: f"{by_id[i].name} · {_kind(by_id[i])} · {i}",
        )
        st.caption(
            "The current deployment answers until the new one is ready; if the new one "
            "fails, the endpoint goes back to what it serves now."
        )
        if not st.form_submit_button("Update", icon=":material/published_with_changes:"):
            return False
    _, error = attempt(get_client().update_endpoint, endpoint.name, run_id=run_id)
    if error:
        st.error(error)
        return False
    return True


def served_by(endpoint: Any) -> set[str]:
    """The runs an endpoint serves now (its training and inference run)."""
    return {r for r in (endpoint.training_run_id, endpoint.inference_run_id) if r}
