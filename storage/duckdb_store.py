"""The workspace store on one DuckDB file, owned by the control plane.

`_duckdb_db` shares the connection between threads; `_duckdb_rows` converts rows to entities.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from storage import _duckdb_rows as rows
from storage._duckdb_db import Cursor, Database
from storage.endpoints import EndpointRepository, ModelMetricsRepository
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
    check_transition,
    new_id,
    utc_now,
)
from storage.errors import ConflictError, NotFoundError
from storage.kube_targets import KubeTargetRepository
from storage.workspace import (
    DRAFT_HISTORY_LIMIT,
    RUN_UPDATABLE,
    STEP_UPDATABLE,
    StepInput,
    WorkspaceStore,
    check_fields,
    coerce_step,
)

_EXPERIMENT_SELECT = (
    "SELECT e.name, e.description, e.created_at, count(r.id), arg_max(r.status, r.seq) "
    "FROM experiments e LEFT JOIN runs r ON r.experiment = e.name "
)
_EXPERIMENT_GROUP = " GROUP BY e.name, e.description, e.created_at"


def _require_name(kind: str, value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"A {kind} name must be a non-blank string; got {value!r}.")
    return value


def _placeholders(count: int) -> str:
    return ", ".join(["?"] * count)


def _set_clause(fields: dict[str, Any]) -> tuple[str, list[Any]]:
    return ", ".join(f"{f} = ?" for f in fields), [rows.to_db(f, v) for f, v in fields.items()]


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
        self._db = Database(self.path)
        self.applied_migrations = self._db.applied_migrations  # those this opening applied
        # Newer kinds get a repository of their own behind the same store.
        self.endpoints = EndpointRepository(self._db)
        self.model_metrics = ModelMetricsRepository(self._db)
        self.kube_targets = KubeTargetRepository(self._db)

    def close(self) -> None:
        self._db.close()

    # -- experiments --------------------------------------------------------------------------

    def get_or_create_experiment(self, name: str, description: str = "") -> Experiment:
        _require_name("experiment", name)
        with self._db.writing() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO experiments VALUES (?, ?, ?)",
                [name, description, rows.to_db_time(utc_now())],
            )
        return self.get_experiment(name)

    def get_experiment(self, name: str) -> Experiment:
        with self._db.reading() as cur:
            row = cur.execute(
                _EXPERIMENT_SELECT + "WHERE e.name = ?" + _EXPERIMENT_GROUP, [name]
            ).fetchone()
        if row is None:
            raise NotFoundError(f"No experiment '{name}' exists.")
        return rows.experiment_from_row(row)

    def list_experiments(self) -> list[Experiment]:
        with self._db.reading() as cur:
            found = cur.execute(_EXPERIMENT_SELECT + _EXPERIMENT_GROUP + " ORDER BY e.name")
            return [rows.experiment_from_row(r) for r in found.fetchall()]

    # -- runs ---------------------------------------------------------------------------------

    def create_run(
        self,
        *,
        experiment: str,
        name: str,
        spec: dict[str, Any],
        parameters: dict[str, Any],
        source: RunSource | str,
        force_rerun: bool,
        steps: Sequence[StepInput],
        cloned_from: str | None = None,
        published_pipeline_id: str | None = None,
        run_id: str | None = None,
        status: RunStatus = RunStatus.QUEUED,
    ) -> Run:
        _require_name("experiment", experiment)
        status = RunStatus(status)
        if status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            raise ValueError(f"A new run is queued or running; got {status.value!r}")
        now = utc_now()
        run = Run(
            id=run_id or new_id("run"),
            experiment=experiment,
            name=name,
            status=status,
            spec=spec,
            parameters=parameters,
            source=RunSource(source),
            force_rerun=bool(force_rerun),
            created_at=now,
            cloned_from=cloned_from,
            published_pipeline_id=published_pipeline_id,
            started_at=now if status is RunStatus.RUNNING else None,
        )
        step_runs = [coerce_step(run.id, step) for step in steps]
        # Encode everything first, so a value JSON cannot hold fails before anything is written.
        run_values = [rows.to_db(c, getattr(run, c)) for c in rows.RUN_COLUMNS]
        step_values = [
            [rows.to_db(c, getattr(s, c)) for c in rows.STEP_COLUMNS] + [position]
            for position, s in enumerate(step_runs)
        ]
        with self._db.writing() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO experiments VALUES (?, '', ?)",
                [experiment, rows.to_db_time(run.created_at)],
            )
            cur.execute(
                f"INSERT INTO runs ({rows.select_list(rows.RUN_COLUMNS)}) "
                f"VALUES ({_placeholders(len(run_values))})",
                run_values,
            )
            if step_values:  # one statement for all steps: each statement costs about 1 ms
                row = f"({_placeholders(len(rows.STEP_COLUMNS) + 1)})"
                cur.execute(
                    f"INSERT INTO step_runs ({rows.select_list(rows.STEP_COLUMNS)}, "
                    f"position) VALUES {', '.join([row] * len(step_values))}",
                    [value for values in step_values for value in values],
                )
        return run

    def _fetch_run(self, cur: Cursor, run_id: str) -> Run:
        row = cur.execute(
            f"SELECT {rows.select_list(rows.RUN_COLUMNS)} FROM runs WHERE id = ?", [run_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"No run '{run_id}' exists.")
        return rows.run_from_row(row)

    def get_run(self, run_id: str) -> Run:
        with self._db.reading() as cur:
            return self._fetch_run(cur, run_id)

    @staticmethod
    def _run_filter(
        experiment: str | None,
        status: RunStatus | str | None,
        source: RunSource | str | None = None,
    ) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if source is not None:
            clauses.append("source = ?")
            params.append(RunSource(source).value)
        if experiment is not None:
            clauses.append("experiment = ?")
            params.append(experiment)
        if status is not None:
            clauses.append("status = ?")
            params.append(RunStatus(status).value)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def list_runs(
        self,
        *,
        experiment: str | None = None,
        status: RunStatus | str | None = None,
        limit: int = 100,
        offset: int = 0,
        source: RunSource | str | None = None,
    ) -> list[Run]:
        if limit < 0 or offset < 0:
            raise ValueError(f"limit and offset must be >= 0; got {limit} and {offset}.")
        where, params = self._run_filter(experiment, status, source)
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.RUN_COLUMNS)} FROM runs{where} "
                "ORDER BY seq DESC LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
            return [rows.run_from_row(r) for r in found.fetchall()]

    def count_runs(
        self,
        *,
        experiment: str | None = None,
        status: RunStatus | str | None = None,
        source: RunSource | str | None = None,
    ) -> int:
        where, params = self._run_filter(experiment, status, source)
        with self._db.reading() as cur:
            return cur.execute(f"SELECT count(*) FROM runs{where}", params).fetchone()[0]

    def list_active_runs(self) -> list[Run]:
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.RUN_COLUMNS)} FROM runs "
                "WHERE status IN (?, ?) ORDER BY seq",
                [RunStatus.QUEUED.value, RunStatus.RUNNING.value],
            )
            return [rows.run_from_row(r) for r in found.fetchall()]

    def update_run(self, run_id: str, **fields: Any) -> Run:
        check_fields("run", fields, RUN_UPDATABLE)
        with self._db.writing() as cur:
            current = self._fetch_run(cur, run_id)
            if "status" in fields:
                new = fields["status"] = RunStatus(fields["status"])
                check_transition(f"Run '{run_id}'", current.status, new)
                if new != current.status:
                    _stamp(fields, new, current.started_at)
            if fields:
                sql, values = _set_clause(fields)
                cur.execute(f"UPDATE runs SET {sql} WHERE id = ?", [*values, run_id])
            return self._fetch_run(cur, run_id)

    # -- steps --------------------------------------------------------------------------------

    def _fetch_step(self, cur: Cursor, run_id: str, node_id: str) -> StepRun:
        row = cur.execute(
            f"SELECT {rows.select_list(rows.STEP_COLUMNS)} FROM step_runs "
            "WHERE run_id = ? AND node_id = ?",
            [run_id, node_id],
        ).fetchone()
        if row is None:
            raise NotFoundError(f"Run '{run_id}' has no step '{node_id}'.")
        return rows.step_from_row(row)

    def set_summary_metrics(self, run_id: str, metrics: dict[str, float]) -> None:
        with self._db.writing() as cur:
            cur.execute(
                "UPDATE runs SET summary_metrics = ? WHERE id = ?", [json.dumps(metrics), run_id]
            )

    def run_summaries(
        self,
        *,
        experiment: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
        source: RunSource | str | None = None,
    ) -> list[tuple[Run, dict[str, float] | None]]:
        if limit < 0 or offset < 0:
            raise ValueError(f"limit and offset must be >= 0; got {limit} and {offset}.")
        where, params = self._run_filter(experiment, status, source)
        # The spec and parameters stay out: a runs table does not show them, and carrying
        # large JSON texts through the sort is most of a page's cost.
        columns = tuple(c for c in rows.RUN_COLUMNS if c not in ("spec", "parameters"))
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(columns)}, summary_metrics FROM runs{where} "
                "ORDER BY seq DESC LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        page = []
        for row in found:
            values = dict(zip(columns, row[:-1], strict=True))
            full = tuple(values.get(c, "{}") for c in rows.RUN_COLUMNS)
            page.append((rows.run_from_row(full), None if row[-1] is None else json.loads(row[-1])))
        return page

    def step_metrics(self, run_ids: list[str]) -> dict[str, list[dict[str, float]]]:
        found: dict[str, list[dict[str, float]]] = {}
        if not run_ids:
            return found
        with self._db.reading() as cur:
            rows_ = cur.execute(
                "SELECT run_id, metrics FROM step_runs WHERE run_id IN "
                f"({', '.join('?' * len(run_ids))}) AND metrics <> '{{}}' "
                "ORDER BY run_id, position",
                run_ids,
            ).fetchall()
        for run_id, metrics in rows_:
            found.setdefault(run_id, []).append(json.loads(metrics))
        return found

    def list_steps(self, run_id: str) -> list[StepRun]:
        with self._db.reading() as cur:
            self._fetch_run(cur, run_id)
            found = cur.execute(
                f"SELECT {rows.select_list(rows.STEP_COLUMNS)} FROM step_runs "
                "WHERE run_id = ? ORDER BY position",
                [run_id],
            )
            return [rows.step_from_row(r) for r in found.fetchall()]

    def get_step(self, run_id: str, node_id: str) -> StepRun:
        with self._db.reading() as cur:
            return self._fetch_step(cur, run_id, node_id)

    def update_step(self, run_id: str, node_id: str, **fields: Any) -> StepRun:
        check_fields("step", fields, STEP_UPDATABLE)
        with self._db.writing() as cur:
            current = self._fetch_step(cur, run_id, node_id)
            if "status" in fields:
                new = fields["status"] = StepStatus(fields["status"])
                check_transition(f"Step '{node_id}' of run '{run_id}'", current.status, new)
                if new != current.status:
                    _stamp(fields, new, current.started_at)
            if fields:
                sql, values = _set_clause(fields)
                cur.execute(
                    f"UPDATE step_runs SET {sql} WHERE run_id = ? AND node_id = ?",
                    [*values, run_id, node_id],
                )
            return self._fetch_step(cur, run_id, node_id)

    def find_reusable_step(self, cache_key: str) -> StepRun | None:
        if not cache_key:
            return None
        with self._db.reading() as cur:
            row = cur.execute(
                f"SELECT {rows.select_list(rows.STEP_COLUMNS, 's')} FROM step_runs s "
                "JOIN runs r ON r.id = s.run_id "
                "WHERE s.cache_key = ? AND s.status = ? AND s.outputs <> '{}' "
                "ORDER BY s.finished_at DESC NULLS LAST, r.seq DESC LIMIT 1",
                [cache_key, StepStatus.COMPLETED.value],
            ).fetchone()
        return None if row is None else rows.step_from_row(row)

    # -- datasets -----------------------------------------------------------------------------

    def register_dataset_version(
        self,
        *,
        name: str,
        uri: str,
        content_hash: str,
        row_count: int,
        columns: list[dict[str, Any]],
        source: DatasetSource | str,
        description: str = "",
    ) -> DatasetVersion:
        _require_name("dataset", name)
        now = utc_now()
        with self._db.writing() as cur:
            latest = cur.execute(
                "SELECT max(version) FROM dataset_versions WHERE name = ?", [name]
            ).fetchone()[0]
            if latest is None:
                cur.execute(
                    "INSERT OR IGNORE INTO datasets VALUES (?, ?, ?)",
                    [name, description, rows.to_db_time(now)],
                )
            elif description.strip():
                cur.execute(
                    "UPDATE datasets SET description = ? WHERE name = ?", [description, name]
                )
            version = DatasetVersion(
                name=name,
                version=(latest or 0) + 1,
                uri=uri,
                content_hash=content_hash,
                row_count=int(row_count),
                columns=columns,
                source=DatasetSource(source),
                description=description,
                created_at=now,
            )
            cur.execute(
                f"INSERT INTO dataset_versions VALUES "
                f"({_placeholders(len(rows.DATASET_VERSION_COLUMNS))})",
                [rows.to_db(c, getattr(version, c)) for c in rows.DATASET_VERSION_COLUMNS],
            )
        return version

    def get_dataset_version(self, name: str, version: int | None = None) -> DatasetVersion:
        select = f"SELECT {rows.select_list(rows.DATASET_VERSION_COLUMNS)} FROM dataset_versions"
        with self._db.reading() as cur:
            if version is None:
                row = cur.execute(
                    f"{select} WHERE name = ? ORDER BY version DESC LIMIT 1", [name]
                ).fetchone()
            else:
                row = cur.execute(
                    f"{select} WHERE name = ? AND version = ?", [name, version]
                ).fetchone()
            if row is not None:
                return rows.dataset_version_from_row(row)
            latest = cur.execute(
                "SELECT max(version) FROM dataset_versions WHERE name = ?", [name]
            ).fetchone()[0]
        if latest is None:
            raise NotFoundError(f"No dataset '{name}' exists.")
        raise NotFoundError(f"Dataset '{name}' has no version {version} (the latest is {latest}).")

    def list_datasets(self) -> list[Dataset]:
        with self._db.reading() as cur:
            found = cur.execute(
                "SELECT d.name, d.description, max(v.version), d.created_at "
                "FROM datasets d JOIN dataset_versions v ON v.name = d.name "
                "GROUP BY d.name, d.description, d.created_at ORDER BY d.name"
            )
            return [rows.dataset_from_row(r) for r in found.fetchall()]

    def list_dataset_versions(self, name: str) -> list[DatasetVersion]:
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.DATASET_VERSION_COLUMNS)} "
                "FROM dataset_versions WHERE name = ? ORDER BY version",
                [name],
            )
            versions = [rows.dataset_version_from_row(r) for r in found.fetchall()]
        if not versions:
            raise NotFoundError(f"No dataset '{name}' exists.")
        return versions

    # -- drafts -------------------------------------------------------------------------------

    def create_draft(
        self, *, name: str, spec: dict[str, Any], source_run_id: str | None = None
    ) -> Draft:
        now = utc_now()
        draft = Draft(
            id=new_id("draft"),
            name=name,
            spec=spec,
            revision=1,
            created_at=now,
            updated_at=now,
            source_run_id=source_run_id,
        )
        values = [rows.to_db(c, getattr(draft, c)) for c in rows.DRAFT_COLUMNS]
        with self._db.writing() as cur:
            cur.execute(f"INSERT INTO drafts VALUES ({_placeholders(len(values))})", values)
        return draft

    def _fetch_draft(self, cur: Cursor, draft_id: str) -> Draft:
        row = cur.execute(
            f"SELECT {rows.select_list(rows.DRAFT_COLUMNS)} FROM drafts WHERE id = ?", [draft_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"No draft '{draft_id}' exists.")
        return rows.draft_from_row(row)

    def get_draft(self, draft_id: str) -> Draft:
        with self._db.reading() as cur:
            return self._fetch_draft(cur, draft_id)

    def list_drafts(self) -> list[Draft]:
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.DRAFT_COLUMNS)} FROM drafts "
                "ORDER BY updated_at DESC, id"
            )
            return [rows.draft_from_row(r) for r in found.fetchall()]

    def save_draft(
        self,
        draft_id: str,
        *,
        spec: dict[str, Any],
        name: str | None = None,
        expected_revision: int | None = None,
    ) -> Draft:
        spec_json = json.dumps(spec)
        with self._db.writing() as cur:
            current = self._fetch_draft(cur, draft_id)
            if expected_revision is not None and expected_revision != current.revision:
                raise ConflictError(
                    f"Draft '{draft_id}' was saved elsewhere since revision {expected_revision}; "
                    f"it is now at revision {current.revision}. Reload it and redo the change."
                )
            new_name = current.name if name is None else name
            if spec == current.spec and new_name == current.name:
                return current  # an autosave without changes: no history entry, no revision
            now = rows.to_db_time(utc_now())
            cur.execute(
                "INSERT INTO draft_history VALUES (?, ?, ?, ?)",
                [draft_id, current.revision, json.dumps(current.spec), now],
            )
            cur.execute(
                "DELETE FROM draft_history WHERE draft_id = ? AND revision NOT IN ("
                "SELECT revision FROM draft_history WHERE draft_id = ? "
                "ORDER BY revision DESC LIMIT ?)",
                [draft_id, draft_id, DRAFT_HISTORY_LIMIT],
            )
            cur.execute(
                "UPDATE drafts SET spec = ?, name = ?, revision = revision + 1, "
                "updated_at = ? WHERE id = ?",
                [spec_json, new_name, now, draft_id],
            )
            return self._fetch_draft(cur, draft_id)

    def undo_draft(self, draft_id: str) -> Draft:
        with self._db.writing() as cur:
            self._fetch_draft(cur, draft_id)
            previous = cur.execute(
                "SELECT revision, spec FROM draft_history WHERE draft_id = ? "
                "ORDER BY revision DESC LIMIT 1",
                [draft_id],
            ).fetchone()
            if previous is None:
                raise ConflictError(f"Draft '{draft_id}' has nothing to undo.")
            cur.execute(
                "DELETE FROM draft_history WHERE draft_id = ? AND revision = ?",
                [draft_id, previous[0]],
            )
            # The revision keeps growing, so an editor holding the pre-undo revision is stale.
            cur.execute(
                "UPDATE drafts SET spec = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
                [previous[1], rows.to_db_time(utc_now()), draft_id],
            )
            return self._fetch_draft(cur, draft_id)

    def delete_draft(self, draft_id: str) -> None:
        with self._db.writing() as cur:
            self._fetch_draft(cur, draft_id)
            cur.execute("DELETE FROM draft_history WHERE draft_id = ?", [draft_id])
            cur.execute("DELETE FROM drafts WHERE id = ?", [draft_id])

    # -- models -------------------------------------------------------------------------------

    def register_model_version(
        self, *, name: str, uri: str, run_id: str, node_id: str, description: str = ""
    ) -> ModelVersion:
        _require_name("model", name)
        now = utc_now()
        with self._db.writing() as cur:
            latest = cur.execute(
                "SELECT max(version) FROM model_versions WHERE name = ?", [name]
            ).fetchone()[0]
            if latest is None:
                cur.execute(
                    "INSERT OR IGNORE INTO models VALUES (?, ?)", [name, rows.to_db_time(now)]
                )
            model = ModelVersion(
                name=name,
                version=(latest or 0) + 1,
                uri=uri,
                run_id=run_id,
                node_id=node_id,
                description=description,
                created_at=now,
            )
            values = [rows.to_db(c, getattr(model, c)) for c in rows.MODEL_VERSION_COLUMNS]
            cur.execute(f"INSERT INTO model_versions VALUES ({_placeholders(len(values))})", values)
        return model

    def list_model_versions(self, name: str | None = None) -> list[ModelVersion]:
        where, params = (" WHERE name = ?", [name]) if name is not None else ("", [])
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.MODEL_VERSION_COLUMNS)} "
                f"FROM model_versions{where} ORDER BY name, version",
                params,
            )
            versions = [rows.model_version_from_row(r) for r in found.fetchall()]
        if name is not None and not versions:
            raise NotFoundError(f"No model '{name}' exists.")
        return versions

    # -- compute targets ----------------------------------------------------------------------

    def list_compute_targets(self) -> list[ComputeTarget]:
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.COMPUTE_TARGET_COLUMNS)} "
                "FROM compute_targets ORDER BY name"
            )
            return [rows.compute_target_from_row(r) for r in found.fetchall()]

    def upsert_compute_target(
        self, *, name: str, queue: str, description: str = "", is_default: bool = False
    ) -> ComputeTarget:
        _require_name("compute target", name)
        _require_name("queue", queue)
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
        return target

    def default_compute_target(self) -> ComputeTarget:
        with self._db.reading() as cur:
            row = cur.execute(
                f"SELECT {rows.select_list(rows.COMPUTE_TARGET_COLUMNS)} "
                "FROM compute_targets WHERE is_default ORDER BY name LIMIT 1"
            ).fetchone()
        if row is None:
            raise NotFoundError("No compute target is the default.")
        return rows.compute_target_from_row(row)


def _stamp(
    fields: dict[str, Any], new: RunStatus | StepStatus, started_at: datetime | None
) -> None:
    """Fill in the start or finish time (and a step's duration) that a status change implies."""
    now = utc_now()
    if new in (RunStatus.RUNNING, StepStatus.RUNNING) and started_at is None:
        fields.setdefault("started_at", now)
    if not new.is_terminal:
        return
    fields.setdefault("finished_at", now)
    start, finish = fields.get("started_at", started_at), fields["finished_at"]
    if isinstance(new, StepStatus) and "duration_s" not in fields and start and finish:
        # Through the UTC encoder, so naive (UTC) and aware datetimes subtract.
        elapsed = rows.to_db_time(finish) - rows.to_db_time(start)
        fields["duration_s"] = max(elapsed.total_seconds(), 0.0)
