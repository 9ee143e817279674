"""Compute targets (a named RQ queue, one of them the default), and the cluster settings of
those whose workers run as a Kubernetes Deployment (`store.kube_targets`). No credentials are
stored here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage import _duckdb_rows as rows
from storage._duckdb_db import Database
from storage._duckdb_rows import from_db_time, to_db_time
from storage.entities import ComputeTarget, utc_now
from storage.errors import ConflictError, NotFoundError
from storage.records._memo import Memo
from storage.records._sql import require_name

_KUBE_COLUMNS = ("name", "settings", "scaler", "deployed_at", "error")


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


class ComputeTargetRepository:
    """Compute targets on the workspace database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # The list, kept until the next write of compute_targets (all of them are here).
        self._targets: Memo[str, list[ComputeTarget]] = Memo()

    def list_compute_targets(self) -> list[ComputeTarget]:
        """Every compute target, by name."""
        kept, targets = self._targets.get("all")
        if not kept or targets is None:
            generation = self._targets.generation
            targets = self._read_targets()
            self._targets.keep(generation, {"all": targets})
        return list(targets)  # the targets are frozen; the list is the caller's

    def _read_targets(self) -> list[ComputeTarget]:
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.COMPUTE_TARGET_COLUMNS)} "
                "FROM compute_targets ORDER BY name"
            )
            return [rows.compute_target_from_row(r) for r in found.fetchall()]

    def upsert_compute_target(
        self, *, name: str, queue: str, description: str = "", is_default: bool = False
    ) -> ComputeTarget:
        """Create or replace a compute target; `is_default=True` makes it the only default.

        Raises:
            ConflictError: The call would leave no default target (it is the default and
                `is_default` is False).
        """
        require_name("compute target", name)
        require_name("queue", queue)
        target = ComputeTarget(
            name=name, queue=queue, description=description, is_default=bool(is_default)
        )
        with self._db.writing() as cur:
            was_default = cur.execute(
                "SELECT is_default FROM compute_targets WHERE name = ?", [name]
            ).fetchone()
            if was_default is not None and was_default[0] and not is_default:
                raise ConflictError(
                    f"Compute target '{name}' is the default; make another "
                    "target the default first."
                )
            if is_default:
                cur.execute(
                    "UPDATE compute_targets SET is_default = false WHERE is_default AND name <> ?",
                    [name],
                )
            if was_default is None:
                cur.execute(
                    "INSERT INTO compute_targets VALUES (?, ?, ?, ?)",
                    [name, queue, description, target.is_default],
                )
            else:
                cur.execute(
                    "UPDATE compute_targets SET queue = ?, description = ?, "
                    "is_default = ? WHERE name = ?",
                    [queue, description, target.is_default, name],
                )
        self.written()
        return target

    def written(self) -> None:
        """compute_targets was written (committed): the list is read again."""
        self._targets.written()

    @property
    def generation(self) -> int:
        """A number that moves on whenever a compute target is added, changed or removed."""
        return self._targets.generation

    def default_compute_target(self) -> ComputeTarget:
        """The compute target used by nodes that name none.

        Raises:
            NotFoundError: No target is the default.
        """
        with self._db.reading() as cur:
            row = cur.execute(
                f"SELECT {rows.select_list(rows.COMPUTE_TARGET_COLUMNS)} "
                "FROM compute_targets WHERE is_default ORDER BY name LIMIT 1"
            ).fetchone()
        if row is None:
            raise NotFoundError("No compute target is the default.")
        return rows.compute_target_from_row(row)


class KubeTargetRepository:
    """The kube_compute_targets table (migration 0004); removing a target also deletes its
    compute_targets row, which `compute` is told of."""

    def __init__(self, db: Database, compute: ComputeTargetRepository) -> None:
        self._db = db
        self._compute = compute

    def list(self) -> list[KubeTargetRecord]:
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {', '.join(_KUBE_COLUMNS)} FROM kube_compute_targets ORDER BY name"
            ).fetchall()
        return [_from_row(r) for r in found]

    def get(self, name: str) -> KubeTargetRecord:
        """Raises: NotFoundError: `name` is not a Kubernetes compute target."""
        with self._db.reading() as cur:
            row = cur.execute(
                f"SELECT {', '.join(_KUBE_COLUMNS)} FROM kube_compute_targets WHERE name = ?",
                [name],
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
                f"INSERT INTO kube_compute_targets ({', '.join(_KUBE_COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?)",
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
        self._compute.written()
