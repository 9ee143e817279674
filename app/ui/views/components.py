"""Components: the catalogue, with each component's ports, parameters and help."""

import streamlit as st

from app.ui import client as ui
from app.ui.client import call
from app.ui.widgets.palette import grouped

st.title("Components")
catalogue = call(ui.components)
query = st.text_input(
    "Search", key="components.search", placeholder="Search components", icon=":material/search:"
)
for category, members in grouped(catalogue, query).items():
    st.subheader(category)
    for component in members:
        with st.expander(f"{component['name']} · `{component['id']}` v{component['version']}"):
            st.markdown(component.get("description") or "")
            inputs, outputs = st.columns(2)
            inputs.markdown("**Inputs**")
            inputs.dataframe(
                [
                    {
                        "port": p["name"],
                        "label": p["label"],
                        "kind": p["kind"],
                        "optional": p["optional"],
                    }
                    for p in component["inputs"]
                ]
                or [{"port": "(none)"}],
                hide_index=True,
                width="stretch",
            )
            outputs.markdown("**Outputs**")
            outputs.dataframe(
                [
                    {"port": p["name"], "label": p["label"], "kind": p["kind"]}
                    for p in component["outputs"]
                ],
                hide_index=True,
                width="stretch",
            )
            if component["params"]:
                st.markdown("**Parameters**")
                st.dataframe(
                    [
                        {
                            "parameter": p["label"],
                            "name": p["name"],
                            "type": p["type"],
                            "default": repr(p["default"]),
                            "range": ""
                            if p["min"] is None and p["max"] is None
                            else f"{p['min']} … {p['max']}",
                            "choices": ", ".join(p["choices"]),
                            "help": p["help"],
                        }
                        for p in component["params"]
                    ],
                    hide_index=True,
                    width="stretch",
                )
