"""The designer's right pane: the selected node's parameters, inputs, comment and run settings."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.ui import client as ui
from app.ui import designer, state
from app.ui import draft_ops as ops
from app.ui.widgets import param_form
from components.spec import ComponentSpec

NOT_CONNECTED = "(not connected)"
PIPELINE_DEFAULT = "(pipeline default)"


def _set_param(node_id: str, name: str, value: Any) -> None:
    designer.apply(ops.set_param, node_id, name, value)


def _on_pick() -> None:
    st.session_state[state.SELECTED] = st.session_state[state.NODE_SELECT]


def _on_input(node_id: str, port: str, key: str) -> None:
    chosen = st.session_state[key]
    designer.apply(ops.set_input, node_id, port, None if chosen == NOT_CONNECTED else chosen)


def _on_setting(node_id: str, setting: str, key: str, none_value: Any = None) -> None:
    value = st.session_state[key]
    designer.apply(
        ops.set_node_settings, node_id, **{setting: None if value == none_value else value}
    )


def _remove(node_id: str) -> None:
    if designer.apply(ops.remove_node, node_id):
        st.session_state[state.SELECTED] = None


def _attach(node_id: str, key: str) -> None:
    name, parameter = st.session_state.get(key + ".param"), st.session_state.get(key + ".to")
    if name and parameter:
        designer.apply(ops.attach_parameter, node_id, name, parameter)


def _promote(node_id: str, key: str, kinds: dict[str, str]) -> None:
    name = st.session_state.get(key + ".promote")
    if name:
        designer.apply(ops.promote_param, node_id, name, kinds[name])


def node_title(item: dict[str, Any], names: dict[str, str]) -> str:
    kind = (
        f"dataset {item['dataset']}"
        if "dataset" in item
        else names.get(item.get("component", ""), item.get("component", ""))
    )
    return f"{item['id']} — {kind}"


def render(
    spec: dict[str, Any],
    catalogue: dict[str, dict[str, Any]],
    issues: dict[str | None, list[dict[str, Any]]],
) -> None:
    """The pane for the node in state.SELECTED, with a picker to choose another."""
    names = {c: d["name"] for c, d in catalogue.items()}
    ids = [n["id"] for n in spec.get("nodes", [])]
    selected = st.session_state.get(state.SELECTED)
    if selected not in ids:
        selected = None
    st.session_state[state.NODE_SELECT] = selected
    st.markdown("##### :material/tune: Properties")
    st.selectbox(
        "Node",
        ids,
        key=state.NODE_SELECT,
        on_change=_on_pick,
        format_func=lambda i: node_title(ops.node(spec, i), names),
        placeholder="Click a node in the graph",
        label_visibility="collapsed",
    )
    if selected is None:
        st.info(
            "Click a node in the graph, or pick one above, to see its properties.",
            icon=":material/touch_app:",
        )
        return
    item = ops.node(spec, selected)
    for issue in issues.get(selected, []):
        where = f"**{issue['field']}**: " if issue.get("field") else ""
        st.warning(where + issue["message"], icon=":material/warning:")
    gen = st.session_state.get(state.FORM_GEN, 0)
    key = f"pp.{gen}.{selected}"
    if "dataset" in item:
        _dataset_pane(item, key)
    else:
        component = catalogue.get(item["component"])
        if component is None:
            st.error(f"Unknown component '{item['component']}'.")
        else:
            _component_pane(spec, item, component, catalogue, key)
    st.divider()
    st.button(
        "Delete node",
        key=key + ".delete",
        icon=":material/delete:",
        on_click=_remove,
        args=(selected,),
        width="stretch",
    )


def _dataset_pane(item: dict[str, Any], key: str) -> None:
    st.markdown(f"**:material/database: {item['dataset']}**")
    bound = item.get("dataset_param")
    versions = [None, *range(1, 1 + _latest_version(item["dataset"]))]
    st.selectbox(
        "Version",
        versions,
        index=versions.index(item.get("dataset_version"))
        if item.get("dataset_version") in versions
        else 0,
        format_func=lambda v: "Latest" if v is None else f"Version {v}",
        key=key + ".version",
        on_change=_on_setting,
        disabled=bool(bound),
        args=(item["id"], "dataset_version", key + ".version"),
    )
    if bound:
        st.caption(
            f":material/link: Pipeline parameter `{bound}`: a run may name another "
            "dataset; this one is the default."
        )
        st.button(
            "Detach from pipeline parameter",
            key=key + ".unbind",
            on_click=designer.apply,
            args=(ops.unbind_dataset, item["id"]),
            icon=":material/link_off:",
        )
    else:
        st.button(
            "Set as pipeline parameter",
            key=key + ".bind",
            on_click=designer.apply,
            args=(ops.bind_dataset, item["id"]),
            icon=":material/link:",
            help="Runs and published pipeline calls can then name another dataset.",
        )
    columns = ui.dataset_columns(item["dataset"], item.get("dataset_version"))
    if columns:
        st.dataframe(
            [{"column": c["name"], "type": c.get("type"), "role": c.get("role")} for c in columns],
            hide_index=True,
            height=220,
            width="stretch",
        )
    _comment(item, key)


def _latest_version(name: str) -> int:
    return next((d["latest_version"] for d in ui.datasets() if d["name"] == name), 1)


def _comment(item: dict[str, Any], key: str) -> None:
    st.text_area(
        "Comment",
        value=item.get("comment", ""),
        key=key + ".comment",
        height=68,
        placeholder="Shown on the graph",
        on_change=_on_setting,
        args=(item["id"], "comment", key + ".comment"),
    )


def _component_pane(
    spec: dict[str, Any],
    item: dict[str, Any],
    component: dict[str, Any],
    catalogue: dict[str, dict[str, Any]],
    key: str,
) -> None:
    st.markdown(f"**{component['name']}** · {component['category']}")
    if component.get("description"):
        st.caption(component["description"])
    params_tab, inputs_tab, settings_tab = st.tabs(["Parameters", "Inputs", "Run settings"])
    with params_tab:
        param_form.render(
            component,
            item,
            columns=_param_columns(spec, item, component),
            on_value=_set_param,
            key=key,
        )
        _pipeline_parameters(spec, item, component, key)
    with inputs_tab:
        _inputs(spec, item, component, catalogue, key)
    with settings_tab:
        _comment(item, key)
        targets = [PIPELINE_DEFAULT, *(t["name"] for t in ui.compute_targets())]
        current = item.get("compute") or PIPELINE_DEFAULT
        st.selectbox(
            "Compute target",
            targets,
            index=targets.index(current) if current in targets else 0,
            key=key + ".compute",
            on_change=_on_setting,
            args=(item["id"], "compute", key + ".compute", PIPELINE_DEFAULT),
            help="Where this step runs; the pipeline default applies when unset.",
        )
        st.toggle(
            "Regenerate output",
            value=bool(item.get("regenerate")),
            key=key + ".regenerate",
            on_change=_on_setting,
            args=(item["id"], "regenerate", key + ".regenerate"),
            help="Run this step again even when an earlier run has the same inputs "
            "and parameters (no reuse).",
        )


def _param_columns(
    spec: dict[str, Any], item: dict[str, Any], component: dict[str, Any]
) -> dict[str, list[str]]:
    """For each column parameter, the columns that reach the input it names: inferred by
    validation, else (unknown until run) those of the nearest dataset above."""
    spec_of = ComponentSpec.from_dict(component)
    found = {}
    for param in spec_of.params:
        if param.type.value not in ("column", "columns"):
            continue
        columns = designer.reaching_columns(spec, item["id"], spec_of.columns_port(param))
        if columns is None:
            source = ops.upstream_dataset(spec, item["id"])
            columns = (
                [
                    c["name"]
                    for c in ui.dataset_columns(source["dataset"], source.get("dataset_version"))
                ]
                if source
                else []
            )
        found[param.name] = columns
    return found


def _inputs(
    spec: dict[str, Any],
    item: dict[str, Any],
    component: dict[str, Any],
    catalogue: dict[str, dict[str, Any]],
    key: str,
) -> None:
    if not component.get("inputs"):
        st.caption("This component has no inputs.")
    sources = ops.input_sources(spec, item["id"])
    for port in component.get("inputs", []):
        options = [
            NOT_CONNECTED,
            *ops.compatible_sources(spec, catalogue, item["id"], port["kind"]),
        ]
        current = sources.get(port["name"], NOT_CONNECTED)
        if current not in options:
            options.append(current)
        label = port.get("label") or port["name"]
        picker = f"{key}.in.{port['name']}"
        # The draft decides what the picker shows: a wire drawn or deleted on the canvas changes
        # the input under it, and a keyed widget would keep (and later send back) its old value.
        if st.session_state.get(picker) != current:
            st.session_state[picker] = current
        st.selectbox(
            f"{label}{' (optional)' if port.get('optional') else ''}",
            options,
            key=picker,
            on_change=_on_input,
            args=(item["id"], port["name"], picker),
            help=f"Takes a {port['kind'].replace('_', ' ')}.",
        )


def _pipeline_parameters(
    spec: dict[str, Any], item: dict[str, Any], component: dict[str, Any], key: str
) -> None:
    parameters = [p["name"] for p in spec.get("parameters", [])]
    attached = {
        name: ops.param_ref(v) for name, v in item.get("params", {}).items() if ops.param_ref(v)
    }
    with st.expander("Pipeline parameters", icon=":material/link:", expanded=bool(attached)):
        for name, parameter in attached.items():
            left, right = st.columns([3, 2], vertical_alignment="center")
            left.markdown(f"`{name}` ← `{parameter}`")
            right.button(
                "Detach",
                key=f"{key}.detach.{name}",
                on_click=designer.apply,
                args=(ops.detach_parameter, item["id"], name),
            )
        kinds = {
            p["name"]: p["type"] for p in component.get("params", []) if p["name"] not in attached
        }
        if kinds:
            left, right = st.columns([3, 2], vertical_alignment="bottom")
            left.selectbox("Add to pipeline parameter", list(kinds), key=key + ".promote")
            right.button(
                "Add",
                key=key + ".promote.add",
                icon=":material/add_link:",
                on_click=_promote,
                args=(item["id"], key, kinds),
                help="A new pipeline parameter, its default the current value",
            )
        if not parameters:
            st.caption("Or create pipeline parameters under the graph and attach them here.")
            return
        free = [p["name"] for p in component.get("params", []) if p["name"] not in attached]
        if free:
            st.selectbox("Component parameter", free, key=key + ".param")
            st.selectbox("Pipeline parameter", parameters, key=key + ".to")
            st.button(
                "Attach",
                key=key + ".attach",
                icon=":material/link:",
                on_click=_attach,
                args=(item["id"], key),
            )
