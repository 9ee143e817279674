"""The designer's palette: datasets and components by category, with a search box."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.ui import designer, state
from app.ui import draft_ops as ops

# The designer's category order (REFERENCE.md 1.1); unknown categories follow, by name.
CATEGORY_ORDER = [
    "Data Input and Output",
    "Data Transformation",
    "Feature Selection",
    "Statistical Functions",
    "Machine Learning Algorithms",
    "Regression",
    "Classification",
    "Clustering",
    "Model Training",
    "Model Scoring and Evaluation",
    "Python Language",
    "R Language",
    "Text Analytics",
    "Computer Vision",
    "Recommendation",
    "Anomaly Detection",
    "Web Service",
]


def grouped(catalogue: list[dict[str, Any]], query: str) -> dict[str, list[dict[str, Any]]]:
    """Components matching `query` (name, id, category or description), by category."""
    words = query.lower().split()
    groups: dict[str, list[dict[str, Any]]] = {}
    for component in catalogue:
        text = " ".join(
            [
                component["name"],
                component["id"],
                component["category"],
                component.get("description", ""),
            ]
        ).lower()
        if all(w in text for w in words):
            groups.setdefault(component["category"], []).append(component)
    order = {name: i for i, name in enumerate(CATEGORY_ORDER)}
    return dict(sorted(groups.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))


def render(catalogue: list[dict[str, Any]], datasets: list[dict[str, Any]]) -> None:
    st.markdown("##### :material/widgets: Palette")
    query = st.text_input(
        "Search",
        key=state.PALETTE_SEARCH,
        placeholder="Search components",
        label_visibility="collapsed",
        icon=":material/search:",
    )
    words = query.lower().split()
    found_data = [
        d
        for d in datasets
        if all(w in (d["name"] + " " + d.get("description", "")).lower() for w in words)
    ]
    if found_data:
        with st.expander(
            f"Datasets ({len(found_data)})", expanded=bool(words), icon=":material/database:"
        ):
            for dataset in found_data:
                st.button(
                    dataset["name"],
                    key=f"pal.ds.{dataset['name']}",
                    help=dataset.get("description") or None,
                    icon=":material/add:",
                    on_click=designer.apply,
                    args=(ops.add_dataset, dataset["name"]),
                    width="stretch",
                    type="tertiary",
                )
    for category, members in grouped(catalogue, query).items():
        with st.expander(f"{category} ({len(members)})", expanded=bool(words)):
            for component in members:
                st.button(
                    component["name"],
                    key=f"pal.{component['id']}",
                    help=component.get("description") or None,
                    icon=":material/add:",
                    on_click=designer.apply,
                    args=(ops.add_component, component),
                    width="stretch",
                    type="tertiary",
                )
    if words and not found_data and not grouped(catalogue, query):
        st.caption("Nothing matches.")
