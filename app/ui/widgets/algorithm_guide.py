"""The palette's "Which algorithm?" guide, as a dialog: pick what to predict and what matters,
see the recommended learners, add one to the draft."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.ui import designer
from app.ui import draft_ops as ops
from app.ui.algorithm_guide import GOALS, PRIORITIES, recommend


@st.dialog("Which algorithm?", width="large")
def dialog(catalogue: list[dict[str, Any]]) -> None:
    by_id = {c["id"]: c for c in catalogue}
    goal = st.radio(
        "What do you want to predict?",
        list(GOALS),
        format_func=GOALS.get,
        key="guide.goal",
        horizontal=True,
    )
    priority = st.radio(
        "What matters most?",
        list(PRIORITIES),
        format_func=PRIORITIES.get,
        key="guide.priority",
        horizontal=True,
    )
    for component, line, strong in recommend(goal, priority, by_id):
        left, right = st.columns([5, 1], vertical_alignment="center")
        mark = " :green-badge[recommended]" if strong else ""
        left.markdown(f"**{component['name']}**{mark}  \n{line}")
        if right.button("Add to draft", key=f"guide.add.{component['id']}", icon=":material/add:"):
            if designer.apply(ops.add_component, component):
                st.rerun()
    if goal in ("number", "two", "several"):
        st.caption("Then connect it to Train Model with your data, Score Model and Evaluate Model.")
