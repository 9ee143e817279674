"""Published pipelines: pipeline endpoints and their immutable versions, schedules, what started
each endpoint run, and the lineage of datasets registered from runs (`store.pipelines`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage import _duckdb_rows as rows
from storage._duckdb_db import Database
from storage.entities import Run, utc_now
from storage.errors import AlreadyExistsError, ConflictError, NotFoundError
from storage.records._sql import aggregate


@dataclass(frozen=True)
class PublishedPipeline:
    """One immutable published version of a pipeline endpoint."""

    id: str
    endpoint: str
    version: int
    name: str
    spec: dict[str, Any]
    is_default: bool
    enabled: bool
    description: str
    source_kind: str  # draft | run | spec
    source_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class PipelineEndpoint:
    """A named pipeline endpoint and its versions, oldest first."""

    name: str
    description: str
    created_at: datetime
    versions: list[PublishedPipeline] = field(default_factory=list)

    @property
    def default_version(self) -> int | None:
        return next((v.version for v in self.versions if v.is_default), None)


@dataclass(frozen=True)
class Schedule:
    """A recurring run of an endpoint: a cron expression or an interval, with parameter values."""

    id: str
    endpoint: str
    version: int | None  # None: the endpoint's default version at each tick
    cron: str | None
    interval_s: int | None
    parameters: dict[str, Any]
    experiment: str
    description: str
    paused: bool
    start_at: datetime
    last_tick: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class RunOrigin:
    """The endpoint (and schedule, if any) that started a run, with the caller's notes."""

    run_id: str
    endpoint: str
    version: int
    schedule_id: str | None
    tick: datetime | None
    description: str
    tags: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class DatasetLineage:
    """The run step output a dataset version was registered from."""

    name: str
    version: int
    run_id: str
    node_id: str
    port: str


_VERSION_COLUMNS = (
    "id",
    "endpoint_name",
    "version",
    "name",
    "spec",
    "is_default",
    "enabled",
    "description",
    "source_kind",
    "source_id",
    "created_at",
)
_SCHEDULE_COLUMNS = (
    "id",
    "endpoint_name",
    "version",
    "cron",
    "interval_s",
    "parameters",
    "experiment",
    "description",
    "paused",
    "start_at",
    "last_tick",
    "created_at",
)
_ORIGIN_COLUMNS = (
    "run_id",
    "endpoint_name",
    "version",
    "schedule_id",
    "tick",
    "description",
    "tags",
    "created_at",
)


def _version(row: tuple[Any, ...]) -> PublishedPipeline:
    r = dict(zip(_VERSION_COLUMNS, row, strict=True))
    return PublishedPipeline(
        id=r["id"],
        endpoint=r["endpoint_name"],
        version=r["version"],
        name=r["name"],
        spec=json.loads(r["spec"]),
        is_default=r["is_default"],
        enabled=r["enabled"],
        description=r["description"] or "",
        source_kind=r["source_kind"] or "spec",
        source_id=r["source_id"],
        created_at=rows.from_db_time(r["created_at"]),
    )


def _schedule(row: tuple[Any, ...]) -> Schedule:
    r = dict(zip(_SCHEDULE_COLUMNS, row, strict=True))
    return Schedule(
        id=r["id"],
        endpoint=r["endpoint_name"],
        version=r["version"],
        cron=r["cron"],
        interval_s=r["interval_s"],
        parameters=json.loads(r["parameters"]),
        experiment=r["experiment"],
        description=r["description"],
        paused=r["paused"],
        start_at=rows.from_db_time(r["start_at"]),
        last_tick=rows.from_db_time(r["last_tick"]),
        created_at=rows.from_db_time(r["created_at"]),
    )


def _origin(row: tuple[Any, ...]) -> RunOrigin:
    r = dict(zip(_ORIGIN_COLUMNS, row, strict=True))
    return RunOrigin(
        run_id=r["run_id"],
        endpoint=r["endpoint_name"],
        version=r["version"],
        schedule_id=r["schedule_id"],
        tick=rows.from_db_time(r["tick"]),
        description=r["description"],
        tags=json.loads(r["tags"]),
        created_at=rows.from_db_time(r["created_at"]),
    )


def _cols(columns: tuple[str, ...], alias: str = "") -> str:
    return rows.select_list(columns, alias)


