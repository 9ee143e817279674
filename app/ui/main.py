"""The Streamlit UI's entry point: a router over the pages (st.navigation)."""

import streamlit as st

from app.ui.login import require_login, signed_in

st.set_page_config(page_title="Flowbench", page_icon=":material/account_tree:", layout="wide")
# The router comes first, so a deep link (/designer, /endpoints?endpoint=...) survives the login
# form; its menu stays hidden until the session is signed in.
navigation = st.navigation(
    {
        "Build": [
            st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
            st.Page("views/designer.py", title="Designer", icon=":material/account_tree:"),
            st.Page("views/datasets.py", title="Datasets", icon=":material/database:"),
            st.Page("views/components.py", title="Components", icon=":material/widgets:"),
        ],
        "Review": [
            st.Page("views/runs.py", title="Experiments and runs", icon=":material/monitoring:"),
            st.Page("views/run.py", title="Run", icon=":material/play_circle:"),
            st.Page("views/compare.py", title="Compare runs", icon=":material/compare_arrows:"),
            st.Page("views/models.py", title="Models", icon=":material/model_training:"),
        ],
        "Manage": [
            st.Page("views/compute.py", title="Compute", icon=":material/dns:"),
            st.Page("views/endpoints.py", title="Endpoints", icon=":material/api:"),
            st.Page(
                "views/pipeline_endpoints.py",
                title="Pipeline endpoints",
                icon=":material/cloud_sync:",
            ),
        ],
    },
    position="sidebar" if signed_in() else "hidden",
)
require_login()
navigation.run()
