"""Experiments, runs and their steps: one repository, because a run's steps are written with
the run, and an experiment is created by its first run."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from storage import _duckdb_rows as rows
from storage._duckdb_db import Cursor, Database
from storage.entities import (
    Experiment,
    Run,
    RunSource,
    RunStatus,
    StepRun,
    StepStatus,
    check_transition,
    new_id,
    utc_now,
)
from storage.errors import NotFoundError
from storage.records._memo import FORGET, Memo
from storage.records._sql import aggregate, placeholders, require_name, set_clause, stamp

# The fields `update_run` and `update_step` may change; the rest of a run is its snapshot.
RUN_UPDATABLE = frozenset(
    {"name", "status", "started_at", "finished_at", "error", "published_pipeline_id"}
)
# A step's identity (its run, node and component) is fixed; every other column may change.
STEP_UPDATABLE = frozenset(rows.STEP_COLUMNS) - {
    "run_id",
    "node_id",
    "component_id",
    "component_version",
}

StepInput = StepRun | Mapping[str, Any]


def coerce_step(run_id: str, step: StepInput) -> StepRun:
    """A `StepRun` of run `run_id` from a `StepRun` or a dict of its fields.

    A dict needs `node_id`, `component_id` and `component_version`; other fields take the
    `StepRun` defaults. Any `run_id` in the input is replaced.

    Raises:
        ValueError: A required field is missing or a field is unknown.
    """
    if isinstance(step, StepRun):
        return dataclasses.replace(step, run_id=run_id, status=StepStatus(step.status))
    known = {f.name for f in dataclasses.fields(StepRun)}
    unknown = sorted(set(step) - known)
    if unknown:
        raise ValueError(f"Unknown step field(s) {unknown}; expected some of {sorted(known)}.")
    missing = [k for k in ("node_id", "component_id", "component_version") if k not in step]
    if missing:
        raise ValueError(f"A step needs {missing}; got fields {sorted(step)}.")
    status = StepStatus(step.get("status", StepStatus.PENDING))
    return StepRun(**{**step, "run_id": run_id, "status": status})


def check_fields(kind: str, fields: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """Raise ValueError naming any field of `fields` outside `allowed`."""
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValueError(
            f"Cannot update {kind} field(s) {unknown}; updatable fields are {sorted(allowed)}."
        )


_EXPERIMENT_SELECT = (
    "SELECT e.name, e.description, e.created_at, count(r.id), arg_max(r.status, r.seq) "
    "FROM experiments e LEFT JOIN runs r ON r.experiment = e.name "
)
_EXPERIMENT_GROUP = " GROUP BY e.name, e.description, e.created_at"


class RunRepository:
    """Experiments, runs and steps on the workspace database.

    Every method raises `NotFoundError` naming the missing thing, and only storage errors
    otherwise (besides `ValueError` for a programmer's mistake, such as an unknown field name).
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        # Experiments known to exist (none is ever deleted): a run of one of them skips the
        # insert-or-ignore, the costliest statement of recording a run, under the write lock.
        self._experiments: set[str] = set()
        # cache key -> the step `find_reusable_steps` answers (None: no step). Every write of
        # step_runs is here: a new run's reusable steps and a step that completes revise the
        # answers; any other change of a completed step makes its key's answer be read again.
        self._reusable: Memo[str, StepRun | None] = Memo()
        # run id -> its row, and run id -> its steps' rows: what the monitor, the long poll and
        # the run page read on every step event. Rows, not entities, so that every reader gets
        # objects of its own. Each write of a run or a step revises its kept row after the
        # commit, under the write lock (so in commit order), to the row as the database now
        # holds it (`_revised`, else read back in its transaction).
        self._run_rows: Memo[str, tuple[Any, ...]] = Memo(limit=1024)
        self._step_rows: Memo[str, tuple[tuple[Any, ...], ...]] = Memo(limit=1024)
        # Steps changed by `update_step_later` and not yet written: run id -> node id -> (the
        # row as the database will hold it, the columns changed). Changed under the write lock;
        # `_unwritten_lock` lets readers take a consistent copy without it.
        self._unwritten: dict[str, dict[str, tuple[tuple[Any, ...], frozenset[str]]]] = {}
        self._unwritten_lock = threading.Lock()

    def get_or_create_experiment(self, name: str, description: str = "") -> Experiment:
        """Fetch the experiment called `name`, creating it if it does not exist.

        Args:
            name: The experiment's name (non-blank).
            description: Used only when the experiment is created.

        Returns:
            The experiment, with its run count and the status of its newest run.
        """
        require_name("experiment", name)
        with self._db.writing() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO experiments VALUES (?, ?, ?)",
                [name, description, rows.to_db_time(utc_now())],
            )
        self._experiments.add(name)
        return self.get_experiment(name)

    def get_experiment(self, name: str) -> Experiment:
        """Fetch an experiment by name.

        Returns:
            The experiment, with its run count and the status of its newest run.

        Raises:
            NotFoundError: No experiment has that name.
        """
        with self._db.reading() as cur:
            row = cur.execute(
                _EXPERIMENT_SELECT + "WHERE e.name = ?" + _EXPERIMENT_GROUP, [name]
            ).fetchone()
        if row is None:
            raise NotFoundError(f"No experiment '{name}' exists.")
        return rows.experiment_from_row(row)

    def list_experiments(self) -> list[Experiment]:
        """Every experiment, by name, each with its run count and the status of its newest run."""
        with self._db.reading() as cur:
            found = cur.execute(_EXPERIMENT_SELECT + _EXPERIMENT_GROUP + " ORDER BY e.name")
            return [rows.experiment_from_row(r) for r in found.fetchall()]

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
        summary_metrics: dict[str, float] | None = None,
    ) -> Run:
        """Record a new queued run and all its steps at once: either everything or nothing.

        Args:
            experiment: The experiment's name; it is created if it does not exist.
            name: A display name for the run.
            spec: The pipeline spec, stored as an immutable snapshot.
            parameters: The pipeline parameter values of this run.
            source: Who submitted it: cli, ui, api or endpoint.
            force_rerun: Whether reuse of earlier step outputs was turned off.
            steps: One `StepRun` or dict per node (see `coerce_step`), in execution order.
            cloned_from: The run this one was cloned from, if any.
            published_pipeline_id: The published pipeline that started it, if any.
            run_id: The id to give the run (from `new_id("run")`); a fresh one when None, so
                that callers can name things after the run (its RQ jobs) before recording it.
            status: queued (default) or running (its started_at is then now), or completed
                when every step is (a run that reuses all its steps; started and finished now).
            summary_metrics: A completed run's first metrics (see `set_summary_metrics`).

        Returns:
            The new run, with a fresh id such as ``run_3f9a1c0b7d2e``.

        Raises:
            AlreadyExistsError: Two steps share a node id.
            ValueError: `source` is unknown or a step lacks a required field.
        """
        require_name("experiment", experiment)
        status = RunStatus(status)
        if status not in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.COMPLETED):
            raise ValueError(f"A new run is queued, running or completed; got {status.value!r}")
        if summary_metrics is not None and status is not RunStatus.COMPLETED:
            raise ValueError("Only a completed run has summary metrics.")
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
            started_at=None if status is RunStatus.QUEUED else now,
            finished_at=now if status is RunStatus.COMPLETED else None,
        )
        step_runs = [coerce_step(run.id, step) for step in steps]
        if status is RunStatus.COMPLETED and any(
            s.status is not StepStatus.COMPLETED for s in step_runs
        ):
            raise ValueError("A run recorded completed must have every step completed.")
        # Encode everything first, so a value JSON cannot hold fails before anything is written.
        rows_of_run = _RunRows(
            experiment=None if experiment in self._experiments else experiment,
            created_at=rows.to_db_time(run.created_at),
            run=[rows.to_db(c, getattr(run, c)) for c in rows.RUN_COLUMNS]
            + [None if summary_metrics is None else json.dumps(summary_metrics)],
            steps=[
                [rows.to_db(c, getattr(s, c)) for c in rows.STEP_COLUMNS] + [position]
                for position, s in enumerate(step_runs)
            ],
        )
        # Concurrent submits share a transaction (and the wait for its commit), and their rows
        # are inserted together.
        self._db.write_shared(rows_of_run, combine=_insert_runs)
        self._experiments.add(experiment)  # committed
        # The rows as the database now holds them (the submit, the monitor and the run page
        # read them next); nobody else knows the new id yet, so no write can come between.
        self._run_rows.written((), add={run.id: tuple(rows_of_run.run[:-1])})
        self._step_rows.written(
            (), add={run.id: tuple(_as_read(step[:-1]) for step in rows_of_run.steps)}
        )
        recorded = {s.cache_key: s for s in step_runs if s.cache_key and _reusable(s)}
        self._reusable.written(
            (), revise=lambda key, kept: _later(kept, recorded[key]), revise_keys=recorded
        )
        return run

    @staticmethod
    def _select_run_row(cur: Cursor, run_id: str) -> tuple[Any, ...]:
        row = cur.execute(
            f"SELECT {rows.select_list(rows.RUN_COLUMNS)} FROM runs WHERE id = ?", [run_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"No run '{run_id}' exists.")
        return tuple(row)

    def _run_row(self, run_id: str) -> tuple[Any, ...]:
        """The run's row, kept or read (and kept)."""
        kept, row = self._run_rows.get(run_id)
        if kept and row is not None:
            return row
        generation = self._run_rows.generation
        with self._db.reading() as cur:
            row = self._select_run_row(cur, run_id)
        self._run_rows.keep(generation, {run_id: row})
        return row

    def _step_rows_of(self, run_id: str) -> tuple[tuple[Any, ...], ...]:
        """The rows of a run's steps in order, kept or read (and kept); none for a run that
        does not exist (the caller checks)."""
        kept, found = self._step_rows.get(run_id)
        if kept and found is not None:
            return found
        generation = self._step_rows.generation
        unwritten = self._unwritten_rows(run_id)  # before the read: a write may come between
        with self._db.reading() as cur:
            found = tuple(
                unwritten.get(row[_NODE], tuple(row))
                for row in cur.execute(
                    f"SELECT {rows.select_list(rows.STEP_COLUMNS)} FROM step_runs "
                    "WHERE run_id = ? ORDER BY position",
                    [run_id],
                ).fetchall()
            )
        if found:  # a run has steps; an unknown id keeps nothing
            self._step_rows.keep(generation, {run_id: found})
        return found

    def get_run(self, run_id: str) -> Run:
        """Fetch a run by id.

        Raises:
            NotFoundError: No run has that id.
        """
        return rows.run_from_row(self._run_row(run_id))

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
        """Runs, newest first, optionally of one experiment, in one status, from one source.

        Args:
            experiment: Only runs of this experiment.
            status: Only runs in this status.
            source: Only runs submitted this way (cli, ui, api, endpoint, schedule).
            limit: At most this many runs.
            offset: Skip this many runs first (for paging).

        Returns:
            The runs, newest first.
        """
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
        """How many runs `list_runs` would page through with the same filters."""
        where, params = self._run_filter(experiment, status, source)
        with self._db.reading() as cur:
            return aggregate(cur, f"SELECT count(*) FROM runs{where}", params)

    def list_active_runs(self) -> list[Run]:
        """Queued and running runs, oldest first (what the monitor must follow)."""
        # Their ids only, then their kept rows (the monitor's sweep asks every second, and
        # reading every column, the spec's JSON included, costs several times more).
        generation = self._run_rows.generation
        with self._db.reading() as cur:
            ids = [
                row[0]
                for row in cur.execute(
                    "SELECT id FROM runs WHERE status IN (?, ?) ORDER BY seq",
                    [RunStatus.QUEUED.value, RunStatus.RUNNING.value],
                ).fetchall()
            ]
            found = {run_id: self._run_rows.get(run_id) for run_id in ids}
            missing = [run_id for run_id, (kept, row) in found.items() if not kept or row is None]
            if missing:
                read = {
                    row[0]: tuple(row)
                    for row in cur.execute(
                        f"SELECT {rows.select_list(rows.RUN_COLUMNS)} FROM runs "
                        f"WHERE id IN ({placeholders(len(missing))})",
                        missing,
                    ).fetchall()
                }
                self._run_rows.keep(generation, read)
                found.update((run_id, (True, row)) for run_id, row in read.items())
        active = [found[run_id][1] for run_id in ids]
        # A kept row may be newer than the ids' read: a run that ended since is not listed.
        return [
            rows.run_from_row(row)
            for row in active
            if row and row[_RUN_STATUS] in (RunStatus.QUEUED.value, RunStatus.RUNNING.value)
        ]

    def update_run(self, run_id: str, **fields: Any) -> Run:
        """Change some of a run's fields (see `RUN_UPDATABLE`).

        A status change must be an allowed transition. Moving to running sets `started_at`, and
        moving to a final status sets `finished_at`, unless given.

        Args:
            run_id: The run to change.
            **fields: New values, e.g. ``status=RunStatus.FAILED, error="..."``.

        Returns:
            The run as updated.

        Raises:
            NotFoundError: No run has that id.
            ConflictError: The status transition is not allowed (e.g. completed to running).
            ValueError: A field cannot be updated.
        """
        with self._db.writing() as cur:
            return self._update_run(cur, run_id, fields)

    def _update_run(
        self,
        cur: Cursor,
        run_id: str,
        fields: dict[str, Any],
        summary_metrics: dict[str, float] | None = None,
    ) -> Run:
        check_fields("run", fields, RUN_UPDATABLE)
        # A run's row is never newer in the database than its steps' (a run that ended has
        # every step's end written with it).
        self._write_unwritten(cur, [run_id])
        kept, row = self._run_rows.get(run_id)
        if not kept or row is None:  # under the write lock, a kept row is the committed one
            row = self._select_run_row(cur, run_id)
        current = rows.run_from_row(row)
        if "status" in fields:
            new = fields["status"] = RunStatus(fields["status"])
            check_transition(f"Run '{run_id}'", current.status, new)
            if new != current.status:
                stamp(fields, new, current.started_at)
        sql, values = set_clause(fields)
        revised = _revised(rows.RUN_COLUMNS, row, fields, values)  # summary_metrics is not kept
        if summary_metrics is not None:
            sql = f"{sql}, summary_metrics = ?" if sql else "summary_metrics = ?"
            values.append(json.dumps(summary_metrics))
        if not sql:
            return current
        cur.execute(f"UPDATE runs SET {sql} WHERE id = ?", [*values, run_id])
        updated = revised or self._select_run_row(cur, run_id)
        self._db.after_commit(
            lambda: self._run_rows.written(
                (), revise=lambda _key, _kept: updated, revise_keys=[run_id]
            )
        )
        return rows.run_from_row(updated)

    def set_summary_metrics(self, run_id: str, metrics: dict[str, float]) -> None:
        """Keep a completed run's first metrics on the run, for runs tables."""
        with self._db.writing() as cur:
            cur.execute(
                "UPDATE runs SET summary_metrics = ? WHERE id = ?", [json.dumps(metrics), run_id]
            )

    def complete_run(self, run_id: str, metrics: dict[str, float], **fields: Any) -> Run:
        """`update_run` to completed and `set_summary_metrics`, in one write transaction."""
        with self._db.writing() as cur:
            return self._update_run(
                cur, run_id, {**fields, "status": RunStatus.COMPLETED}, summary_metrics=metrics
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
        """A page of runs, newest first, each with its summary metrics (None: not kept)."""
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
        """Each run's steps' metrics, in step order, for many runs at once (runs tables).

        Runs with no metrics are left out. One query for them all.
        """
        found: dict[str, list[dict[str, float]]] = {}
        if not run_ids:
            return found
        with self._unwritten_lock:
            unwritten = [run_id for run_id in run_ids if run_id in self._unwritten]
        with self._db.reading() as cur:
            rows_ = cur.execute(
                "SELECT run_id, metrics FROM step_runs WHERE run_id IN "
                f"({', '.join('?' * len(run_ids))}) AND metrics <> '{{}}' "
                "ORDER BY run_id, position",
                run_ids,
            ).fetchall()
        for run_id, metrics in rows_:
            found.setdefault(run_id, []).append(json.loads(metrics))
        for run_id in unwritten:  # their steps as kept, unwritten changes included
            metrics = [step.metrics for step in self.list_steps(run_id) if step.metrics]
            found.pop(run_id, None)
            if metrics:
                found[run_id] = metrics
        return found

    def list_steps(self, run_id: str) -> list[StepRun]:
        """A run's steps in the order they were created.

        Raises:
            NotFoundError: No run has that id.
        """
        self._run_row(run_id)  # raises for an unknown run
        return [rows.step_from_row(row) for row in self._step_rows_of(run_id)]

    def run_progress(self, run_id: str) -> tuple[RunStatus, list[StepStatus]]:
        """A run's status and its steps' statuses in order: what deciding whether it ended
        needs (on every step event), without the entities' JSON.

        Raises:
            NotFoundError: No run has that id.
        """
        status = RunStatus(self._run_row(run_id)[_RUN_STATUS])
        return status, [StepStatus(row[_STEP_STATUS]) for row in self._step_rows_of(run_id)]

    def get_step(self, run_id: str, node_id: str) -> StepRun:
        """Fetch one step of a run.

        Raises:
            NotFoundError: The run has no step for that node.
        """
        row = _step_row(self._step_rows_of(run_id), node_id)
        if row is None:
            raise NotFoundError(f"Run '{run_id}' has no step '{node_id}'.")
        return rows.step_from_row(row)

    def update_step(self, run_id: str, node_id: str, **fields: Any) -> StepRun:
        """Change some of a step's fields (see `STEP_UPDATABLE`).

        A status change must be an allowed transition. Moving to running sets `started_at`, and
        moving to a final status sets `finished_at` (and `duration_s` when the step has a start
        time), unless given.

        Returns:
            The step as updated.

        Raises:
            NotFoundError: The run has no step for that node.
            ConflictError: The status transition is not allowed.
            ValueError: A field cannot be updated.
        """
        check_fields("step", fields, STEP_UPDATABLE)
        with self._db.writing() as cur:
            # The run's changes not written yet go first, so kept rows are the committed ones.
            self._write_unwritten(cur, [run_id])
            current, row = self._current_step(run_id, node_id, lambda: cur)
            fields = _with_stamps(current, fields)
            if not fields:
                return current
            values = [rows.to_db(field, value) for field, value in fields.items()]
            encoded = {field: [value] for field, value in zip(fields, values, strict=True)}
            _update_run_steps(cur, run_id, [node_id], encoded)
            updated = _revised(rows.STEP_COLUMNS, row, fields, values) or _select_step_row(
                cur, run_id, node_id
            )
            self._db.after_commit(lambda: self._keep_step_row(run_id, updated))
            step = rows.step_from_row(updated)
        self._revise_reusable(current, step)
        return step

    def update_step_later(self, run_id: str, node_id: str, **fields: Any) -> StepRun:
        """`update_step`, but the database is written later: with the run's next write (its
        end among them), the next `update_step` of one of its steps, `write_unwritten`, or the
        store's closing. Every read of this repository sees the change at once.

        For the control plane's step events: a statement costs DuckDB a millisecond or two, and
        writing each of a run's steps as it ends took a third of the control plane's CPU. What
        a crash loses is what RQ still holds (each job's result, until its run ends), and the
        sweep of a control plane started again reads it back.

        Raises: as `update_step`.
        """
        check_fields("step", fields, STEP_UPDATABLE)
        given = dict(fields)
        with self._db.serialized():
            current, row = self._current_step(run_id, node_id, self._db.cursor)
            fields = _with_stamps(current, fields)
            if not fields:
                return current
            sql, values = set_clause(fields)
            updated = _revised(rows.STEP_COLUMNS, row, fields, values)
            if updated is not None:
                with self._unwritten_lock:
                    steps = self._unwritten.setdefault(run_id, {})
                    changed = steps.get(node_id, (row, frozenset()))[1]
                    steps[node_id] = (updated, changed | frozenset(fields))
                self._keep_step_row(run_id, updated)
        if updated is None:  # a value the database converts: written now, and read back
            return self.update_step(run_id, node_id, **given)
        step = rows.step_from_row(updated)
        self._revise_reusable(current, step)
        return step

    def write_unwritten(self) -> None:
        """Write every step change `update_step_later` has kept, in one transaction."""
        with self._unwritten_lock:
            if not self._unwritten:
                return
        with self._db.writing() as cur:
            self._write_unwritten(cur, None)

    def _write_unwritten(self, cur: Cursor, run_ids: list[str] | None) -> None:
        """Write the kept changes of `run_ids`' steps (every run's when None) in the caller's
        transaction: one UPDATE per set of changed columns, whatever the number of steps.
        They are forgotten once it commits (kept if it rolls back). Under the write lock."""
        with self._unwritten_lock:
            runs = list(self._unwritten) if run_ids is None else run_ids
            pending = {
                run_id: self._unwritten[run_id] for run_id in runs if run_id in self._unwritten
            }
        if not pending:
            return
        # A statement per run finds its rows by the run's index, whatever the table's size; past
        # a few runs, one statement for them all (a join, which scans the table) costs less.
        by_run = len(pending) <= _RUNS_WRITTEN_ONE_BY_ONE
        groups: dict[tuple[str, frozenset[str]], list[tuple[Any, ...]]] = {}
        for run_id, steps in pending.items():
            for row, changed in steps.values():
                groups.setdefault((run_id if by_run else "", changed), []).append(row)
        for (run_id, changed), step_rows in groups.items():
            values = {c: [row[rows.STEP_COLUMNS.index(c)] for row in step_rows] for c in changed}
            nodes = [row[_NODE] for row in step_rows]
            if by_run:
                _update_run_steps(cur, run_id, nodes, values)
            else:
                _update_steps(cur, [row[_RUN] for row in step_rows], nodes, values)

        def written() -> None:
            with self._unwritten_lock:
                for run_id in pending:
                    self._unwritten.pop(run_id, None)

        self._db.after_commit(written)

    def _unwritten_rows(self, run_id: str) -> dict[str, tuple[Any, ...]]:
        with self._unwritten_lock:
            return {node: row for node, (row, _) in self._unwritten.get(run_id, {}).items()}

    def _current_step(
        self, run_id: str, node_id: str, cursor: Callable[[], Cursor]
    ) -> tuple[StepRun, tuple[Any, ...]]:
        """The step and its row as last changed (kept, unwritten or committed). Under the write
        lock, so nothing changes it meanwhile."""
        kept, steps = self._step_rows.get(run_id)
        row = _step_row(steps, node_id) if kept and steps is not None else None
        row = row or self._unwritten_rows(run_id).get(node_id)
        row = row or _select_step_row(cursor(), run_id, node_id)
        return rows.step_from_row(row), row

    def _keep_step_row(self, run_id: str, updated: tuple[Any, ...]) -> None:
        node_id = updated[_NODE]
        self._step_rows.written(
            (),
            revise=lambda _key, kept_rows: tuple(
                updated if r[_NODE] == node_id else r for r in kept_rows
            ),
            revise_keys=[run_id],
        )

    def _revise_reusable(self, current: StepRun, step: StepRun) -> None:
        if _reusable(current):  # it may have been its key's answer: read the answers again
            self._reusable.written({current.cache_key, step.cache_key})
        elif _reusable(step) and step.cache_key:  # a step that just completed (every run's)
            self._reusable.written(
                (),
                revise=lambda _key, kept: _completed_later(kept, step),
                revise_keys=[step.cache_key],
            )

    def find_reusable_step(self, cache_key: str) -> StepRun | None:
        """The latest completed step with this cache key whose outputs are recorded.

        The step may itself be a reused one. Whether its artifacts still exist is the caller's
        check.

        Returns:
            The step, or None when no step qualifies.
        """
        return self.find_reusable_steps([cache_key]).get(cache_key)

    def find_reusable_steps(self, cache_keys: Sequence[str]) -> dict[str, StepRun]:
        """`find_reusable_step` for many keys in one query: cache key -> step, for the keys
        that have one (a submit looks up every step of its pipeline at once)."""
        answers: dict[str, StepRun | None] = {}
        for key in {key for key in cache_keys if key}:
            kept, answer = self._reusable.get(key)
            if kept:
                answers[key] = answer
        keys = sorted({key for key in cache_keys if key} - set(answers))
        if keys:
            self.write_unwritten()  # the query must see every step that completed
            generation = self._reusable.generation
            read = self._read_reusable_steps(keys)
            self._reusable.keep(generation, {key: read.get(key) for key in keys})
            answers.update(read)
        return {key: step for key, step in answers.items() if step is not None}

    def _read_reusable_steps(self, keys: list[str]) -> dict[str, StepRun]:
        # The latest of each key is chosen over narrow columns, then only those rows are read
        # whole: every reuse adds a row with the key, so the candidates grow with the history.
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.STEP_COLUMNS, 's')} FROM step_runs s JOIN ("
                "SELECT c.run_id, c.node_id FROM step_runs c JOIN runs r ON r.id = c.run_id "
                f"WHERE c.cache_key IN ({placeholders(len(keys))}) AND c.status = ? "
                "AND c.outputs <> '{}' "
                "QUALIFY row_number() OVER (PARTITION BY c.cache_key "
                "ORDER BY c.finished_at DESC NULLS LAST, r.seq DESC) = 1"
                ") latest ON latest.run_id = s.run_id AND latest.node_id = s.node_id",
                [*keys, StepStatus.COMPLETED.value],
            ).fetchall()
        steps = [rows.step_from_row(row) for row in found]
        return {step.cache_key: step for step in steps if step.cache_key}


