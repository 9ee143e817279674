"""A component's parameter form, generated from its spec (components.spec.Param as dicts).

One widget per parameter type: numbers, text, a switch, a choice, one column, a column selector
(by name, or with include/exclude rules as components.columns describes). Each change is checked
with the same `Param.check` that pipeline validation uses, so the form and validation cannot
disagree; a wrong value is reported beside its field and never sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app.ui import state
from components.spec import Param
from jobs.pipeline import param_ref

OnValue = Callable[[str, str, Any], None]  # (node id, parameter name, value) -> None
COLUMN_TYPES = ("Numeric", "Integer", "Double", "String", "Boolean", "DateTime", "Categorical")
COLUMN_KINDS = ("Feature", "Label", "Score", "All")
BY_NAME, WITH_RULES = "By name", "With rules"


def visible_params(component: dict[str, Any], values: dict[str, Any]) -> list[Param]:
    """The parameters that apply given the node's values (defaults fill gaps)."""
    params = [Param.from_dict(p) for p in component.get("params", [])]
    merged = {p.name: p.default for p in params} | {
        k: v for k, v in values.items() if param_ref(v) is None
    }
    return [p for p in params if p.is_visible(merged)]


def describe(param: Param) -> str:
    """The help text of a field: the spec's help plus its range or choices."""
    parts = [param.help] if param.help else []
    if param.min is not None or param.max is not None:
        low = "-∞" if param.min is None else f"{param.min:g}"
        high = "∞" if param.max is None else f"{param.max:g}"
        parts.append(
            f"Range: {'(' if param.min_exclusive else '['}{low}, {high}"
            f"{')' if param.max_exclusive else ']'}"
        )
    if param.default not in (None, "", {}) and param.type.value != "columns":
        parts.append(f"Default: {shown_value(param.default)}")
    if param.required:
        parts.append("Required.")
    return "  \n".join(parts) or param.label


