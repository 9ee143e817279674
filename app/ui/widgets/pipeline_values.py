"""Inputs for pipeline parameter values, one widget per type (int, float, string, bool, dataset),
used inside forms: the endpoint's Submit and schedule forms, and Rerun on the run page."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.ui import client as ui

LATEST = "Latest"


def dataset_label(value: Any) -> str:
    """`name` or `name v2` for a dataset parameter's value."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("name"):
        version = value.get("version")
        return value["name"] + ("" if version is None else f" v{version}")
    return "(none)"


def value_inputs(
    parameters: list[dict[str, Any]], values: dict[str, Any], key: str
) -> dict[str, Any]:
    """One input per pipeline parameter, starting at `values` (else its default); the values
    entered. A dataset parameter's value is {"name", "version"} (version None: the latest)."""
    entered: dict[str, Any] = {}
    for parameter in parameters:
        name, kind = parameter["name"], parameter.get("type", "string")
        current = values.get(name, parameter.get("default"))
        label = f"{name} ({kind})"
        widget_key = f"{key}.{name}"
        if kind == "bool":
            entered[name] = st.checkbox(label, value=bool(current), key=widget_key)
        elif kind == "int":
            entered[name] = int(
                st.number_input(label, value=int(current or 0), step=1, key=widget_key)
            )
        elif kind == "float":
            entered[name] = float(
                st.number_input(label, value=float(current or 0.0), format="%g", key=widget_key)
            )
        elif kind == "dataset":
            entered[name] = _dataset_input(label, current, widget_key)
        else:
            entered[name] = st.text_input(
                label, value="" if current is None else str(current), key=widget_key
            )
    return entered


def _dataset_input(label: str, current: Any, key: str) -> dict[str, Any]:
    names = [d["name"] for d in ui.datasets()]
    chosen_name = current.get("name") if isinstance(current, dict) else current
    left, right = st.columns([3, 2])
    name = left.selectbox(
        label,
        names,
        index=names.index(chosen_name) if chosen_name in names else None,
        key=key + ".name",
    )
    latest = next((d["latest_version"] for d in ui.datasets() if d["name"] == name), 0)
    versions = [LATEST, *range(latest, 0, -1)]
    wanted = current.get("version") if isinstance(current, dict) else None
    version = right.selectbox(
        "Version",
        versions,
        index=versions.index(wanted) if wanted in versions else 0,
        key=key + ".version",
    )
    return {"name": name, "version": None if version == LATEST else int(version)}


def split(
    parameters: list[dict[str, Any]], values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ParameterAssignments, DataSetDefinitionValueAssignments) of the entered values."""
    datasets = {p["name"] for p in parameters if p.get("type") == "dataset"}
    return (
        {k: v for k, v in values.items() if k not in datasets},
        {k: v for k, v in values.items() if k in datasets},
    )
