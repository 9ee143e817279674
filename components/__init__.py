"""Flowbench's component library: declarative specs and pure implementations.

Nothing here touches files, databases, the network or Streamlit.
"""

from components.registry import Component, all_components, component, get

__all__ = ["Component", "all_components", "component", "get"]
