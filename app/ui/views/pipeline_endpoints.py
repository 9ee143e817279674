"""Pipeline endpoints: published pipelines with their versions, default and state; per endpoint
the REST URL and sample requests, a Submit form built from its parameters, the runs it started
and its schedules."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from app.ui.client import attempt, call, get_client
from app.ui.widgets import pipeline_values
from app.ui.widgets.publish import KEYS

client = get_client()
st.title(":material/cloud_sync: Pipeline endpoints")
endpoints = {e["name"]: e for e in call(client.pipelines)}
if not endpoints:
    st.info(
        "No pipeline endpoints yet. Publish a pipeline from the **Designer** (Publish) or "
        "from a finished run, or run `flowbench pipelines publish NAME pipeline.json`.",
        icon=":material/info:",
    )
    st.stop()

st.dataframe(
    [
        {
            "endpoint": e["name"],
            "default version": e["default_version"],
            "versions": len(e["versions"]),
            "disabled": sum(not v["enabled"] for v in e["versions"]),
            "description": e["description"],
        }
        for e in endpoints.values()
    ],
    hide_index=True,
    width="stretch",
)
names = list(endpoints)
asked = st.query_params.get("endpoint")
name = st.selectbox(
    "Endpoint", names, index=names.index(asked) if asked in names else 0, key="pipelines.endpoint"
)
st.query_params["endpoint"] = name
endpoint = endpoints[name]
versions = {v["version"]: v for v in endpoint["versions"]}
shown_key = st.session_state.get(KEYS, {}).get(name)


def _remember_key(key: str) -> None:
    st.session_state.setdefault(KEYS, {})[name] = key


def _done(error: str | None) -> None:
    """Show a refused action's reason, or redraw the page with its effect."""
    if error:
        st.error(error)
    else:
        st.rerun()


versions_tab, submit_tab, consume_tab, runs_tab, schedules_tab = st.tabs(
    ["Published pipelines", "Submit", "REST endpoint", "Runs", "Schedules"]
)

with versions_tab:
    st.dataframe(
        [
            {
                "version": v["version"],
                "name": v["name"],
                "default": "✔" if v["is_default"] else "",
                "state": "enabled" if v["enabled"] else "disabled",
                "from": f"{v['source_kind']} {v['source_id'] or ''}".strip(),
                "parameters": ", ".join(f"{p['name']}: {p['type']}" for p in v["parameters"]),
                "published": v["created_at"][:19].replace("T", " "),
            }
            for v in endpoint["versions"]
        ],
        hide_index=True,
        width="stretch",
    )
    chosen = st.selectbox(
        "Version",
        list(versions),
        index=len(versions) - 1,
        key="pipelines.version",
        format_func=lambda v: f"Version {v}",
    )
    default_col, toggle_col = st.columns(2)
    if default_col.button(
        "Set as default",
        key="pipelines.set_default",
        disabled=versions[chosen]["is_default"],
        width="stretch",
    ):
        _, error = attempt(client.set_default_version, name, chosen)
        _done(error)
    enabled = versions[chosen]["enabled"]
    if toggle_col.button(
        "Disable" if enabled else "Enable", key="pipelines.toggle", width="stretch"
    ):
        _, error = attempt(client.enable_version, name, chosen, not enabled)
        _done(error)

with submit_tab:
    default = versions.get(endpoint["default_version"] or -1)
    enabled_versions = [v for v, found in versions.items() if found["enabled"]]
    if not enabled_versions:
        st.warning("Every version is disabled; enable one to submit.")
    else:
        with st.form("pipelines.submit", border=False):
            version = st.selectbox(
                "Version",
                enabled_versions,
                index=enabled_versions.index(default["version"])
                if default and default["enabled"]
                else 0,
                format_func=lambda v: (
                    f"Version {v}" + (" (default)" if versions[v]["is_default"] else "")
                ),
            )
            experiment = st.text_input("Experiment", value=name)
            values = pipeline_values.value_inputs(
                versions[version]["parameters"], {}, f"pipelines.submit.{version}"
            )
            description = st.text_input("Description", value="")
            if st.form_submit_button("Submit", type="primary", icon=":material/play_arrow:"):
                parameters, datasets = pipeline_values.split(
                    versions[version]["parameters"], values
                )
                answer, error = attempt(
                    client.submit_pipeline,
                    name,
                    experiment=experiment,
                    parameters=parameters,
                    datasets=datasets,
                    description=description,
                    version=version,
                )
                if error:
                    st.error(error)
                else:
                    st.success(f"Submitted run {answer['RunId']} (version {answer['Version']}).")
                    st.page_link(
                        "views/run.py",
                        label=f"Open run {answer['RunId']}",
                        query_params={"run": answer["RunId"]},
                        icon=":material/open_in_new:",
                    )

