"""A run step's details: parameters, output previews, visualizations, logs and error."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.client import ClientError, StepStatus
from app.ui import charts, run_ops
from app.ui.client import get_client, show_error
from jobs.pipeline import MODEL_PORT

EVALUATE = "evaluate_model"


def render(run: Any, step: Any, component: dict[str, Any] | None) -> None:
    client = get_client()
    status = step.status.value
    badge = {
        StepStatus.COMPLETED: ":green",
        StepStatus.FAILED: ":red",
        StepStatus.RUNNING: ":blue",
        StepStatus.QUEUED: ":orange",
        StepStatus.CANCELED: ":gray",
        StepStatus.PENDING: ":gray",
    }.get(step.status, "")
    reused = f" · ♻ reused from {step.reused_from}" if step.reused else ""
    time = run_ops.step_times([step]).get(step.node_id)
    took = f" · {time}" if time else ""
    st.markdown(
        f"**{component['name'] if component else step.component_id}** "
        f"[{step.node_id}] · {badge}[{status}]{took}{reused}"
    )
    if step.error:
        st.error(step.error, icon=":material/error:")
    tabs = ["Outputs", "Parameters", "Log"]  # a click on a node is to see what it made
    if step.component_id == EVALUATE:
        tabs.insert(2, "Visualize")
    shown = dict(zip(tabs, st.tabs(tabs), strict=True))
    with shown["Parameters"]:
        rows = run_ops.resolved_params(run.spec, step.node_id, run.parameters)
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch")
        else:
            st.caption("Defaults only.")
        if step.metrics:
            st.markdown("**Metrics**")
            st.dataframe(
                [{"metric": k, "value": v} for k, v in step.metrics.items()],
                hide_index=True,
                width="stretch",
            )
    with shown["Outputs"]:
        _outputs(run, step, component)
    if "Visualize" in shown:
        with shown["Visualize"]:
            _visualize(run, step)
    with shown["Log"]:
        if step.status in (StepStatus.PENDING, StepStatus.QUEUED):
            st.caption("No log yet: the step has not started.")
        else:
            try:
                st.code(
                    client.step_log(run.id, step.node_id) or "(empty log)",
                    language="text",
                    height=320,
                )
            except ClientError as exc:
                st.caption(f"No log: {exc}")


def _outputs(run: Any, step: Any, component: dict[str, Any] | None) -> None:
    if not step.outputs:
        st.caption("No outputs yet.")
        return
    kinds = {p["name"]: p["kind"] for p in (component or {}).get("outputs", [])}
    for port, uri in step.outputs.items():
        st.markdown(f"**{port}** · {kinds.get(port, '').replace('_', ' ')}")
        if uri.endswith(".parquet"):
            try:
                preview = get_client().output_preview(run.id, step.node_id, port, limit=50)
            except ClientError as exc:
                show_error(exc)
                continue
            columns = run_ops.scores_first(preview["columns"])
            st.caption(
                f"{preview['row_count']} rows · "
                + ", ".join(f"{c['name']} ({c.get('type')})" for c in columns[:12])
                + (" …" if len(columns) > 12 else "")
            )
            st.dataframe(
                preview["rows"],
                width="stretch",
                height=240,
                column_order=[c["name"] for c in columns],
            )
            if step.status is StepStatus.COMPLETED:
                _table_actions(run, step, port)
        else:
            st.caption(f"Stored at `{uri}`.")
        if port == MODEL_PORT and step.status is StepStatus.COMPLETED:
            _register_model(run, step)


def _table_actions(run: Any, step: Any, port: str) -> None:
    """Download an output table, or register it as a dataset version (lineage kept)."""
    csv_col, parquet_col, register_col = st.columns(3)
    for column, fmt in ((csv_col, "csv"), (parquet_col, "parquet")):
        column.download_button(
            fmt.upper(),
            key=f"download.{step.node_id}.{port}.{fmt}",
            icon=":material/download:",
            data=lambda fmt=fmt: get_client().download_output(run.id, step.node_id, port, fmt),
            file_name=f"{run.id}-{step.node_id}-{port}.{fmt}",
            width="stretch",
            mime="text/csv" if fmt == "csv" else "application/vnd.apache.parquet",
        )
    with register_col.popover("Register dataset", icon=":material/database:", width="stretch"):
        with st.form(f"register_output.{step.node_id}.{port}", border=False):
            name = st.text_input(
                "Dataset name",
                key=f"register_output.name.{step.node_id}.{port}",
                value=f"{step.node_id}-{port}".replace("_", "-")[:60],
            )
            if st.form_submit_button("Register", icon=":material/bookmark_add:"):
                try:
                    answer = get_client().register_output(run.id, step.node_id, port, name.strip())
                except ClientError as exc:
                    show_error(exc)
                else:
                    version = answer["dataset"]
                    st.success(
                        f"Registered {version['name']} version {version['version']} "
                        f"({version['row_count']} rows)."
                    )


def _register_model(run: Any, step: Any) -> None:
    with st.form(f"register.{run.id}.{step.node_id}", border=True):
        name = st.text_input(
            "Register as model",
            value=run.name.lower().replace(" ", "-")[:60],
            key=f"register.name.{step.node_id}",
        )
        if st.form_submit_button("Register model", icon=":material/bookmark_add:"):
            try:
                version = get_client().register_model(name.strip(), run.id, step.node_id)
            except ClientError as exc:
                show_error(exc)
            else:
                st.success(f"Registered {version.name} version {version.version}.")


def _visualize(run: Any, step: Any) -> None:
    if step.status is not StepStatus.COMPLETED:
        st.caption("The charts appear once the step has completed.")
        return
    try:
        data = get_client().evaluation(run.id, step.node_id)
    except ClientError as exc:
        show_error(exc)
        return
    if data["task"] == "regression":
        left, right = st.columns(2)
        left.altair_chart(charts.predicted_vs_actual(data["points"]), width="stretch")
        right.altair_chart(charts.residuals(data["points"]), width="stretch")
        return
    if data["task"] == "binary":
        st.caption(f"Positive class: {data['positive_class']} · label: {data['label']}")
        left, right = st.columns(2)
        left.altair_chart(charts.roc(data["roc"]), width="stretch")
        right.altair_chart(charts.precision_recall(data["precision_recall"]), width="stretch")
    st.altair_chart(charts.confusion(data["classes"], data["confusion_matrix"]), width="stretch")
