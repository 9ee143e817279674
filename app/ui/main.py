"""The Streamlit UI's entry point: a router over the pages (st.navigation)."""

import streamlit as st

st.set_page_config(page_title="Flowbench", page_icon=":material/account_tree:", layout="wide")
navigation = st.navigation([st.Page("pages/home.py", title="Home", icon=":material/home:",
                                    default=True)])
navigation.run()