class PipelineRepository:
    """Pipeline endpoints, versions, schedules and run origins on the workspace's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- endpoints and versions ---------------------------------------------------------------

    def create_endpoint(self, name: str, key_hash: str, description: str = "") -> None:
        """Record a new endpoint.

        Raises:
            AlreadyExistsError: An endpoint has that name.
        """
        with self._db.writing() as cur:
            if cur.execute("SELECT 1 FROM pipeline_endpoints WHERE name = ?", [name]).fetchone():
                raise AlreadyExistsError(f"Pipeline endpoint '{name}' already exists.")
            cur.execute(
                "INSERT INTO pipeline_endpoints VALUES (?, ?, ?, ?)",
                [name, description, key_hash, rows.to_db_time(utc_now())],
            )

    def get_endpoint(self, name: str) -> PipelineEndpoint:
        """An endpoint with its versions.

        Raises:
            NotFoundError: No endpoint has that name.
        """
        with self._db.reading() as cur:
            row = cur.execute(
                "SELECT name, description, created_at FROM pipeline_endpoints WHERE name = ?",
                [name],
            ).fetchone()
            if row is None:
                known = [
                    r[0]
                    for r in cur.execute(
                        "SELECT name FROM pipeline_endpoints ORDER BY name"
                    ).fetchall()
                ]
                raise NotFoundError(
                    f"No pipeline endpoint '{name}' exists (known: {', '.join(known) or 'none'})."
                )
            versions = cur.execute(
                f"SELECT {_cols(_VERSION_COLUMNS)} FROM published_pipelines "
                "WHERE endpoint_name = ? ORDER BY version",
                [name],
            ).fetchall()
        return PipelineEndpoint(
            name=row[0],
            description=row[1],
            created_at=rows.from_db_time(row[2]),
            versions=[_version(v) for v in versions],
        )

    def list_endpoints(self) -> list[PipelineEndpoint]:
        with self._db.reading() as cur:
            names = [
                r[0]
                for r in cur.execute("SELECT name FROM pipeline_endpoints ORDER BY name").fetchall()
            ]
        return [self.get_endpoint(name) for name in names]

    def key_hash(self, name: str) -> str | None:
        """The sha256 of an endpoint's key; None when there is no such endpoint."""
        with self._db.reading() as cur:
            row = cur.execute(
                "SELECT key_hash FROM pipeline_endpoints WHERE name = ?", [name]
            ).fetchone()
        return None if row is None else row[0]

    def set_key_hash(self, name: str, key_hash: str) -> None:
        with self._db.writing() as cur:
            self._require_endpoint(cur, name)
            cur.execute(
                "UPDATE pipeline_endpoints SET key_hash = ? WHERE name = ?", [key_hash, name]
            )

    def add_version(
        self,
        *,
        endpoint: str,
        name: str,
        spec: dict[str, Any],
        description: str,
        source_kind: str,
        source_id: str | None,
        make_default: bool,
        version_id: str,
    ) -> PublishedPipeline:
        """Record the endpoint's next version; the first one is always the default."""
        now = rows.to_db_time(utc_now())
        with self._db.writing() as cur:
            self._require_endpoint(cur, endpoint)
            latest = aggregate(
                cur,
                "SELECT max(version) FROM published_pipelines WHERE endpoint_name = ?",
                [endpoint],
            )
            version = (latest or 0) + 1
            default = make_default or latest is None
            if default:
                cur.execute(
                    "UPDATE published_pipelines SET is_default = false "
                    "WHERE endpoint_name = ? AND is_default",
                    [endpoint],
                )
            cur.execute(
                f"INSERT INTO published_pipelines ({_cols(_VERSION_COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    version_id,
                    endpoint,
                    version,
                    name,
                    json.dumps(spec),
                    default,
                    True,
                    description,
                    source_kind,
                    source_id,
                    now,
                ],
            )
            return self._fetch_version(cur, endpoint, version)

    def get_version(self, endpoint: str, version: int | None = None) -> PublishedPipeline:
        """A version of an endpoint; its default one when `version` is None.

        Raises:
            NotFoundError: No such endpoint, version, or no default.
        """
        with self._db.reading() as cur:
            self._require_endpoint(cur, endpoint)
            if version is None:
                row = cur.execute(
                    f"SELECT {_cols(_VERSION_COLUMNS)} FROM published_pipelines "
                    "WHERE endpoint_name = ? AND is_default",
                    [endpoint],
                ).fetchone()
                if row is None:
                    raise NotFoundError(f"Pipeline endpoint '{endpoint}' has no default version.")
                return _version(row)
            return self._fetch_version(cur, endpoint, version)

    def get_version_by_id(self, version_id: str) -> PublishedPipeline:
        with self._db.reading() as cur:
            row = cur.execute(
                f"SELECT {_cols(_VERSION_COLUMNS)} FROM published_pipelines WHERE id = ?",
                [version_id],
            ).fetchone()
        if row is None:
            raise NotFoundError(f"No published pipeline '{version_id}' exists.")
        return _version(row)

    def set_default(self, endpoint: str, version: int) -> PublishedPipeline:
        """Make `version` the one a call without a version runs."""
        with self._db.writing() as cur:
            found = self._fetch_version(cur, endpoint, version)
            if not found.enabled:
                raise ConflictError(
                    f"Version {version} of '{endpoint}' is disabled; enable it "
                    "before making it the default."
                )
            cur.execute(
                "UPDATE published_pipelines SET is_default = (version = ?) WHERE endpoint_name = ?",
                [version, endpoint],
            )
            return self._fetch_version(cur, endpoint, version)

    def set_enabled(self, endpoint: str, version: int, enabled: bool) -> PublishedPipeline:
        with self._db.writing() as cur:
            self._fetch_version(cur, endpoint, version)
            cur.execute(
                "UPDATE published_pipelines SET enabled = ? "
                "WHERE endpoint_name = ? AND version = ?",
                [enabled, endpoint, version],
            )
            return self._fetch_version(cur, endpoint, version)

    def _require_endpoint(self, cur: Any, name: str) -> None:
        if cur.execute("SELECT 1 FROM pipeline_endpoints WHERE name = ?", [name]).fetchone():
            return
        raise NotFoundError(f"No pipeline endpoint '{name}' exists.")

    def _fetch_version(self, cur: Any, endpoint: str, version: int) -> PublishedPipeline:
        self._require_endpoint(cur, endpoint)
        row = cur.execute(
            f"SELECT {_cols(_VERSION_COLUMNS)} FROM published_pipelines "
            "WHERE endpoint_name = ? AND version = ?",
            [endpoint, version],
        ).fetchone()
        if row is None:
            latest = aggregate(
                cur,
                "SELECT max(version) FROM published_pipelines WHERE endpoint_name = ?",
                [endpoint],
            )
            raise NotFoundError(
                f"Pipeline endpoint '{endpoint}' has no version {version} "
                f"(versions 1 to {latest or 0})."
            )
        return _version(row)

    # -- runs started by endpoints and schedules ----------------------------------------------

    def record_origin(self, origin: RunOrigin) -> None:
        values = [
            origin.run_id,
            origin.endpoint,
            origin.version,
            origin.schedule_id,
            rows.to_db_time(origin.tick),
            origin.description,
            json.dumps(origin.tags),
            rows.to_db_time(origin.created_at),
        ]
        with self._db.writing() as cur:
            cur.execute(
                f"INSERT INTO pipeline_run_sources ({_cols(_ORIGIN_COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )

    def origin(self, run_id: str) -> RunOrigin | None:
        with self._db.reading() as cur:
            row = cur.execute(
                f"SELECT {_cols(_ORIGIN_COLUMNS)} FROM pipeline_run_sources WHERE run_id = ?",
                [run_id],
            ).fetchone()
        return None if row is None else _origin(row)

    def list_runs(
        self, *, endpoint: str | None = None, schedule_id: str | None = None, limit: int = 100
    ) -> list[tuple[Run, RunOrigin]]:
        """Runs started through endpoints (one endpoint, one schedule), newest first."""
        clauses, params = [], []
        if endpoint is not None:
            clauses.append("o.endpoint_name = ?")
            params.append(endpoint)
        if schedule_id is not None:
            clauses.append("o.schedule_id = ?")
            params.append(schedule_id)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {_cols(rows.RUN_COLUMNS, 'r')}, {_cols(_ORIGIN_COLUMNS, 'o')} "
                f"FROM pipeline_run_sources o JOIN runs r ON r.id = o.run_id{where} "
                "ORDER BY r.seq DESC LIMIT ?",
                [*params, limit],
            ).fetchall()
        split = len(rows.RUN_COLUMNS)
        return [(rows.run_from_row(r[:split]), _origin(r[split:])) for r in found]

    # -- schedules ----------------------------------------------------------------------------

    def create_schedule(self, schedule: Schedule) -> Schedule:
        values = [
            schedule.id,
            schedule.endpoint,
            schedule.version,
            schedule.cron,
            schedule.interval_s,
            json.dumps(schedule.parameters),
            schedule.experiment,
            schedule.description,
            schedule.paused,
            rows.to_db_time(schedule.start_at),
            rows.to_db_time(schedule.last_tick),
            rows.to_db_time(schedule.created_at),
        ]
        with self._db.writing() as cur:
            self._require_endpoint(cur, schedule.endpoint)
            cur.execute(
                f"INSERT INTO pipeline_schedules ({_cols(_SCHEDULE_COLUMNS)}) VALUES "
                f"({', '.join(['?'] * len(values))})",
                values,
            )
            return self._fetch_schedule(cur, schedule.id)

    def get_schedule(self, schedule_id: str) -> Schedule:
        with self._db.reading() as cur:
            return self._fetch_schedule(cur, schedule_id)

    def list_schedules(self, endpoint: str | None = None) -> list[Schedule]:
        where, params = (" WHERE endpoint_name = ?", [endpoint]) if endpoint else ("", [])
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {_cols(_SCHEDULE_COLUMNS)} FROM pipeline_schedules"
                f"{where} ORDER BY created_at, id",
                params,
            ).fetchall()
        return [_schedule(r) for r in found]

    def set_paused(self, schedule_id: str, paused: bool) -> Schedule:
        with self._db.writing() as cur:
            self._fetch_schedule(cur, schedule_id)
            cur.execute(
                "UPDATE pipeline_schedules SET paused = ? WHERE id = ?", [paused, schedule_id]
            )
            return self._fetch_schedule(cur, schedule_id)

    def delete_schedule(self, schedule_id: str) -> None:
        with self._db.writing() as cur:
            self._fetch_schedule(cur, schedule_id)
            cur.execute("DELETE FROM pipeline_schedules WHERE id = ?", [schedule_id])

    def advance_tick(self, schedule_id: str, tick: datetime) -> bool:
        """Record `tick` as the schedule's newest fired tick, unless it (or a later one) already
        is, or the schedule is paused or gone: True when this call moved it (compare and set)."""
        with self._db.writing() as cur:
            row = cur.execute(
                "SELECT last_tick, paused FROM pipeline_schedules WHERE id = ?", [schedule_id]
            ).fetchone()
            if row is None or row[1]:
                return False
            last = rows.from_db_time(row[0])
            if last is not None and last >= tick:
                return False
            cur.execute(
                "UPDATE pipeline_schedules SET last_tick = ? WHERE id = ?",
                [rows.to_db_time(tick), schedule_id],
            )
            return True

    def _fetch_schedule(self, cur: Any, schedule_id: str) -> Schedule:
        row = cur.execute(
            f"SELECT {_cols(_SCHEDULE_COLUMNS)} FROM pipeline_schedules WHERE id = ?", [schedule_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"No schedule '{schedule_id}' exists.")
        return _schedule(row)

    # -- dataset lineage ----------------------------------------------------------------------

    def record_lineage(self, lineage: DatasetLineage) -> None:
        with self._db.writing() as cur:
            cur.execute(
                "INSERT INTO dataset_lineage VALUES (?, ?, ?, ?, ?)",
                [lineage.name, lineage.version, lineage.run_id, lineage.node_id, lineage.port],
            )

    def lineage(self, name: str, version: int) -> DatasetLineage | None:
        with self._db.reading() as cur:
            row = cur.execute(
                "SELECT name, version, run_id, node_id, port FROM dataset_lineage "
                "WHERE name = ? AND version = ?",
                [name, version],
            ).fetchone()
        return None if row is None else DatasetLineage(*row)
