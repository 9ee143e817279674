"""Old module names of moved helpers, still importable so that stored objects keep loading.

Trained models, fitted transformations and endpoint bundles are pickles, and a pickle names the
module of each class it holds (`components.learners.TrainedModel`). The machine-learning helpers
moved to `components.ml`; without these aliases a model stored before the move (or a step a new
run reuses) could no longer be read. An alias is the new module itself, so classes are identical.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

_ML_HELPERS = (
    "estimators",
    "features",
    "learners",
    "math_functions",
    "metrics",
    "parsing",
    "python_model",
    "recommender",
    "score_columns",
    "split_expressions",
    "statistics",
    "text",
)
_TRANSFORMS = (
    "absent",
    "base",
    "binning",
    "cleaning",
    "imputation",
    "indicators",
    "normalization",
    "selection",
    "topics",
)

# old name -> new name
MOVED: dict[str, str] = {
    **{f"components.{m}": f"components.ml.{m}" for m in _ML_HELPERS},
    "components.conversions": "components.ml.column_types",
    "components.model_metrics": "components.ml.metrics",
    "components.transforms": "components.ml.transforms",
    **{f"components.transforms.{m}": f"components.ml.transforms.{m}" for m in _TRANSFORMS},
    "components.library.binning": "components.library.group_data_into_bins",
    "components.library.inputs": "components.inputs",
    "components.library.learner_params": "components.ml.learner_params",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old name and loads it as the module now holding its code."""

    def find_spec(self, fullname, path=None, target=None):  # noqa: ANN001, ANN201
        if fullname not in MOVED:
            return None
        # Old packages keep no __path__ of their own: their submodules are aliases too.
        return importlib.machinery.ModuleSpec(fullname, self)

    def __init__(self) -> None:
        self._own_specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(MOVED[spec.name])
        self._own_specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The module already ran under its new name; the import system has just set its
        # __spec__ to the old name's, so put back its own.
        module.__spec__ = self._own_specs[module.__name__]


def install() -> None:
    """Let the old names import (once per process; first, so no folder lookup shadows them)."""
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias())
