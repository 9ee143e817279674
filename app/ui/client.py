"""The UI's one client of the control plane, shared across sessions (thread-safe httpx)."""

import streamlit as st

from app.client import FlowbenchClient


@st.cache_resource
def get_client() -> FlowbenchClient:
    return FlowbenchClient.from_settings()
