"""The runner's side of `components.runtime.Runtime`: sandboxes and workspace folders."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pandas as pd


@dataclass
class StepRuntime:
    """Effects for one step: SQL and Python sandboxes, the import and export folders.

    `log` receives what user code prints (the step log).
    """

    import_root: Path
    export_root: Path
    log: TextIO = field(default_factory=lambda: sys.stdout)
    artifact_root: Path | None = None  # the artifact store frozen nodes load from

    def run_sql(self, query: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        from jobs.runtime.sql import run_sql

        return run_sql(query, tables)

    def run_python(self, script: str, function: str, arguments: list[Any],
                   timeout: float | None = None) -> Any:
        from jobs.runtime.python import run_python

        return run_python(script, function, arguments, timeout=timeout, log=self.log)

    def read_source(self, location: str, *, max_bytes: int) -> bytes:
        from jobs.runtime.files import read_source

        return read_source(self.import_root, location, max_bytes=max_bytes)

    def write_export(self, relative_path: str, data: bytes) -> str:
        from jobs.runtime.files import write_export

        return write_export(self.export_root, relative_path, data)

    def load_artifact(self, uri: str) -> Any:
        from components.errors import ComponentInputError
        from storage.artifacts import ArtifactStore
        from storage.errors import ArtifactError

        if self.artifact_root is None:
            raise ComponentInputError("This runner has no artifact store to load frozen "
                                      f"artifacts from; cannot load {uri!r}.")
        try:
            return ArtifactStore(self.artifact_root).get_object(uri)
        except ArtifactError as exc:
            raise ComponentInputError(f"Cannot load the frozen artifact: {exc}") from exc