@dataclasses.dataclass(frozen=True)
class _RunRows:
    """A new run's row and its steps' rows, encoded for the database."""

    experiment: str | None  # to insert when not known to exist
    created_at: Any
    run: list[Any]
    steps: list[list[Any]]

    def __call__(self, cur: Cursor) -> None:
        _insert_runs(cur, [self])


_RUN_INSERT_COLUMNS = (*rows.RUN_COLUMNS, "summary_metrics")
_STEP_INSERT_COLUMNS = (*rows.STEP_COLUMNS, "position")


def _insert_runs(cur: Cursor, works: list[Any]) -> list[None]:
    """Insert the rows of runs (`_RunRows`) with a statement per table, whatever their number.

    A statement costs about a millisecond and each bound parameter more (a run with its steps
    has about 150), so each column's values are bound as one list and unnested: a few
    milliseconds for a hundred runs."""
    runs: list[_RunRows] = works
    for experiment, created_at in {
        r.experiment: r.created_at for r in runs if r.experiment is not None
    }.items():
        cur.execute("INSERT OR IGNORE INTO experiments VALUES (?, '', ?)", [experiment, created_at])
    tables = {
        "runs": (_RUN_INSERT_COLUMNS, [r.run for r in runs]),
        "step_runs": (_STEP_INSERT_COLUMNS, [step for r in runs for step in r.steps]),
    }
    for table, (columns, values) in tables.items():
        if values:
            cur.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(['unnest(?)'] * len(columns))}",
                [list(column) for column in zip(*values, strict=True)],
            )
    return [None] * len(runs)


