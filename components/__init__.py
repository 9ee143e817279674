"""Flowbench's component library: declarative specs and pure implementations.

Nothing here touches files, databases, the network or Streamlit. Three parts:

- The framework, at this top level: what a component is and how it runs. `spec` (ports,
  params, `ComponentSpec`), `registry` (the `@component` decorator, lookup, and discovery:
  the first lookup imports `components.library`, which registers every component), `runtime`
  (the effects a component may ask the runner for), `errors`, and the column helpers the
  framework and the store use: `metadata` (column roles and types), `columns` (the column
  selector), `column_flow` (declared output-column rules) and `inputs` (checks on what
  arrives at a port).
- `components.ml`: the machine-learning and data helpers the components are built from
  (learners and estimators, tasks, metrics and evaluation, feature encoding, fitted
  transformations, text, statistics, type conversions, parsing, ...). They know nothing of
  specs or the registry, except the learner and tree parameter declarations.
- `components.library`: the components themselves, one module per designer group. A component
  never imports another one; what two of them share lives in `components.ml` or above.

`components.moved_modules` keeps the helpers' names from before `components.ml` importable,
for objects pickled under them.
"""

from components import moved_modules
from components.registry import Component, all_components, component, get

moved_modules.install()

__all__ = ["Component", "all_components", "component", "get"]
