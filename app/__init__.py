"""Flowbench's entry points: control plane (FastAPI), client, command line and Streamlit UI."""