_RUN = rows.STEP_COLUMNS.index("run_id")
_NODE = rows.STEP_COLUMNS.index("node_id")
_RUN_STATUS = rows.RUN_COLUMNS.index("status")
_STEP_STATUS = rows.STEP_COLUMNS.index("status")
_DURATION = rows.STEP_COLUMNS.index("duration_s")


def _as_read(step_row: list[Any]) -> tuple[Any, ...]:
    """A step's row encoded for the database, as a SELECT returns it (a DOUBLE is a float)."""
    read = list(step_row)
    if read[_DURATION] is not None:
        read[_DURATION] = float(read[_DURATION])
    return tuple(read)


# The Python type a SELECT returns for the encoded value of an updatable column (TEXT when not
# named here: statuses, ids, JSON documents, errors).
SELECTED_TYPES: dict[str, type] = {
    "reused": bool,
    "started_at": datetime,
    "finished_at": datetime,
    "duration_s": float,
}


def _revised(
    columns: tuple[str, ...], row: tuple[Any, ...], fields: Mapping[str, Any], values: list[Any]
) -> tuple[Any, ...] | None:
    """`row` as a SELECT returns it after an UPDATE set `fields` to the encoded `values`: the
    row a write keeps without reading it back (each statement costs DuckDB a millisecond or
    two). None when a value is not of its column's type, which the database would convert:
    the caller reads that row back."""
    revised = list(row)
    for field, value in zip(fields, values, strict=True):
        selected = SELECTED_TYPES.get(field, str)
        if selected is float and type(value) is int:
            value = float(value)
        elif value is not None and type(value) is not selected:
            return None
        revised[columns.index(field)] = value
    return tuple(revised)


