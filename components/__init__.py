"""Flowbench's component library: declarative specs and pure implementations.

Nothing here touches files, databases, the network or Streamlit.
"""

from components import moved_modules
from components.registry import Component, all_components, component, get

moved_modules.install()

__all__ = ["Component", "all_components", "component", "get"]
