"""The workspace store on one DuckDB file, owned by the control plane.

`_duckdb_db` shares the connection between threads; `_duckdb_rows` converts rows to entities;
`records/` has one repository per kind of record, all on this one connection.
"""

from __future__ import annotations

from pathlib import Path

from storage._duckdb_db import Database
from storage.records.compute import ComputeTargetRepository, KubeTargetRepository
from storage.records.datasets import DatasetRepository
from storage.records.drafts import DraftRepository
from storage.records.endpoints import EndpointRepository
from storage.records.models import ModelMetricsRepository, ModelRepository
from storage.records.pipelines import PipelineRepository
from storage.records.runs import RunRepository
from storage.workspace import WorkspaceStore


class DuckDBWorkspaceStore(WorkspaceStore):
    """A `WorkspaceStore` on a DuckDB file; open it once per process (the control plane).

    Args:
        path: The database file; it and its folder are created if missing, and pending schema
            migrations are applied.

    Raises:
        WorkspaceLockedError: Another process has the file open.
        StorageError: The file cannot be opened or migrated.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection for every repository: DuckDB lets one process open the file, and one
        # write lock makes each repository's read-check-write sequences atomic.
        self._db = Database(self.path)
        self.applied_migrations = self._db.applied_migrations  # those this opening applied
        self.runs = RunRepository(self._db)
        self.datasets = DatasetRepository(self._db)
        self.drafts = DraftRepository(self._db)
        self.models = ModelRepository(self._db)
        self.model_metrics = ModelMetricsRepository(self._db)
        self.compute = ComputeTargetRepository(self._db)
        self.kube_targets = KubeTargetRepository(self._db, self.compute)
        self.endpoints = EndpointRepository(self._db)
        self.pipelines = PipelineRepository(self._db)

    def close(self) -> None:
        try:
            self.runs.write_unwritten()
        finally:
            self._db.close()
