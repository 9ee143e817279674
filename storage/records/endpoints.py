"""Real-time endpoints and their deployment logs, reached from the store as `store.endpoints`.

Only sha256 hashes of an endpoint's keys are stored here.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage._duckdb_db import Database
from storage._duckdb_rows import from_db_time, to_db_time
from storage.entities import utc_now
from storage.errors import AlreadyExistsError, NotFoundError


class EndpointStatus(StrEnum):
    """Where a real-time endpoint is (the designer's deployment states)."""

    TRANSITIONING = "transitioning"  # being deployed, restarted or updated
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"  # deployed, but its server does not answer its health route
    FAILED = "failed"  # the deployment did not succeed


class EndpointTarget(StrEnum):
    LOCAL = "local"
    KUBERNETES = "kubernetes"


@dataclass(frozen=True)
class RealtimeEndpoint:
    """A deployed scoring service: where it answers, what it serves and where that came from."""

    name: str
    status: EndpointStatus
    target: EndpointTarget
    created_at: datetime
    description: str = ""
    url: str | None = None  # the scoring URI clients POST to
    swagger_url: str | None = None
    primary_key_hash: str | None = None
    secondary_key_hash: str | None = None
    inference_run_id: str | None = None
    training_run_id: str | None = None
    model: str | None = None
    bundle_uri: str | None = None
    resources: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    updated_at: datetime | None = None
    inference_spec: dict[str, Any] = field(default_factory=dict)
    # While an update is in flight: the fields it changed, as they were (None otherwise).
    rollback: dict[str, Any] | None = None


@dataclass(frozen=True)
class EndpointLogLine:
    at: datetime
    message: str


ENDPOINT_COLUMNS = (
    "name",
    "status",
    "target",
    "created_at",
    "description",
    "url",
    "swagger_url",
    "primary_key_hash",
    "secondary_key_hash",
    "inference_run_id",
    "training_run_id",
    "model",
    "bundle_uri",
    "resources",
    "error",
    "updated_at",
    "inference_spec",
    "rollback",
)
ENDPOINT_UPDATABLE = frozenset(ENDPOINT_COLUMNS) - {"name", "created_at", "target"}
_JSON = frozenset({"resources", "inference_spec"})
_TIMES = frozenset({"created_at", "updated_at"})


def _encode(column: str, value: Any) -> Any:
    if column in _JSON:
        return json.dumps(value or {})
    if column == "rollback":
        return None if value is None else json.dumps(value)
    if column in _TIMES:
        return to_db_time(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def _endpoint_from_row(row: tuple[Any, ...]) -> RealtimeEndpoint:
    r = dict(zip(ENDPOINT_COLUMNS, row, strict=True))
    for column in _JSON:
        r[column] = json.loads(r[column] or "{}")
    r["rollback"] = None if r["rollback"] is None else json.loads(r["rollback"])
    for column in _TIMES:
        r[column] = from_db_time(r[column])
    r["status"] = EndpointStatus(r["status"])
    r["target"] = EndpointTarget(r["target"])
    r["description"] = r["description"] or ""
    return RealtimeEndpoint(**r)


class EndpointRepository:
    """Real-time endpoint records and their deployment logs."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, endpoint: RealtimeEndpoint) -> RealtimeEndpoint:
        """Record a new endpoint.

        Raises:
            AlreadyExistsError: An endpoint has that name.
        """
        values = [_encode(c, getattr(endpoint, c)) for c in ENDPOINT_COLUMNS]
        with self._db.writing() as cur:
            if cur.execute(
                "SELECT 1 FROM realtime_endpoints WHERE name = ?", [endpoint.name]
            ).fetchone():
                raise AlreadyExistsError(
                    f"An endpoint named '{endpoint.name}' already exists; "
                    "choose another name or delete it first."
                )
            cur.execute(
                f"INSERT INTO realtime_endpoints ({', '.join(ENDPOINT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(values))})",
                values,
            )
        return endpoint

    def get(self, name: str) -> RealtimeEndpoint:
        """The endpoint called `name`.

        Raises:
            NotFoundError: No endpoint has that name.
        """
        with self._db.reading() as cur:
            row = cur.execute(
                f"SELECT {', '.join(ENDPOINT_COLUMNS)} FROM realtime_endpoints WHERE name = ?",
                [name],
            ).fetchone()
        if row is None:
            raise NotFoundError(f"No endpoint named '{name}' exists.")
        return _endpoint_from_row(row)

    def list(self) -> list[RealtimeEndpoint]:
        """Every endpoint, by name."""
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {', '.join(ENDPOINT_COLUMNS)} FROM realtime_endpoints ORDER BY name"
            ).fetchall()
        return [_endpoint_from_row(r) for r in found]

    def update(self, name: str, **fields: Any) -> RealtimeEndpoint:
        """Change some fields of an endpoint (its `updated_at` is stamped).

        Raises:
            NotFoundError: No endpoint has that name.
            ValueError: A field is unknown or not updatable.
        """
        unknown = sorted(set(fields) - ENDPOINT_UPDATABLE)
        if unknown:
            raise ValueError(
                f"Cannot update endpoint field(s) {unknown}; updatable fields are "
                f"{sorted(ENDPOINT_UPDATABLE)}."
            )
        fields.setdefault("updated_at", utc_now())
        assignments = ", ".join(f"{c} = ?" for c in fields)
        with self._db.writing() as cur:
            if not cur.execute(
                "SELECT 1 FROM realtime_endpoints WHERE name = ?", [name]
            ).fetchone():
                raise NotFoundError(f"No endpoint named '{name}' exists.")
            cur.execute(
                f"UPDATE realtime_endpoints SET {assignments} WHERE name = ?",
                [_encode(c, v) for c, v in fields.items()] + [name],
            )
        return self.get(name)

    def delete(self, name: str) -> None:
        """Forget an endpoint and its logs.

        Raises:
            NotFoundError: No endpoint has that name.
        """
        with self._db.writing() as cur:
            if not cur.execute(
                "SELECT 1 FROM realtime_endpoints WHERE name = ?", [name]
            ).fetchone():
                raise NotFoundError(f"No endpoint named '{name}' exists.")
            cur.execute("DELETE FROM endpoint_logs WHERE endpoint = ?", [name])
            cur.execute("DELETE FROM realtime_endpoints WHERE name = ?", [name])

    def add_log(self, name: str, message: str) -> None:
        """Append one line to an endpoint's deployment log."""
        with self._db.writing() as cur:
            # Nothing is written for an endpoint that is gone (a deployment ending after delete).
            cur.execute(
                "INSERT INTO endpoint_logs (endpoint, logged_at, message) "
                "SELECT ?, ?, ? WHERE EXISTS "
                "(SELECT 1 FROM realtime_endpoints WHERE name = ?)",
                [name, to_db_time(utc_now()), message, name],
            )

    def logs(self, name: str) -> builtins.list[EndpointLogLine]:  # `list` is a method here
        """An endpoint's deployment log, oldest first."""
        with self._db.reading() as cur:
            found = cur.execute(
                "SELECT logged_at, message FROM endpoint_logs WHERE endpoint = ? ORDER BY seq",
                [name],
            ).fetchall()
        return [EndpointLogLine(at=from_db_time(at), message=msg) for at, msg in found]
