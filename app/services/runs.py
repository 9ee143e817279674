"""Runs: submit (validate, plan, reuse, enqueue), record step results, cancel, clone.

Only the control plane uses this module: it is the one process that writes the workspace.
State changes go through one lock, so the monitor thread and request threads never race on the
same run.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from jobs import defaults
from jobs.columns import column_names, has_column_rule, infer_columns
from jobs.errors import InvalidPipelineError, SchedulingError, SpecFormatError
from jobs.pipeline import PipelineSpec
from jobs.plan import ResolvedDataset, RunPlan, choose_reuse, plan_run
from jobs.queues import served_queues
from jobs.scheduler import enqueue_steps
from jobs.tracking import (
    JobState,
    StepEvent,
    cancel_jobs,
    enqueue_ready_jobs,
    expire_jobs,
    fetch_job_states,
    worker_is_alive,
)
from jobs.validate import Issue, validate_pipeline
from storage import (
    ArtifactStore,
    Draft,
    NotFoundError,
    Run,
    RunStatus,
    StepRun,
    StepStatus,
    WorkspaceStore,
    new_id,
)

INTERRUPTED_AT_SUBMIT = (
    "Interrupted at submit: the control plane stopped before it acknowledged "
    "this run, and not every step reached Redis; submit it again."
)
TERMINAL_STEPS = {StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.CANCELED}
TERMINAL_RUNS = {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED}


@dataclass(frozen=True)
class Validation:
    """A parsed spec (None when its shape is wrong) and every issue found."""

    spec: PipelineSpec | None
    issues: list[Issue]
    warnings: list[Issue] = field(default_factory=list)
    # node id -> output port -> column names, where known before running (jobs.columns)
    columns: dict[str, dict[str, list[str]]] = field(default_factory=dict)


class RunService:
    """The control plane's run logic, over the workspace store, artifact store and Redis."""

    def __init__(
        self,
        store: WorkspaceStore,
        artifacts: ArtifactStore,
        redis: Redis,
        *,
        step_timeout: int = defaults.DEFAULT_STEP_TIMEOUT,
        worker_stale_after: float = defaults.WORKER_STALE_AFTER,
    ):
        self.store = store
        self.artifacts = artifacts
        self.redis = redis
        self.step_timeout = step_timeout
        self.worker_stale_after = worker_stale_after
        # Keyed by the store's folder as before (or its URL), so a workspace keeps its list.
        self.events_key = defaults.events_key(str(artifacts.root or artifacts.location))
        self._lock = threading.RLock()
        self._served: tuple[float, set[str]] = (0.0, set())

    # -- validation and submission ---------------------------------------------------------

    def validate(self, document: Any, parameters: dict[str, Any] | None = None) -> Validation:
        """Parse and validate a pipeline document against this workspace."""
        try:
            spec = PipelineSpec.from_dict(document)
        except SpecFormatError as exc:
            return Validation(None, [Issue("spec_format", str(exc))])
        targets = {t.name for t in self.store.list_compute_targets()}
        inferred = infer_columns(
            spec,
            self._dataset_columns,
            known=self._columns_of_earlier_steps(spec, parameters or {}),
            parameter_values=parameters or {},
        )
        warnings: list[Issue] = []
        issues = validate_pipeline(
            spec,
            dataset_exists=self._dataset_exists,
            compute_targets=targets,
            parameter_values=parameters or {},
            columns=inferred,
            warnings=warnings,
        )
        return Validation(spec, issues, warnings, column_names(inferred))

    def _dataset_columns(self, name: str, version: int | None) -> list[dict[str, Any]] | None:
        try:
            return self.store.get_dataset_version(name, version).columns
        except NotFoundError:
            return None

    def _columns_of_earlier_steps(
        self, spec: PipelineSpec, parameters: dict[str, Any]
    ) -> dict[str, dict[str, Any]]:
        """Output columns of finished steps with the cache keys this pipeline would have, for
        components that cannot say their columns before running."""
        rules = {n.id for n in spec.nodes if not n.is_dataset and has_column_rule(n)}
        if all(n.is_dataset or n.id in rules for n in spec.nodes):
            return {}
        try:
            plan = self._plan(spec, parameters)
        except Exception:  # noqa: BLE001 - a draft may not plan yet (unknown parts); no hints
            return {}
        found: dict[str, dict[str, Any]] = {}
        for step in plan.steps:
            if step.node_id in rules or not step.deterministic:
                continue
            earlier = self._reusable(step.cache_key)
            if earlier is not None:
                found[step.node_id] = {
                    port: self.artifacts.table_columns(uri)
                    for port, uri in earlier.outputs.items()
                    if uri.endswith(".parquet")
                }
        return found

    def submit(
        self,
        document: Any,
        *,
        experiment: str,
        parameters: dict[str, Any] | None = None,
        source: str = "api",
        force_rerun: bool = False,
        name: str | None = None,
        cloned_from: str | None = None,
        published_pipeline_id: str | None = None,
    ) -> Run:
        """Validate, plan and enqueue a run; raise InvalidPipelineError with every issue."""
        checked = self.validate(document, parameters)
        if checked.issues:
            raise InvalidPipelineError(checked.issues)
        plan = self._plan(checked.spec, parameters or {})
        reused = choose_reuse(plan, force_rerun=force_rerun, find_outputs=self._reusable)
        run_id = new_id("run")
        steps = [self._initial_step(step, reused, run_id) for step in plan.steps]
        to_run = [s for s in plan.steps if s.node_id not in reused]
        outputs = {node: dict(step.outputs) for node, step in reused.items()}
        # Held until every job is enqueued, so the monitor never sweeps a step whose job is
        # not in Redis yet.
        with self._lock:
            run = self.store.create_run(
                experiment=experiment,
                name=name or plan.spec.name,
                spec=plan.spec.to_dict(),
                parameters=plan.parameters,
                source=source,
                force_rerun=force_rerun,
                cloned_from=cloned_from,
                published_pipeline_id=published_pipeline_id,
                steps=steps,
                run_id=run_id,
                # Queued until every job is in Redis: a run still queued when the control plane
                # starts again was interrupted at submit (see _resolve_interrupted).
                status=RunStatus.QUEUED if to_run else RunStatus.RUNNING,
            )
            if not to_run:
                return self._finish_if_done(run.id)
            try:
                enqueue_steps(
                    self.redis,
                    run_id=run.id,
                    steps=to_run,
                    reused_outputs=outputs,
                    log_uri_for=lambda node: self.artifacts.log_uri(run.id, node),
                    events_key=self.events_key,
                    artifacts=self.artifacts.location,
                )
            except SchedulingError as exc:
                for step in to_run:
                    self.store.update_step(run.id, step.node_id, status=StepStatus.CANCELED)
                self.store.update_run(run.id, status=RunStatus.FAILED, error=str(exc))
                raise
            return self.store.update_run(run.id, status=RunStatus.RUNNING)

    def unserved_queues(self, queues: list[str], *, fresh: bool = False) -> list[str]:
        """The queues among `queues` that no live worker listens on (cached for 2 s)."""
        checked_at, served = self._served
        if fresh or time.monotonic() - checked_at > 2.0:
            served = served_queues(self.redis, self.worker_stale_after)
            self._served = (time.monotonic(), served)
        return [q for q in dict.fromkeys(queues) if q not in served]

    def queue_warnings(self, run_id: str) -> list[str]:
        """A sentence per queue that an unfinished step of the run waits on with no worker."""
        waiting = [
            s
            for s in self.store.list_steps(run_id)
            if s.status in (StepStatus.PENDING, StepStatus.QUEUED) and s.queue
        ]
        return [
            f"No live worker listens on queue '{queue}' (steps: "
            f"{', '.join(s.node_id for s in waiting if s.queue == queue)}); the run waits "
            f"until one starts: flowbench worker --queues {queue}"
            for queue in self.unserved_queues([s.queue for s in waiting])
        ]

    def _plan(self, spec: PipelineSpec, parameters: dict[str, Any]) -> RunPlan:
        queues = {t.name: t.queue for t in self.store.list_compute_targets()}
        return plan_run(
            spec,
            resolve_dataset=self._resolve_dataset,
            queue_for=queues.__getitem__,
            parameter_values=parameters,
            default_timeout=self.step_timeout,
            nonce=uuid.uuid4().hex,
        )

    def _initial_step(self, step: Any, reused: dict[str, StepRun], run_id: str) -> StepRun:
        earlier = reused.get(step.node_id)
        common = {
            "run_id": run_id,
            "node_id": step.node_id,
            "component_id": step.component,
            "component_version": step.version,
            "cache_key": step.cache_key,
            "queue": step.queue,
            "job_id": None if earlier else defaults.job_id(run_id, step.node_id),
        }
        if earlier is not None:
            return StepRun(
                **common,
                status=StepStatus.COMPLETED,
                reused=True,
                reused_from=earlier.reused_from or earlier.run_id,
                outputs=dict(earlier.outputs),
                metrics=dict(earlier.metrics),
                log_uri=earlier.log_uri,
                error=None,
                started_at=_now(),
                finished_at=_now(),
                duration_s=0.0,
            )
        waits = any(up not in reused for up in step.upstream)
        return StepRun(
            **common,
            status=StepStatus.PENDING if waits else StepStatus.QUEUED,
            reused=False,
            reused_from=None,
            outputs={},
            metrics={},
            log_uri=None,
            error=None,
            started_at=None,
            finished_at=None,
            duration_s=None,
        )

    def _reusable(self, cache_key: str) -> StepRun | None:
        step = self.store.find_reusable_step(cache_key)
        if step is None or not all(self.artifacts.exists(uri) for uri in step.outputs.values()):
            return None
        return step

    def _dataset_exists(self, name: str, version: int | None) -> bool:
        try:
            self.store.get_dataset_version(name, version)
        except NotFoundError:
            return False
        return True

    def _resolve_dataset(self, name: str, version: int | None) -> ResolvedDataset:
        found = self.store.get_dataset_version(name, version)
        return ResolvedDataset(found.name, found.version, found.uri, found.content_hash)

    # -- recording what workers report -----------------------------------------------------

    def apply_event(self, event: StepEvent) -> None:
        """Record a step's own report that it ended."""
        if event.status == "completed" and event.result is not None:
            self._complete_step(event.run_id, event.node_id, event.result)
        else:
            self._fail_step(event.run_id, event.node_id, event.error or "The step failed.")

    def sync(self, run_id: str) -> Run:
        """Bring a run up to date with what RQ knows of its jobs (catches missed events)."""
        with self._lock:
            if self.store.get_run(run_id).status is RunStatus.QUEUED:
                # Under the lock no submit is half-way: this one's control plane died in it.
                self._resolve_interrupted(run_id)
            steps = [
                s
                for s in self.store.list_steps(run_id)
                if s.status not in TERMINAL_STEPS and s.job_id
            ]
            states = fetch_job_states(self.redis, [s.job_id for s in steps]) if steps else {}
            for step in steps:
                self._apply_state(step, states[step.job_id])
            return self._finish_if_done(run_id)

    def _resolve_interrupted(self, run_id: str) -> None:
        """A run left queued by a control plane that died while submitting it: if every job
        reached Redis it goes on; otherwise it fails as interrupted, nothing left running."""
        steps = [
            s for s in self.store.list_steps(run_id) if s.status not in TERMINAL_STEPS and s.job_id
        ]
        states = fetch_job_states(self.redis, [s.job_id for s in steps]) if steps else {}
        if all(state.status != "missing" for state in states.values()):
            self.store.update_run(run_id, status=RunStatus.RUNNING)
            return
        cancel_jobs(
            self.redis, [job_id for job_id, state in states.items() if state.status != "missing"]
        )
        for step in steps:
            self.store.update_step(
                run_id,
                step.node_id,
                status=StepStatus.CANCELED,
                error=INTERRUPTED_AT_SUBMIT,
                finished_at=_now(),
            )
        self.store.update_run(
            run_id, status=RunStatus.FAILED, error=INTERRUPTED_AT_SUBMIT, finished_at=_now()
        )

    def sync_active(self) -> None:
        """Sync every run that is not finished."""
        for run in self.store.list_active_runs():
            self.sync(run.id)

    def _apply_state(self, step: StepRun, state: JobState) -> None:
        if state.status == "finished" and state.result is not None:
            self._complete_step(step.run_id, step.node_id, state.result)
        elif state.status == "failed":
            self._fail_step(step.run_id, step.node_id, state.error or "The step failed.")
        elif state.status in ("stopped", "canceled"):
            self._cancel_steps(step.run_id, [step.node_id])
        elif state.status == "missing":
            self._fail_step(
                step.run_id,
                step.node_id,
                "Its job is gone from Redis (was Redis restarted without "
                "persistence?); submit the run again.",
            )
        elif state.status == "started":
            if not worker_is_alive(self.redis, state.worker_name, self.worker_stale_after):
                cancel_jobs(self.redis, [state.job_id])
                self._fail_step(
                    step.run_id,
                    step.node_id,
                    f"The worker running this step ({state.worker_name}) stopped "
                    f"before the step finished.",
                )
            elif step.status != StepStatus.RUNNING:
                self._set_step(step, status=StepStatus.RUNNING, started_at=_now())
        elif state.status == "queued" and step.status == StepStatus.PENDING:
            self._set_step(step, status=StepStatus.QUEUED)
        elif state.status == "ready_to_enqueue":
            # Its upstream steps ended, but RQ left it out of the queue (see enqueue_ready_jobs).
            enqueue_ready_jobs(self.redis, step.queue)

    def _set_step(self, step: StepRun, **fields: Any) -> None:
        with self._lock:
            current = self.store.get_step(step.run_id, step.node_id)
            if current.status not in TERMINAL_STEPS:
                self.store.update_step(step.run_id, step.node_id, **fields)

    def _complete_step(self, run_id: str, node_id: str, result: dict[str, Any]) -> None:
        with self._lock:
            step = self.store.get_step(run_id, node_id)
            if step.status in TERMINAL_STEPS:
                return
            timings = {
                "started_at": _ts(result.get("started_at")),
                "finished_at": _ts(result.get("finished_at")),
                "duration_s": result.get("duration_s"),
            }
            self.store.update_step(
                run_id,
                node_id,
                status=StepStatus.COMPLETED,
                outputs=result["outputs"],
                metrics=result.get("metrics", {}),
                log_uri=result.get("log_uri"),
                **{name: value for name, value in timings.items() if value is not None},
            )
            self._finish_if_done(run_id)

    def _fail_step(self, run_id: str, node_id: str, message: str) -> None:
        with self._lock:
            step = self.store.get_step(run_id, node_id)
            if step.status in TERMINAL_STEPS:
                return
            self.store.update_step(
                run_id,
                node_id,
                status=StepStatus.FAILED,
                error=message,
                log_uri=self.artifacts.log_uri(run_id, node_id),
                finished_at=_now(),
            )
            run = self.store.get_run(run_id)
            if run.error is None:
                self.store.update_run(run_id, error=f"Step '{node_id}' failed: {message}")
            downstream = PipelineSpec.from_dict(run.spec).graph.downstream(node_id)
            self._cancel_steps(run_id, downstream)
            self._finish_if_done(run_id)

    def _cancel_steps(self, run_id: str, node_ids: list[str]) -> None:
        with self._lock:
            steps = {s.node_id: s for s in self.store.list_steps(run_id)}
            open_steps = [
                steps[n] for n in node_ids if n in steps and steps[n].status not in TERMINAL_STEPS
            ]
            cancel_jobs(self.redis, [s.job_id for s in open_steps if s.job_id])
            for step in open_steps:
                self.store.update_step(
                    run_id, step.node_id, status=StepStatus.CANCELED, finished_at=_now()
                )
            self._finish_if_done(run_id)

    def _finish_if_done(self, run_id: str) -> Run:
        with self._lock:
            run = self.store.get_run(run_id)
            if run.status in TERMINAL_RUNS:
                return run
            steps = self.store.list_steps(run_id)
            statuses = {s.status for s in steps}
            if not statuses <= TERMINAL_STEPS:
                return run
            if StepStatus.FAILED in statuses:
                status = RunStatus.FAILED
            elif StepStatus.CANCELED in statuses:
                status = RunStatus.CANCELED
            else:
                status = RunStatus.COMPLETED
            finished = self.store.update_run(run_id, status=status, finished_at=_now())
            if status is RunStatus.COMPLETED:
                self.store.set_summary_metrics(run_id, _key_metrics(steps))
            self._expire_jobs(run_id)
            return finished

    def _expire_jobs(self, run_id: str) -> None:
        # Everything a finished run needs is now in the workspace (outputs, metrics, errors)
        # and the artifact store: its jobs' copies in Redis are kept only a little longer.
        job_ids = [s.job_id for s in self.store.list_steps(run_id) if s.job_id]
        with contextlib.suppress(RedisError):
            expire_jobs(self.redis, job_ids, defaults.ENDED_RUN_JOB_TTL)

    # -- user actions on runs --------------------------------------------------------------

    def cancel(self, run_id: str) -> Run:
        """Stop a run: running steps are stopped, waiting ones canceled."""
        with self._lock:
            run = self.store.get_run(run_id)
            if run.status in TERMINAL_RUNS:
                return run
            self._cancel_steps(run_id, [s.node_id for s in self.store.list_steps(run_id)])
            run = self.store.get_run(run_id)
            if run.status not in TERMINAL_RUNS:
                run = self.store.update_run(run_id, status=RunStatus.CANCELED, finished_at=_now())
                self._expire_jobs(run_id)
            return run

    def clone(self, run_id: str, name: str | None = None) -> Draft:
        """A new draft holding the run's exact spec."""
        run = self.store.get_run(run_id)
        return self.store.create_draft(
            name=name or f"{run.name} (clone)", spec=run.spec, source_run_id=run.id
        )

    def wait(self, run_id: str, timeout: float) -> Run:
        """Poll until the run ends or `timeout` seconds pass (for tests and the CLI)."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.store.get_run(run_id)
            if run.status in TERMINAL_RUNS or time.monotonic() > deadline:
                return run
            time.sleep(0.02)


def _key_metrics(steps: list[StepRun], count: int = 4) -> dict[str, float]:
    """A run's first `count` metrics in step order: what runs tables show."""
    metrics: dict[str, float] = {}
    for step in steps:
        for key, value in step.metrics.items():
            if len(metrics) < count:
                metrics.setdefault(key, value)
    return metrics


def _now() -> datetime:
    return datetime.now(UTC)


def _ts(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)
