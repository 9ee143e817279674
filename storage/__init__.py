"""Flowbench's storage: the DuckDB workspace store and the artifact store.

Names are re-exported lazily, so a worker importing `storage.artifacts` does not import duckdb
(workers never touch the workspace database) and the control plane does not pay for pandas
until it needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "storage.errors": [
        "StorageError",
        "NotFoundError",
        "AlreadyExistsError",
        "ConflictError",
        "ArtifactError",
        "ArtifactNotFoundError",
        "ArtifactIntegrityError",
        "UploadError",
        "WorkspaceLockedError",
    ],
    "storage.entities": [
        "RunStatus",
        "StepStatus",
        "RunSource",
        "DatasetSource",
        "Experiment",
        "Run",
        "StepRun",
        "Dataset",
        "DatasetVersion",
        "Draft",
        "ModelVersion",
        "ComputeTarget",
        "new_id",
        "utc_now",
    ],
    "storage.workspace": ["WorkspaceStore"],
    "storage.records.runs": ["RUN_UPDATABLE", "STEP_UPDATABLE"],
    "storage.records.drafts": ["DRAFT_HISTORY_LIMIT"],
    "storage.duckdb_store": ["DuckDBWorkspaceStore"],
    "storage.artifacts": ["ArtifactStore", "TableRef"],
    "storage.uploads": ["read_upload"],
    "storage.samples": ["SAMPLES", "Sample", "Task", "get_sample", "load_sample"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "AlreadyExistsError",
    "ArtifactError",
    "ArtifactIntegrityError",
    "ArtifactNotFoundError",
    "ArtifactStore",
    "ComputeTarget",
    "ConflictError",
    "DRAFT_HISTORY_LIMIT",
    "Dataset",
    "DatasetSource",
    "DatasetVersion",
    "Draft",
    "DuckDBWorkspaceStore",
    "Experiment",
    "ModelVersion",
    "NotFoundError",
    "RUN_UPDATABLE",
    "Run",
    "RunSource",
    "RunStatus",
    "SAMPLES",
    "STEP_UPDATABLE",
    "Sample",
    "StepRun",
    "StepStatus",
    "StorageError",
    "TableRef",
    "Task",
    "UploadError",
    "WorkspaceLockedError",
    "WorkspaceStore",
    "get_sample",
    "load_sample",
    "new_id",
    "read_upload",
    "utc_now",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # let type checkers and IDEs see the real names
    from storage.artifacts import ArtifactStore, TableRef
    from storage.duckdb_store import DuckDBWorkspaceStore
    from storage.entities import (
        ComputeTarget,
        Dataset,
        DatasetSource,
        DatasetVersion,
        Draft,
        Experiment,
        ModelVersion,
        Run,
        RunSource,
        RunStatus,
        StepRun,
        StepStatus,
        new_id,
        utc_now,
    )
    from storage.errors import (
        AlreadyExistsError,
        ArtifactError,
        ArtifactIntegrityError,
        ArtifactNotFoundError,
        ConflictError,
        NotFoundError,
        StorageError,
        UploadError,
        WorkspaceLockedError,
    )
    from storage.records.drafts import DRAFT_HISTORY_LIMIT
    from storage.records.runs import RUN_UPDATABLE, STEP_UPDATABLE
    from storage.samples import SAMPLES, Sample, Task, get_sample, load_sample
    from storage.uploads import read_upload
    from storage.workspace import WorkspaceStore
