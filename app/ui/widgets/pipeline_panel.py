"""Under the designer's graph: issues, connections, pipeline parameters, pipeline settings; and
the submit form."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.ui import client as ui
from app.ui import designer, state
from app.ui import draft_ops as ops
from app.ui.client import attempt, get_client
from jobs.defaults import DEFAULT_COMPUTE

PARSERS = {"float": float, "int": int, "string": str}
TRUE, FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


def parse_default(kind: str, text: str) -> tuple[Any, str | None]:
    """A pipeline parameter's default from form text: (value, None) or (None, why not)."""
    text = text.strip()
    if not text:
        return None, None
    if kind == "bool":
        if text.lower() in TRUE | FALSE:
            return text.lower() in TRUE, None
        return None, f"Default: expected true or false; got {text!r}."
    if kind == "dataset":
        name, _, version = text.partition(":")
        if version and not version.isdigit():
            return None, f"Default: expected a dataset as NAME or NAME:VERSION; got {text!r}."
        return {"name": name.strip(), "version": int(version) if version else None}, None
    try:
        return PARSERS[kind](text), None
    except ValueError:
        article = "an" if kind == "int" else "a"
        return None, f"Default: expected {article} {kind} number; got {text!r}."


def _select(node_id: str | None) -> None:
    st.session_state[state.SELECTED] = node_id


def issues_tab(issues: dict[str | None, list[dict[str, Any]]], names: dict[str, str]) -> None:
    if not issues:
        st.success("No issues: the pipeline is ready to submit.", icon=":material/check_circle:")
        return
    total = sum(len(v) for v in issues.values())
    st.caption(f"{total} issue(s) on {len(issues)} node(s). Red nodes in the graph have issues.")
    for node_id, found in issues.items():
        with st.container(border=True):
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(
                f"**{node_id or 'Pipeline'}**" + (f" · {names.get(node_id, '')}" if node_id else "")
            )
            if node_id:
                right.button(
                    "Select",
                    key=f"issue.select.{node_id}",
                    on_click=_select,
                    args=(node_id,),
                    type="tertiary",
                )
            for issue in found:
                field = f"`{issue['field']}` " if issue.get("field") else ""
                st.markdown(f"- {field}{issue['message']}")


def connections_tab(spec: dict[str, Any]) -> None:
    """The wires as a table (one element: a row of widgets per wire made the designer's rerun
    slow on large pipelines); wires are made and removed on the canvas."""
    if not spec.get("edges"):
        st.caption("No wires yet: drag from an output port to an input port on the canvas.")
        return
    st.dataframe(
        [{"from": e["source"], "to": e["target"]} for e in spec["edges"]],
        hide_index=True,
        width="stretch",
        height=min(320, 38 + 35 * len(spec["edges"])),
    )
    st.caption("To remove a wire, click it on the canvas and press Delete.")


def parameters_tab(spec: dict[str, Any]) -> None:
    for parameter in spec.get("parameters", []):
        left, right = st.columns([6, 1], vertical_alignment="center")
        left.markdown(
            f"`{parameter['name']}` · {parameter['type']} · default `{parameter.get('default')!r}`"
        )
        right.button(
            ":material/delete:",
            key=f"pparam.del.{parameter['name']}",
            help="Remove; attached component parameters keep its default",
            on_click=designer.apply,
            args=(ops.remove_parameter, parameter["name"]),
        )
    with st.form("pparam.add", clear_on_submit=True, border=False):
        name_col, type_col, default_col = st.columns([2, 1, 2])
        name = name_col.text_input("Name", key="pparam.name", placeholder="train_fraction")
        kind = type_col.selectbox("Type", list(ops.PARAMETER_TYPES), key="pparam.type")
        default_text = default_col.text_input("Default", key="pparam.default")
        if st.form_submit_button("Create pipeline parameter", icon=":material/add:"):
            default, problem = parse_default(kind, default_text)
            if problem:
                st.error(problem)
            elif designer.apply(ops.add_parameter, name, kind, default):
                st.rerun()
            else:
                designer.show_flash()


def settings_tab(spec: dict[str, Any]) -> None:
    draft = designer.current() or {}
    st.text_input(
        "Pipeline name",
        value=draft.get("name", ""),
        key="pipe.name",
        on_change=lambda: designer.rename(st.session_state["pipe.name"]),
    )
    targets = [t["name"] for t in ui.compute_targets()]
    current = spec.get("settings", {}).get("default_compute", DEFAULT_COMPUTE)
    st.selectbox(
        "Default compute target",
        targets,
        index=targets.index(current) if current in targets else None,
        key="pipe.compute",
        on_change=lambda: designer.apply(ops.set_default_compute, st.session_state["pipe.compute"]),
    )
    st.text_area(
        "Description",
        value=spec.get("description", ""),
        key="pipe.description",
        on_change=lambda: designer.apply(ops.set_description, st.session_state["pipe.description"]),
    )


def submit_form(spec: dict[str, Any], issue_count: int) -> str | None:
    """The submit form; the new run's id once submitted."""
    draft = designer.current() or {}
    with st.form("submit", border=False):
        experiment = st.text_input(
            "Experiment",
            key="submit.experiment",
            value=st.session_state.get("submit.last_experiment", "designer"),
            help="Runs are grouped by experiment; a new name creates one.",
        )
        run_name = st.text_input("Run name", value=draft.get("name", ""), key="submit.name")
        force = st.checkbox("Force rerun of every step (no reuse)", key="submit.force")
        if issue_count:
            st.warning(f"The pipeline has {issue_count} issue(s); fix them before submitting.")
        if not st.form_submit_button(
            "Submit", type="primary", icon=":material/play_arrow:", disabled=bool(issue_count)
        ):
            return None
    if not experiment.strip():
        st.error("Experiment: give the run an experiment name.")
        return None
    with st.status("Submitting the pipeline…") as status:
        run, error = attempt(
            get_client().submit,
            spec,
            experiment=experiment.strip(),
            name=run_name.strip() or None,
            force_rerun=force,
            source="ui",
        )
        if error:
            status.update(label="Not submitted", state="error")
            st.error(error)
            return None
        status.update(label=f"Submitted as {run.id}", state="complete")
    st.session_state["submit.last_experiment"] = experiment.strip()
    return run.id
