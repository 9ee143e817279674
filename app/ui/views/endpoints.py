"""Endpoints: real-time endpoints with their status; deploy one; per endpoint its URLs, a Test tab,
a Consume tab (keys, sample code), where it came from, its figures and its deployment log."""

import json

import streamlit as st

from app.ui import endpoint_ops, state
from app.ui.client import attempt, call, get_client
from app.ui.widgets import deploy_form

client = get_client()
st.title("Endpoints")
endpoints = call(client.endpoints)
by_name = {e.name: e for e in endpoints}

with st.expander(
    "Deploy a real-time endpoint",
    icon=":material/rocket_launch:",
    expanded=not endpoints or bool(st.session_state.get(state.DEPLOY_RUN)),
):
    deployed = deploy_form.render(st.session_state.get(state.DEPLOY_RUN))
    if deployed:
        st.session_state[state.DEPLOY_RUN] = None
        st.session_state[state.ENDPOINT] = deployed
        st.query_params["endpoint"] = deployed
        st.rerun()

if not endpoints:
    st.info(
        "No endpoints yet. Deploy a completed training run (its real-time inference "
        "pipeline is made and run first) or a real-time inference run.",
        icon=":material/info:",
    )
    st.stop()

st.dataframe(
    [
        {
            "endpoint": e.name,
            "status": e.status.value,
            "target": e.target.value,
            "scoring URI": e.url or "",
            "created": e.created_at,
        }
        for e in endpoints
    ],
    hide_index=True,
    width="stretch",
)
chosen = st.query_params.get("endpoint") or st.session_state.get(state.ENDPOINT)
names = list(by_name)
name = st.selectbox(
    "Endpoint", names, key="endpoints.pick", index=names.index(chosen) if chosen in by_name else 0
)
st.session_state[state.ENDPOINT] = name
st.query_params["endpoint"] = name
STATUS_COLOUR = {
    "healthy": "green",
    "transitioning": "blue",
    "unhealthy": "orange",
    "failed": "red",
}


@st.fragment(run_every=2.0 if by_name[name].status.value == "transitioning" else None)
def header() -> None:
    endpoint = call(client.endpoint, name)
    if endpoint.status != by_name[name].status:
        st.rerun(scope="app")
    colour = STATUS_COLOUR.get(endpoint.status.value, "gray")
    st.markdown(f"### :material/api: {endpoint.name} :{colour}-badge[{endpoint.status.value}]")
    st.caption(
        f"{endpoint.target.value} · created {endpoint.created_at:%Y-%m-%d %H:%M:%S}"
        + (f" · {endpoint.description}" if endpoint.description else "")
    )
    if endpoint.error:
        st.error(endpoint.error, icon=":material/error:")


header()
endpoint = by_name[name]
details, test, consume, logs = st.tabs(["Details", "Test", "Consume", "Deployment logs"])

with details:
    st.markdown("**REST endpoint**")
    st.code(endpoint.url or "(not yet deployed)", language=None)
    st.markdown("**Swagger URI**")
    st.code(endpoint.swagger_url or "(not yet deployed)", language=None)
    stats = call(client.endpoint_stats, name)
    requests_col, errors_col, mean_col, p99_col = st.columns(4)
    if stats.get("available"):
        requests_col.metric("Requests", stats["requests"])
        errors_col.metric("Errors", stats["errors"])
        mean_col.metric(
            "Mean latency", "-" if stats["mean_ms"] is None else f"{stats['mean_ms']:.1f} ms"
        )
        p99_col.metric(
            "p99 latency (≤)", "-" if stats["p99_ms"] is None else f"{stats['p99_ms']:.0f} ms"
        )
    else:
        st.caption(f"Request figures unavailable: {stats.get('reason')}")
    st.markdown("**Came from**")
    st.dataframe(
        [
            {"what": k, "value": v}
            for k, v in {
                "training run": endpoint.training_run_id,
                "inference run": endpoint.inference_run_id,
                "model": endpoint.model,
                "bundle": endpoint.bundle_uri,
                "resources": json.dumps(endpoint.resources) if endpoint.resources else None,
            }.items()
            if v
        ],
        hide_index=True,
        width="stretch",
    )
    if endpoint.status.value != "transitioning":
        with st.expander("Update: serve another run", icon=":material/published_with_changes:"):
            if deploy_form.render_update(endpoint, key=f"update.{name}"):
                st.rerun()
    run_col, delete_col = st.columns(2)
    opened = endpoint.inference_run_id or endpoint.training_run_id
    if opened and run_col.button(
        "Open the inference run" if endpoint.inference_run_id else "Open the training run",
        icon=":material/play_circle:",
    ):
        st.session_state[state.RUN_ID] = opened
        st.switch_page("views/run.py", query_params={"run": opened})
    if delete_col.button("Delete endpoint", icon=":material/delete:", key="endpoints.delete"):
        _, error = attempt(client.delete_endpoint, name)
        if error:
            st.error(error)
        else:
            st.session_state[state.ENDPOINT] = None
            st.query_params.pop("endpoint", None)
            st.rerun()

