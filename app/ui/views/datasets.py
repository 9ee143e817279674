"""Datasets: samples and uploads with versions; upload a new one; preview and profile."""

import pandas as pd
import streamlit as st

from app.ui import charts
from app.ui import client as ui
from app.ui.client import attempt, call, get_client

client = get_client()
st.title("Datasets")
datasets = call(client.datasets)

with st.expander("Upload a CSV or Parquet file", icon=":material/upload:",
                 expanded=not datasets):
    with st.form("datasets.upload", clear_on_submit=True):
        names = [d.name for d in datasets]
        name = st.text_input("Dataset name", key="upload.name",
                             help="A new name registers a dataset; an existing one adds a "
                                  "version. Letters, digits, '-', '_' or '.'.")
        description = st.text_input("Description", key="upload.description")
        uploaded = st.file_uploader("File", type=["csv", "parquet"], key="upload.file")
        if st.form_submit_button("Register", type="primary", icon=":material/add:"):
            problems = [p for p, bad in (("Dataset name: give the dataset a name.",
                                          not name.strip()),
                                         ("File: choose a CSV or Parquet file.", uploaded is None))
                        if bad]
            for problem in problems:
                st.error(problem)
            if not problems:
                with st.status(f"Uploading {uploaded.name}…") as status:
                    version, error = attempt(client.upload_dataset, name.strip(), uploaded.name,
                                             uploaded.getvalue(), description)
                    if error:
                        status.update(label="Not registered", state="error")
                        st.error(error)
                    else:
                        status.update(label=f"Registered {version.name} version "
                                            f"{version.version}: {version.row_count} rows",
                                      state="complete")
                        ui.datasets.clear()

if not datasets:
    st.info("No datasets yet: upload one above.")
    st.stop()
st.dataframe([{"dataset": d.name, "latest version": d.latest_version,
               "description": d.description, "created": d.created_at} for d in datasets],
             hide_index=True, width="stretch")
left, right = st.columns([2, 1])
name = left.selectbox("Dataset", [d.name for d in datasets], key="datasets.name")
versions = call(client.dataset_versions, name)
by_version = {v.version: v for v in versions}
version = right.selectbox("Version", list(reversed(by_version)), key=f"datasets.version.{name}")
chosen = by_version[version]
st.caption(f"{chosen.row_count} rows · {len(chosen.columns)} columns · source "
           f"{chosen.source.value} · {chosen.description} · registered "
           f"{chosen.created_at:%Y-%m-%d %H:%M} · hash {chosen.content_hash[:12]}")
preview_tab, profile_tab, columns_tab = st.tabs(["Preview", "Profile", "Columns"])
with preview_tab:
    preview = call(client.preview_dataset, name, version, limit=100)
    types = {c["name"]: c.get("type", "") for c in preview["columns"]}
    st.dataframe(pd.DataFrame(preview["rows"]), width="stretch", height=360,
                 column_config={c: st.column_config.Column(help=f"type: {t}")
                                for c, t in types.items()})
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
