"""The runner's side of `components.runtime.Runtime`: sandboxes and workspace folders."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
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
    artifact_store: Any = None  # storage.artifacts.ArtifactStore frozen nodes load from

    @classmethod
    def from_environment(
        cls, log: TextIO, env: Mapping[str, str] | None = None, *, artifact_store: Any = None
    ) -> StepRuntime:
        """The import and export folders of the machine the step runs on: FLOWBENCH_HOME's
        ``imports`` and ``exports`` (the workspace's own on the control plane's machine)."""
        env = os.environ if env is None else env
        home = Path(env.get("FLOWBENCH_HOME", "workspace")).resolve()
        return cls(home / "imports", home / "exports", log, artifact_store=artifact_store)

    def run_sql(self, query: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        from jobs.runtime.sql import run_sql

        return run_sql(query, tables)

    def run_python(
        self, script: str, function: str, arguments: list[Any], timeout: float | None = None
    ) -> Any:
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
        from storage.errors import ArtifactError

        if self.artifact_store is None:
            raise ComponentInputError(
                "This runner has no artifact store to load frozen "
                f"artifacts from; cannot load {uri!r}."
            )
        try:
            return self.artifact_store.get_object(uri)
        except ArtifactError as exc:
            raise ComponentInputError(f"Cannot load the frozen artifact: {exc}") from exc