def shown_value(value: Any) -> str:
    """A value as users write it (on/off, plain text), not as a Python literal."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def field_error(node_id: str, name: str) -> str | None:
    return st.session_state.get(state.FIELD_ERRORS, {}).get(f"{node_id}.{name}")


def _set_error(node_id: str, name: str, message: str | None) -> None:
    errors = st.session_state.setdefault(state.FIELD_ERRORS, {})
    if message:
        errors[f"{node_id}.{name}"] = message
    else:
        errors.pop(f"{node_id}.{name}", None)


def commit(node_id: str, param: Param, value: Any, on_value: OnValue) -> bool:
    """Check `value`; report the problem beside the field, or hand it on to be saved."""
    if isinstance(value, str) and param.type.value != "text":
        value = value.strip()
    problem = param.check(value)
    _set_error(node_id, param.name, problem)
    if problem:
        return False
    on_value(node_id, param.name, None if param.is_blank(value) else value)
    return True


def _on_widget(node_id: str, param: Param, key: str, on_value: OnValue) -> None:
    commit(node_id, param, st.session_state[key], on_value)


def render(
    component: dict[str, Any],
    node: dict[str, Any],
    *,
    columns: list[str] | dict[str, list[str]],
    on_value: OnValue,
    key: str,
) -> None:
    """Draw one widget per visible parameter of `node`; changes go to `on_value` when valid.

    `columns` offers column names to column parameters: one list for all, or one per
    parameter name."""
    values = node.get("params", {})
    shown = visible_params(component, values)
    if not shown:
        st.caption("This component has no parameters.")
    for param in shown:
        value = values.get(param.name, param.default)
        field_key = f"{key}.{param.name}"
        ref = param_ref(value)
        if ref is not None:
            st.text_input(
                param.label,
                value=f"← pipeline parameter '{ref}'",
                disabled=True,
                key=field_key + ".ref",
                help=describe(param),
            )
            continue
        offered = columns.get(param.name, []) if isinstance(columns, dict) else columns
        if param.type.value == "columns":
            _columns_widget(node["id"], param, value, offered, field_key, on_value)
        else:
            _widget(node["id"], param, value, offered, field_key, on_value)
        message = field_error(node["id"], param.name)
        if message:
            kept = "its default" if param.name not in values else "the last accepted value"
            st.error(f"{message} Not saved: the draft keeps {kept}.", icon=":material/error:")


def _widget(
    node_id: str, param: Param, value: Any, columns: list[str], key: str, on_value: OnValue
) -> None:
    common = {
        "key": key,
        "help": describe(param),
        "on_change": _on_widget,
        "args": (node_id, param, key, on_value),
    }
    label = param.label + (" *" if param.required else "")
    kind = param.type.value
    if kind == "bool":
        st.toggle(label, value=bool(value), **common)
    elif kind == "choice":
        options = list(param.choices)
        st.selectbox(
            label, options, index=options.index(value) if value in options else None, **common
        )
    elif kind == "int":
        st.number_input(label, value=_int_or_none(value), step=1, placeholder="(empty)", **common)
    elif kind == "float":
        st.number_input(
            label,
            value=None if value is None else float(value),
            step=0.01,
            format="%g",
            placeholder="(empty)",
            **common,
        )
    elif kind == "column":
        options = list(dict.fromkeys([*columns, *([value] if value else [])]))
        st.selectbox(
            label,
            options,
            index=options.index(value) if value in options else None,
            accept_new_options=True,
            placeholder="Choose or type a column",
            **common,
        )
    elif kind == "text":
        st.text_area(label, value="" if value is None else str(value), **common)
    else:
        st.text_input(label, value="" if value is None else str(value), **common)


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# -- the column selector -------------------------------------------------------------------


def _columns_widget(
    node_id: str, param: Param, value: Any, columns: list[str], key: str, on_value: OnValue
) -> None:
    selection = value if isinstance(value, dict) else {"names": []}
    with st.container(border=True):
        st.markdown(f"**{param.label}**" + (" \\*" if param.required else ""), help=describe(param))
        st.caption(
            summarize_selection(selection) if isinstance(value, dict) else "No columns chosen yet."
        )
        mode = BY_NAME if "names" in selection else WITH_RULES
        st.radio(
            "Select columns",
            [BY_NAME, WITH_RULES],
            index=[BY_NAME, WITH_RULES].index(mode),
            key=key + ".mode",
            horizontal=True,
            label_visibility="collapsed",
            on_change=_on_mode,
            args=(node_id, param, key, on_value),
        )
        if mode == BY_NAME:
            names = selection.get("names", [])
            st.multiselect(
                "Columns",
                list(dict.fromkeys([*columns, *names])),
                default=names,
                key=key + ".names",
                accept_new_options=True,
                on_change=_on_names,
                args=(node_id, param, key, on_value),
            )
        else:
            _rules_editor(node_id, param, selection, columns, key, on_value)


def _on_mode(node_id: str, param: Param, key: str, on_value: OnValue) -> None:
    chosen = st.session_state[key + ".mode"]
    commit(
        node_id,
        param,
        {"names": []} if chosen == BY_NAME else {"begin": "all", "rules": []},
        on_value,
    )


def _on_names(node_id: str, param: Param, key: str, on_value: OnValue) -> None:
    commit(node_id, param, {"names": list(st.session_state[key + ".names"])}, on_value)


def _rules_editor(
    node_id: str,
    param: Param,
    selection: dict[str, Any],
    columns: list[str],
    key: str,
    on_value: OnValue,
) -> None:
    begin = selection.get("begin", "all")
    st.radio(
        "Begin with",
        ["all", "none"],
        index=0 if begin == "all" else 1,
        horizontal=True,
        format_func=lambda b: "All columns" if b == "all" else "No columns",
        key=key + ".begin",
        on_change=_on_begin,
        args=(node_id, param, selection, key, on_value),
    )
    for number, rule in enumerate(selection.get("rules", [])):
        left, right = st.columns([5, 1], vertical_alignment="center")
        values = rule.get("values")
        shown = values if isinstance(values, str) else ", ".join(map(str, values or []))
        left.markdown(f"{number + 1}. **{rule.get('action')}** {rule.get('by')}: `{shown}`")
        right.button(
            ":material/close:",
            key=f"{key}.rule{number}.del",
            help="Remove this rule",
            on_click=_remove_rule,
            args=(node_id, param, selection, number, on_value),
        )
    with st.form(key + ".add", border=False, clear_on_submit=True):
        action_col, by_col = st.columns(2)
        # Starting from all columns, the rule one usually adds takes some away.
        action = action_col.selectbox(
            "Action", ["include", "exclude"], key=key + ".action", index=1 if begin == "all" else 0
        )
        by = by_col.selectbox("By", ["names", "types", "kinds", "indices"], key=key + ".by")
        picked = st.multiselect(
            "Values",
            list(dict.fromkeys([*columns, *COLUMN_TYPES, *COLUMN_KINDS])),
            key=key + ".values",
            accept_new_options=True,
            help="Names, types (Numeric, String...), kinds (Feature, "
            "Label, Score, All) or, by indices, one text such as "
            "'1-4,6'.",
        )
        if st.form_submit_button("Add rule", icon=":material/add:"):
            values = ",".join(picked) if by == "indices" else list(picked)
            rules = [*selection.get("rules", []), {"action": action, "by": by, "values": values}]
            commit(node_id, param, {**selection, "begin": begin, "rules": rules}, on_value)
            st.rerun()


def _on_begin(
    node_id: str, param: Param, selection: dict[str, Any], key: str, on_value: OnValue
) -> None:
    commit(node_id, param, {**selection, "begin": st.session_state[key + ".begin"]}, on_value)


def _remove_rule(
    node_id: str, param: Param, selection: dict[str, Any], number: int, on_value: OnValue
) -> None:
    rules = [r for i, r in enumerate(selection.get("rules", [])) if i != number]
    commit(node_id, param, {**selection, "rules": rules}, on_value)


def summarize_selection(selection: dict[str, Any]) -> str:
    """A one-line reading of a column selection, for the form and the graph's tooltips."""
    if "names" in selection:
        names = selection["names"]
        return "Columns: " + (", ".join(names) if names else "none chosen yet")
    text = "Start from all columns" if selection.get("begin") == "all" else "Start from none"
    for rule in selection.get("rules", []):
        values = rule.get("values")
        shown = values if isinstance(values, str) else ", ".join(map(str, values or []))
        text += f"; {rule.get('action')} {rule.get('by')} {shown}"
    return text
