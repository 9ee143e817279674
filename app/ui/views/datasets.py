"""Datasets: samples and uploads with versions; upload a new one; preview and profile."""

import pandas as pd
import streamlit as st

from app.ui import charts
from app.ui import client as ui
from app.ui.client import attempt, call, get_client

client = get_client()
st.title("Datasets")
datasets = call(client.datasets)

# A refused upload keeps the form as it was (with the reason); a registered one empties it
# (a new form generation) and reloads the page, so the new dataset shows at once.
gen = st.session_state.get("upload.gen", 0)
done = st.session_state.pop("upload.done", None)
if done:
    st.success(done, icon=":material/check_circle:")
with st.expander("Upload a CSV or Parquet file", icon=":material/upload:", expanded=not datasets):
    with st.form(f"datasets.upload.{gen}", clear_on_submit=False):
        name = st.text_input(
            "Dataset name",
            key=f"upload.name.{gen}",
            help="A new name registers a dataset; an existing one adds a "
            "version. Letters, digits, '-', '_' or '.'.",
        )
        description = st.text_input("Description", key=f"upload.description.{gen}")
        uploaded = st.file_uploader("File", type=["csv", "parquet"], key=f"upload.file.{gen}")
        if st.form_submit_button("Register", type="primary", icon=":material/add:"):
            problems = [
                p
                for p, bad in (
                    ("Dataset name: give the dataset a name.", not name.strip()),
                    ("File: choose a CSV or Parquet file.", uploaded is None),
                )
                if bad
            ]
            for problem in problems:
                st.error(problem)
            if not problems:
                with st.spinner(f"Uploading {uploaded.name}…"):
                    version, error = attempt(
                        client.upload_dataset,
                        name.strip(),
                        uploaded.name,
                        uploaded.getvalue(),
                        description,
                    )
                if error:
                    st.error(f"Not registered: {error}", icon=":material/error:")
                else:
                    ui.datasets.clear()
                    st.session_state["upload.gen"] = gen + 1
                    st.session_state["upload.done"] = (
                        f"Registered {version.name} version {version.version}: "
                        f"{version.row_count} rows."
                    )
                    st.session_state["datasets.name"] = version.name
                    st.rerun()

if not datasets:
    st.info("No datasets yet: upload one above.")
    st.stop()
st.dataframe(
    [
        {
            "dataset": d.name,
            "latest version": d.latest_version,
            "description": d.description,
            "created": d.created_at,
        }
        for d in datasets
    ],
    hide_index=True,
    width="stretch",
)
left, right = st.columns([2, 1])
name = left.selectbox("Dataset", [d.name for d in datasets], key="datasets.name")
versions = call(client.dataset_versions, name)
by_version = {v.version: v for v in versions}
version = right.selectbox("Version", list(reversed(by_version)), key=f"datasets.version.{name}")
chosen = by_version[version]
st.caption(
    f"{chosen.row_count} rows · {len(chosen.columns)} columns · source "
    f"{chosen.source.value} · {chosen.description} · registered "
    f"{chosen.created_at:%Y-%m-%d %H:%M} · hash {chosen.content_hash[:12]}"
)
preview_tab, profile_tab, columns_tab = st.tabs(["Preview", "Profile", "Columns"])
with preview_tab:
    preview = call(client.preview_dataset, name, version, limit=100)
    types = {c["name"]: c.get("type", "") for c in preview["columns"]}
    st.dataframe(
        pd.DataFrame(preview["rows"]),
        width="stretch",
        height=360,
        column_config={c: st.column_config.Column(help=f"type: {t}") for c, t in types.items()},
    )
    st.caption("First 100 rows. Types: " + ", ".join(f"{c} ({t})" for c, t in types.items()))
with profile_tab:
    with st.spinner("Summarizing…"):
        profile = call(client.dataset_profile, name, version)
    if profile.get("note"):
        st.caption(profile["note"])
    st.dataframe(profile["summary"], hide_index=True, width="stretch", height=300)
    column = st.selectbox("Chart of column", list(profile["charts"]), key="datasets.chart")
    if column:
        st.altair_chart(charts.column_chart(profile["charts"][column], column), width="stretch")
with columns_tab:
    st.dataframe(chosen.columns, hide_index=True, width="stretch")
