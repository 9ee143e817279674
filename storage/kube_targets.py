"""Kubernetes compute targets: the cluster settings of a compute target whose workers run as a
Deployment (reached from the store as `store.kube_targets`). No credentials are stored here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage._duckdb_db import Database
from storage._duckdb_rows import from_db_time, to_db_time
from storage.entities import utc_now
from storage.errors import ConflictError, NotFoundError

_COLUMNS = ("name", "settings", "scaler", "deployed_at", "error")


@dataclass(frozen=True)
class KubeTargetRecord:
    """Where a compute target's workers run on Kubernetes, and how its last deploy went."""

    name: str
    settings: dict[str, Any] = field(default_factory=dict)
    scaler: str | None = None  # keda | replicas
    deployed_at: datetime | None = None
    error: str | None = None


def _from_row(row: tuple[Any, ...]) -> KubeTargetRecord:
    name, settings, scaler, deployed_at, error = row
    return KubeTargetRecord(
        name=name,
        settings=json.loads(settings),
        scaler=scaler,
        deployed_at=from_db_time(deployed_at) if deployed_at else None,
        error=error,
    )


class KubeTargetRepository:
    """The kube_compute_targets table (migration 0004)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list(self) -> list[KubeTargetRecord]:
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM kube_compute_targets ORDER BY name"
            ).fetchall()
        return [_from_row(r) for r in found]

    def get(self, name: str) -> KubeTargetRecord:
        """Raises: NotFoundError: `name` is not a Kubernetes compute target."""
        with self._db.reading() as cur:
            row = cur.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM kube_compute_targets WHERE name = ?", [name]
            ).fetchone()
        if row is None:
            raise NotFoundError(f"No Kubernetes compute target named '{name}' exists.")
        return _from_row(row)

    def save(
        self, name: str, settings: dict[str, Any], *, scaler: str | None, error: str | None = None
    ) -> KubeTargetRecord:
        """Record (or replace) a target's settings and the outcome of its deploy.

        Raises:
            NotFoundError: No compute target `name` exists (create it first).
        """
        deployed_at = None if error else utc_now()
        with self._db.writing() as cur:
            if (
                cur.execute("SELECT 1 FROM compute_targets WHERE name = ?", [name]).fetchone()
                is None
            ):
                raise NotFoundError(f"No compute target named '{name}' exists.")
            cur.execute("DELETE FROM kube_compute_targets WHERE name = ?", [name])
            cur.execute(
                f"INSERT INTO kube_compute_targets ({', '.join(_COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
                [
                    name,
                    json.dumps(settings, sort_keys=True),
                    scaler,
                    to_db_time(deployed_at) if deployed_at else None,
                    error,
                ],
            )
        return KubeTargetRecord(name, settings, scaler, deployed_at, error)

    def remove_target(self, name: str) -> None:
        """Forget the compute target `name` and its Kubernetes settings, in one transaction.

        Raises:
            NotFoundError: No compute target `name` exists.
            ConflictError: It is the default target.
        """
        with self._db.writing() as cur:
            row = cur.execute(
                "SELECT is_default FROM compute_targets WHERE name = ?", [name]
            ).fetchone()
            if row is None:
                raise NotFoundError(f"No compute target named '{name}' exists.")
            if row[0]:
                raise ConflictError(
                    f"Compute target '{name}' is the default; make another "
                    "target the default first."
                )
            cur.execute("DELETE FROM kube_compute_targets WHERE name = ?", [name])
            cur.execute("DELETE FROM compute_targets WHERE name = ?", [name])