# The SQL type of the values a SELECT returns as each Python type (see SELECTED_TYPES).
_SQL_TYPES = {bool: "BOOLEAN", datetime: "TIMESTAMP", float: "DOUBLE", str: "VARCHAR"}


def _with_stamps(current: StepRun, fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` with a status checked against the step's and the times it implies.

    Raises:
        ConflictError: The status transition is not allowed.
    """
    if "status" in fields:
        new = fields["status"] = StepStatus(fields["status"])
        check_transition(f"Step '{current.node_id}' of run '{current.run_id}'", current.status, new)
        if new != current.status:
            stamp(fields, new, current.started_at)
    return fields


def _select_step_row(cur: Cursor, run_id: str, node_id: str) -> tuple[Any, ...]:
    # The run's rows, by its index (a second condition would make DuckDB scan the table).
    found = cur.execute(
        f"SELECT {rows.select_list(rows.STEP_COLUMNS)} FROM step_runs WHERE run_id = ?",
        [run_id],
    ).fetchall()
    row = _step_row(tuple(tuple(row) for row in found), node_id)
    if row is None:
        raise NotFoundError(f"Run '{run_id}' has no step '{node_id}'.")
    return row


# The most runs whose kept step changes `_write_unwritten` writes with a statement each (about
# 5 ms per run at any size; one join for them all took 5 ms in a new workspace and 24 ms at
# 100,000 runs, so past four runs the join costs less whatever the size).
_RUNS_WRITTEN_ONE_BY_ONE = 4


def _update_run_steps(
    cur: Cursor, run_id: str, node_ids: list[str], values: Mapping[str, list[Any]]
) -> None:
    """Set `values` (column -> encoded value per node) on the steps `node_ids` of one run.

    The run's rows are found by its index: the run is the scan's one filter (DuckDB uses an
    index for nothing else), and the nodes and their values come as lists, matched by position,
    in a one-row subquery that gives the scan no filter of its own."""
    columns = list(values)
    cur.execute(
        "UPDATE step_runs SET "
        + ", ".join(f"{c} = v.{c}[list_position(v.nodes, step_runs.node_id)]" for c in columns)
        + " FROM (SELECT ?::VARCHAR[] AS nodes, "
        + ", ".join(f"?::{_sql_type(c)}[] AS {c}" for c in columns)
        + ") v WHERE step_runs.run_id = ? AND list_contains(v.nodes, step_runs.node_id)",
        [node_ids, *(values[c] for c in columns), run_id],
    )


def _update_steps(
    cur: Cursor, run_ids: list[str], node_ids: list[str], values: Mapping[str, list[Any]]
) -> None:
    """Set `values` (column -> encoded value per step) on the steps (`run_ids[i]`,
    `node_ids[i]`) of any runs, in one statement (a join: it scans step_runs)."""
    columns = list(values)
    cur.execute(
        f"UPDATE step_runs SET {', '.join(f'{c} = v.{c}' for c in columns)} FROM (SELECT "
        "unnest(?::VARCHAR[]) AS run_id, unnest(?::VARCHAR[]) AS node_id, "
        + ", ".join(f"unnest(?::{_sql_type(c)}[]) AS {c}" for c in columns)
        + ") v WHERE step_runs.run_id = v.run_id AND step_runs.node_id = v.node_id",
        [run_ids, node_ids, *(values[c] for c in columns)],
    )


def _sql_type(column: str) -> str:
    return _SQL_TYPES[SELECTED_TYPES.get(column, str)]


def _step_row(step_rows: tuple[tuple[Any, ...], ...], node_id: str) -> tuple[Any, ...] | None:
    return next((row for row in step_rows if row[_NODE] == node_id), None)


def _reusable(step: StepRun) -> bool:
    """Whether `find_reusable_steps` may answer with this step (as its query filters)."""
    return step.status is StepStatus.COMPLETED and bool(step.outputs)


def _completed_later(kept: StepRun | None, completed: StepRun) -> StepRun | Any:
    """Which of a kept answer and a step that just completed (of any run) `find_reusable_steps`
    answers now: the later finished; unknown (`FORGET`) on a tie, which the runs' order
    decides."""
    if kept is None or kept.finished_at is None:
        return completed
    if completed.finished_at is None:
        return kept
    finished, kept_finished = (
        rows.to_db_time(completed.finished_at),
        rows.to_db_time(kept.finished_at),
    )
    if finished == kept_finished:
        return FORGET
    return completed if finished > kept_finished else kept


def _later(kept: StepRun | None, new: StepRun) -> StepRun:
    """Which of a kept answer and a step just recorded with its key `find_reusable_steps`
    answers now: the later finished (its ORDER BY; nulls last), the newer run on a tie."""
    if kept is None or new.finished_at is None and kept.finished_at is None:
        return new
    if new.finished_at is None:
        return kept
    if kept.finished_at is None:
        return new
    return new if rows.to_db_time(new.finished_at) >= rows.to_db_time(kept.finished_at) else kept
