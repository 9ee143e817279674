"""The `storage` package's public names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: whether duckdb gets imported depends on what was imported before.
_PROBE = """
import sys
import storage.artifacts, storage.uploads, storage.samples
assert "duckdb" not in sys.modules, "the artifact store imported duckdb"
import storage
missing = [name for name in storage.__all__ if getattr(storage, name, None) is None]
assert not missing, missing
assert storage.DuckDBWorkspaceStore.__module__ == "storage.duckdb_store"
assert issubclass(storage.DuckDBWorkspaceStore, storage.WorkspaceStore)
print("ok")
"""


def test_exports_resolve_and_workers_need_no_duckdb():
    """Every name in storage.__all__ resolves, and the artifact side never imports duckdb."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