schema, schema_error = (
    attempt(client.endpoint_schema, name)
    if endpoint.bundle_uri
    else (None, "The endpoint has no bundle yet.")
)

with test:
    if schema is None or not endpoint.url:
        st.info(schema_error or "The endpoint is not serving yet.", icon=":material/info:")
    else:
        mode = st.radio("Input", ["Form", "Raw JSON"], horizontal=True, key="endpoints.mode")
        if mode == "Form":
            _, columns = endpoint_ops.input_columns(schema)
            sample = endpoint_ops.sample_row(schema)
            with st.form(f"endpoints.form.{name}"):
                texts, grid = {}, st.columns(3)
                for i, column in enumerate(columns):
                    texts[column["name"]] = grid[i % 3].text_input(
                        f"{column['name']} ({column['type']})",
                        value=endpoint_ops.form_text(sample.get(column["name"])),
                        key=f"endpoints.field.{name}.{column['name']}",
                    )
                submitted = st.form_submit_button("Test", type="primary")
            request, problems = endpoint_ops.request_from_form(schema, texts)
        else:
            raw = st.text_area(
                "Request",
                height=260,
                key=f"endpoints.raw.{name}",
                value=json.dumps(schema["sample_request"], indent=2),
            )
            submitted = st.button("Test", type="primary", key="endpoints.test_raw")
            problems = []
            try:
                request = json.loads(raw)
            except ValueError as exc:
                request, problems = None, [f"The request is not JSON: {exc}"]
        if submitted:
            for problem in problems:
                st.error(problem)
            if not problems:
                answer, error = attempt(client.test_endpoint, name, request)
                if error:
                    st.error(error)
                else:
                    ok = answer["status_code"] < 400
                    st.markdown(
                        f"**Answer** :{'green' if ok else 'red'}-badge"
                        f"[HTTP {answer['status_code']}]"
                    )
                    st.json(answer["body"])

with consume:
    keys = call(client.endpoint_keys, name)
    st.markdown(
        "**Authentication**: `Authorization: Bearer <key>` with either key. Regenerate "
        "one key at a time; clients using the other key keep working."
    )
    for slot in ("primary", "secondary"):
        key_col, button_col = st.columns([5, 1], vertical_alignment="bottom")
        with key_col:
            st.markdown(f"**{slot.capitalize()} key**")
            st.code(keys[slot], language=None)
        if button_col.button(
            "Regenerate", key=f"endpoints.regen.{slot}", icon=":material/autorenew:"
        ):
            _, error = attempt(client.regenerate_endpoint_key, name, slot)
            if error:
                st.error(error)
            else:
                st.rerun()
    if endpoint.url and schema is not None:
        code = endpoint_ops.sample_code(endpoint.url, keys["primary"], schema["sample_request"])
        python_tab, curl_tab = st.tabs(["Python", "curl"])
        python_tab.code(code["python"], language="python")
        curl_tab.code(code["curl"], language="bash")
    else:
        st.caption("Sample code appears once the endpoint serves.")

with logs:
    lines = call(client.endpoint_logs, name)
    st.code(
        "\n".join(f"{line.at:%Y-%m-%d %H:%M:%S}  {line.message}" for line in lines)
        or "(no log yet)",
        language=None,
    )