with consume_tab:
    st.markdown("**REST URL** (the default version; add `/versions/N` before `/runs` for another)")
    st.code(endpoint["rest_url"], language=None)
    st.caption(
        "Send `Authorization: Bearer <endpoint key>` (the key opens only this endpoint) "
        "or the workspace token."
    )
    if shown_key:
        st.success("The endpoint key, shown in this session only (kept hashed):")
        st.code(shown_key, language=None)
    if st.button(
        "Regenerate key",
        key="pipelines.regenerate",
        icon=":material/key:",
        help="Make a new key; the old one stops working at once.",
    ):
        key, error = attempt(client.regenerate_pipeline_key, name)
        if error:
            st.error(error)
        else:
            _remember_key(key)
            st.rerun()
    samples = endpoint["samples"]
    curl = samples["curl"]
    if shown_key:
        curl = curl.replace("'<the endpoint key>'", f"'{shown_key}'")
    st.markdown("**curl**")
    st.code(curl, language="bash")
    st.markdown("**Python** (the key in `FLOWBENCH_KEY`)")
    st.code(samples["python"], language="python")

with runs_tab:
    rows = call(client.pipeline_runs, name)
    if not rows:
        st.caption("No runs yet: submit above, call the REST URL, or add a schedule.")
    else:
        st.dataframe(
            [
                {
                    "run": r["run"]["id"],
                    "status": r["run"]["status"],
                    "version": r["origin"]["version"],
                    "started by": "schedule " + r["origin"]["schedule_id"]
                    if r["origin"]["schedule_id"]
                    else "REST",
                    "experiment": r["run"]["experiment"],
                    "parameters": json.dumps(r["run"]["parameters"]),
                    "submitted": r["run"]["created_at"][:19].replace("T", " "),
                }
                for r in rows
            ],
            hide_index=True,
            width="stretch",
        )
        picked = st.selectbox(
            "Open a run", [r["run"]["id"] for r in rows], index=None, key="pipelines.open_run"
        )
        if picked:
            st.page_link(
                "views/run.py",
                label=f"Open run {picked}",
                query_params={"run": picked},
                icon=":material/open_in_new:",
            )


def _schedule_row(schedule: dict[str, Any]) -> None:
    when = f"cron `{schedule['cron']}`" if schedule["cron"] else f"every {schedule['interval_s']} s"
    state = (
        "paused"
        if schedule["paused"]
        else "next "
        + (
            schedule["next_ticks"][0][:19].replace("T", " ") + " UTC"
            if schedule["next_ticks"]
            else "-"
        )
    )
    with st.container(border=True):
        text_col, pause_col, delete_col = st.columns([5, 1, 1], vertical_alignment="center")
        text_col.markdown(
            f"**{schedule['id']}** · {when} · {state} · experiment "
            f"`{schedule['experiment']}` · values `"
            f"{json.dumps(schedule['parameters'])}`"
        )
        verb = "Resume" if schedule["paused"] else "Pause"
        if pause_col.button(verb, key=f"sched.toggle.{schedule['id']}"):
            action = client.resume_schedule if schedule["paused"] else client.pause_schedule
            _, error = attempt(action, schedule["id"])
            _done(error)
        if delete_col.button("Delete", key=f"sched.delete.{schedule['id']}"):
            _, error = attempt(client.delete_schedule, schedule["id"])
            _done(error)
        started = call(client.schedule_runs, schedule["id"])
        if started:
            st.caption(
                f"{len(started)} run(s): "
                + ", ".join(f"{r['run']['id']} ({r['run']['status']})" for r in started[:10])
            )


with schedules_tab:
    for schedule in call(client.schedules, name):
        _schedule_row(schedule)
    with st.form("pipelines.schedule", border=True):
        st.markdown("**Add a schedule** (UTC)")
        kind = st.radio("Recurrence", ["Interval", "Cron expression"], horizontal=True)
        every = st.number_input("Every (seconds)", min_value=1, value=3600, step=1)
        cron = st.text_input("Cron expression", placeholder="0 6 * * 1-5")
        version_params = (default or next(iter(versions.values())))["parameters"]
        values = pipeline_values.value_inputs(version_params, {}, "pipelines.schedule")
        experiment = st.text_input("Experiment", value=f"{name}-schedule")
        if st.form_submit_button("Add schedule", icon=":material/schedule:"):
            parameters, datasets = pipeline_values.split(version_params, values)
            created, error = attempt(
                client.add_schedule,
                name,
                cron=cron if kind == "Cron expression" else None,
                interval_seconds=int(every) if kind == "Interval" else None,
                parameters=parameters,
                datasets=datasets,
                experiment=experiment,
            )
            _done(error)
