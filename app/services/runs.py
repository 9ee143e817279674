"""Runs: submit (validate, plan, reuse, enqueue), record step results, cancel, clone.

Only the control plane uses this module: it is the one process that writes the workspace.
State changes go through one lock, so the monitor thread and request threads never race on the
same run.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis import Redis

from jobs import defaults
from jobs.errors import InvalidPipelineError, SchedulingError, SpecFormatError
from jobs.pipeline import PipelineSpec
from jobs.plan import ResolvedDataset, RunPlan, choose_reuse, plan_run
from jobs.scheduler import enqueue_steps
from jobs.tracking import (
    JobState,
    StepEvent,
    cancel_jobs,
    enqueue_ready_jobs,
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

TERMINAL_STEPS = {StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.CANCELED}
TERMINAL_RUNS = {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED}


@dataclass(frozen=True)
class Validation:
    """A parsed spec (None when its shape is wrong) and every issue found."""

    spec: PipelineSpec | None
    issues: list[Issue]


class RunService:
    """The control plane's run logic, over the workspace store, artifact store and Redis."""

    def __init__(self, store: WorkspaceStore, artifacts: ArtifactStore, redis: Redis, *,
                 step_timeout: int = defaults.DEFAULT_STEP_TIMEOUT,
                 worker_stale_after: float = defaults.WORKER_STALE_AFTER):
        self.store = store
        self.artifacts = artifacts
        self.redis = redis
        self.step_timeout = step_timeout
        self.worker_stale_after = worker_stale_after
        # Keyed by the store's folder as before (or its URL), so a workspace keeps its list.
        self.events_key = defaults.events_key(str(artifacts.root or artifacts.location))
        self._lock = threading.RLock()

    # -- validation and submission ---------------------------------------------------------

    def validate(self, document: Any, parameters: dict[str, Any] | None = None) -> Validation:
        """Parse and validate a pipeline document against this workspace."""
        try:
            spec = PipelineSpec.from_dict(document)
        except SpecFormatError as exc:
            return Validation(None, [Issue("spec_format", str(exc))])
        targets = {t.name for t in self.store.list_compute_targets()}
        issues = validate_pipeline(spec, dataset_exists=self._dataset_exists,
                                   compute_targets=targets, parameter_values=parameters or {})
        return Validation(spec, issues)

    def submit(self, document: Any, *, experiment: str, parameters: dict[str, Any] | None = None,
               source: str = "api", force_rerun: bool = False, name: str | None = None,
               cloned_from: str | None = None, published_pipeline_id: str | None = None) -> Run:
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
                experiment=experiment, name=name or plan.spec.name, spec=plan.spec.to_dict(),
                parameters=plan.parameters, source=source, force_rerun=force_rerun,
                cloned_from=cloned_from, published_pipeline_id=published_pipeline_id,
                steps=steps, run_id=run_id, status=RunStatus.RUNNING)
            if not to_run:
                return self._finish_if_done(run.id)
            try:
                enqueue_steps(
                    self.redis, run_id=run.id, steps=to_run, reused_outputs=outputs,
                    log_uri_for=lambda node: self.artifacts.log_uri(run.id, node),
                    events_key=self.events_key)
            except SchedulingError as exc:
                for step in to_run:
                    self.store.update_step(run.id, step.node_id, status=StepStatus.CANCELED)
                self.store.update_run(run.id, status=RunStatus.FAILED, error=str(exc))
                raise
        return run

    def _plan(self, spec: PipelineSpec, parameters: dict[str, Any]) -> RunPlan:
        queues = {t.name: t.queue for t in self.store.list_compute_targets()}
        return plan_run(spec, resolve_dataset=self._resolve_dataset, queue_for=queues.__getitem__,
                        parameter_values=parameters, default_timeout=self.step_timeout,
                        nonce=uuid.uuid4().hex)

    def _initial_step(self, step: Any, reused: dict[str, StepRun], run_id: str) -> StepRun:
        earlier = reused.get(step.node_id)
        common = {"run_id": run_id, "node_id": step.node_id, "component_id": step.component,
                  "component_version": step.version, "cache_key": step.cache_key,
                  "queue": step.queue,
                  "job_id": None if earlier else defaults.job_id(run_id, step.node_id)}
        if earlier is not None:
            return StepRun(**common, status=StepStatus.COMPLETED, reused=True,
                           reused_from=earlier.reused_from or earlier.run_id,
                           outputs=dict(earlier.outputs), metrics=dict(earlier.metrics),
                           log_uri=earlier.log_uri, error=None, started_at=_now(),
                           finished_at=_now(), duration_s=0.0)
        waits = any(up not in reused for up in step.upstream)
        return StepRun(**common, status=StepStatus.PENDING if waits else StepStatus.QUEUED,
                       reused=False, reused_from=None, outputs={}, metrics={}, log_uri=None,
                       error=None, started_at=None, finished_at=None, duration_s=None)

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
            steps = [s for s in self.store.list_steps(run_id)
                     if s.status not in TERMINAL_STEPS and s.job_id]
            states = fetch_job_states(self.redis, [s.job_id for s in steps]) if steps else {}
            for step in steps:
                self._apply_state(step, states[step.job_id])
            return self._finish_if_done(run_id)

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
            self._fail_step(step.run_id, step.node_id,
                            "Its job is gone from Redis (was Redis restarted without "
                            "persistence?); submit the run again.")
        elif state.status == "started":
            if not worker_is_alive(self.redis, state.worker_name, self.worker_stale_after):
                cancel_jobs(self.redis, [state.job_id])
                self._fail_step(step.run_id, step.node_id,
                                f"The worker running this step ({state.worker_name}) stopped "
                                f"before the step finished.")
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
            timings = {"started_at": _ts(result.get("started_at")),
                       "finished_at": _ts(result.get("finished_at")),
                       "duration_s": result.get("duration_s")}
            self.store.update_step(
                run_id, node_id, status=StepStatus.COMPLETED, outputs=result["outputs"],
                metrics=result.get("metrics", {}), log_uri=result.get("log_uri"),
                **{name: value for name, value in timings.items() if value is not None})
            self._finish_if_done(run_id)

    def _fail_step(self, run_id: str, node_id: str, message: str) -> None:
        with self._lock:
            step = self.store.get_step(run_id, node_id)
            if step.status in TERMINAL_STEPS:
                return
            self.store.update_step(run_id, node_id, status=StepStatus.FAILED, error=message,
                                   log_uri=self.artifacts.log_uri(run_id, node_id),
                                   finished_at=_now())
            run = self.store.get_run(run_id)
            if run.error is None:
                self.store.update_run(run_id, error=f"Step '{node_id}' failed: {message}")
            downstream = _downstream(run.spec, node_id)
            self._cancel_steps(run_id, downstream)
            self._finish_if_done(run_id)

    def _cancel_steps(self, run_id: str, node_ids: list[str]) -> None:
        with self._lock:
            steps = {s.node_id: s for s in self.store.list_steps(run_id)}
            open_steps = [steps[n] for n in node_ids
                          if n in steps and steps[n].status not in TERMINAL_STEPS]
            cancel_jobs(self.redis, [s.job_id for s in open_steps if s.job_id])
            for step in open_steps:
                self.store.update_step(run_id, step.node_id, status=StepStatus.CANCELED,
                                       finished_at=_now())
            self._finish_if_done(run_id)

    def _finish_if_done(self, run_id: str) -> Run:
        with self._lock:
            run = self.store.get_run(run_id)
            if run.status in TERMINAL_RUNS:
                return run
            statuses = {s.status for s in self.store.list_steps(run_id)}
            if not statuses <= TERMINAL_STEPS:
                return run
            if StepStatus.FAILED in statuses:
                status = RunStatus.FAILED
            elif StepStatus.CANCELED in statuses:
                status = RunStatus.CANCELED
            else:
                status = RunStatus.COMPLETED
            return self.store.update_run(run_id, status=status, finished_at=_now())

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
            return run

    def clone(self, run_id: str, name: str | None = None) -> Draft:
        """A new draft holding the run's exact spec."""
        run = self.store.get_run(run_id)
        return self.store.create_draft(name=name or f"{run.name} (clone)", spec=run.spec,
                                       source_run_id=run.id)

    def wait(self, run_id: str, timeout: float) -> Run:
        """Poll until the run ends or `timeout` seconds pass (for tests and the CLI)."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.store.get_run(run_id)
            if run.status in TERMINAL_RUNS or time.monotonic() > deadline:
                return run
            time.sleep(0.02)


def _downstream(spec: dict[str, Any], node_id: str) -> list[str]:
    children: dict[str, list[str]] = {}
    for edge in spec.get("edges", []):
        source, target = edge["source"].split(".")[0], edge["target"].split(".")[0]
        children.setdefault(source, []).append(target)
    found: list[str] = []
    stack = list(children.get(node_id, []))
    while stack:
        node = stack.pop()
        if node not in found:
            found.append(node)
            stack.extend(children.get(node, []))
    return found


def _now() -> datetime:
    return datetime.now(UTC)


def _ts(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)
