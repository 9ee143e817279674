"""The status machine of runs and steps: the one place where their status changes.

Everything that moves a step or a run, whatever told it (a worker's event, RQ's state of a job
seen by a sweep, a submit, a user's cancel), goes through `StatusMachine`, and the mapping from
RQ's job states to step statuses is the table `JOB_STATE_STEP_STATUS`. The statuses themselves
and their allowed moves are `storage.entities.StepStatus` and `RunStatus`.

State changes happen under one lock, so the monitor thread and request threads never race on
the same run; no lock is held while Redis is called: a change collects the Redis work it asks
for (jobs to stop, jobs to expire, queues to nudge) in `RedisWork`, done once the lock is
released. Runs that end are told to `on_run_end` then too (requests waiting for them answer).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq.job import JobStatus

from jobs import defaults
from jobs.contract import StepEvent, StepResult
from jobs.pipeline import PipelineSpec
from jobs.tracking import MISSING, JobState, cancel_jobs, enqueue_ready_jobs, expire_jobs
from storage import ArtifactStore, Run, RunStatus, StepRun, StepStatus, WorkspaceStore

INTERRUPTED_AT_SUBMIT = (
    "Interrupted at submit: the control plane stopped before it acknowledged "
    "this run, and not every step reached Redis; submit it again."
)
JOB_GONE = (
    "Its job is gone from Redis (was Redis restarted without persistence?); submit the run again."
)
STEP_FAILED = "The step failed."
# When a step started and when it stopped, each where known.
Span = tuple[datetime | None, datetime | None]

# What each state of a step's RQ job says of the step. States not listed (deferred, scheduled,
# RQ 3's ready-to-enqueue) say nothing new: the step keeps its status.
JOB_STATE_STEP_STATUS: dict[str, StepStatus] = {
    JobStatus.QUEUED.value: StepStatus.QUEUED,
    JobStatus.STARTED.value: StepStatus.RUNNING,
    JobStatus.FINISHED.value: StepStatus.COMPLETED,
    JobStatus.FAILED.value: StepStatus.FAILED,
    JobStatus.STOPPED.value: StepStatus.CANCELED,
    JobStatus.CANCELED.value: StepStatus.CANCELED,
    MISSING: StepStatus.FAILED,
}
# How long after a run ended the sweep keeps expiring jobs that RQ had not finished recording.
EXPIRE_WINDOW_S = 600.0
# A job whose upstream jobs ended but that RQ left out of its queue (see enqueue_ready_jobs).
READY_TO_ENQUEUE = JobStatus.READY_TO_ENQUEUE.value


def step_status_of_job(state: JobState) -> StepStatus | None:
    """The status a step takes from its job's state in RQ; None when the state says nothing new.

    A finished job whose result could not be read (another worker contract version) fails its
    step; one whose result is not there yet says nothing.
    """
    status = JOB_STATE_STEP_STATUS.get(state.status)
    if status is StepStatus.COMPLETED and state.result is None:
        return StepStatus.FAILED if state.error else None
    return status


def initial_step_status(*, reused: bool, waits_for_upstream: bool) -> StepStatus:
    """A new step's status: completed when it reuses earlier outputs, pending while an upstream
    step of the same run has to run first, else queued."""
    if reused:
        return StepStatus.COMPLETED
    return StepStatus.PENDING if waits_for_upstream else StepStatus.QUEUED


def initial_run_status(*, has_jobs: bool) -> RunStatus:
    """A new run's status: queued until every job is in Redis (a run still queued when the
    control plane starts again was interrupted at submit), running when nothing has to run."""
    return RunStatus.QUEUED if has_jobs else RunStatus.RUNNING


@dataclass
class RedisWork:
    """What status changes ask for once the lock is released: Redis calls, and the news of
    runs that ended."""

    cancel: list[str] = field(default_factory=list)  # job ids to stop or cancel
    expire: list[str] = field(default_factory=list)  # job ids of runs that ended
    enqueue_ready: set[str] = field(default_factory=set)  # queues with ready jobs left out
    ended: list[str] = field(default_factory=list)  # runs that ended, for `on_run_end`


class StatusMachine:
    """Applies what is learned about steps to the workspace store, under one lock."""

    def __init__(
        self,
        store: WorkspaceStore,
        artifacts: ArtifactStore,
        redis: Redis,
        *,
        on_run_end: Callable[[str], None] = lambda run_id: None,
    ):
        self.store = store
        self.artifacts = artifacts
        self.redis = redis
        # Told of each run that ends, once the lock is released (the long poll waits on it).
        self.on_run_end = on_run_end
        self.lock = threading.RLock()
        # Runs whose jobs a submit in this process is handing to Redis right now: a sweep
        # leaves them alone (a queued run not listed here was left by a control plane that
        # died while submitting it).
        self._submitting: set[str] = set()
        # Runs that ended: run id -> (give up at, job ids RQ may not be done with yet). RQ sets
        # a job's TTL to a week when it records the job's end, which may come after the step's
        # event ended the run; the sweep expires such jobs again (`take_expiring`).
        self._expiring: dict[str, tuple[float, list[str]]] = {}

    # -- submitting -------------------------------------------------------------------------

    def record_run(self, *, run_id: str, **fields: Any) -> Run:
        """Record a new run and its steps (`WorkspaceStore.create_run`); a queued one is marked
        as being submitted until `submitted` or `submit_failed`.

        The lock is not held while recording (so concurrent submits share a write, see
        `Database.write_shared`): nothing else knows the new run's id until it is recorded, and
        it is marked before, so a sweep never finds it queued and unmarked."""
        queued = RunStatus(fields.get("status", RunStatus.QUEUED)) is RunStatus.QUEUED
        if queued:
            with self.lock:
                self._submitting.add(run_id)
        try:
            return self.store.create_run(run_id=run_id, **fields)
        except BaseException:
            with self.lock:
                self._submitting.discard(run_id)
            raise

    def record_reused_run(self, *, steps: list[StepRun], **fields: Any) -> Run:
        """Record a new run every step of which reuses earlier outputs: completed at once, with
        its summary metrics, in one write (what `record_run` then `finish_if_done` leave).
        Without the lock, as `record_run`."""
        return self.store.create_run(
            **fields,
            steps=steps,
            status=RunStatus.COMPLETED,
            summary_metrics=_key_metrics(steps),
        )

    def is_submitting(self, run_id: str) -> bool:
        with self.lock:
            return run_id in self._submitting

    def submitted(self, run_id: str) -> Run:
        """Every job of the run is in Redis: a queued run starts running. A run canceled
        meanwhile has its jobs (some enqueued after the cancel) canceled again."""
        work = RedisWork()
        with self.lock:
            self._submitting.discard(run_id)
            run = self.store.get_run(run_id)
            if run.status is RunStatus.QUEUED:
                run = self.store.update_run(run_id, status=RunStatus.RUNNING)
            elif run.status.is_terminal:
                work.cancel = self._job_ids(run_id)
        self._do(work)
        return run

    def submit_failed(self, run_id: str, node_ids: list[str], message: str) -> None:
        """Redis refused the run's jobs: its steps to run are canceled and the run fails."""
        work = RedisWork(ended=[run_id])
        with self.lock:
            self._submitting.discard(run_id)
            for node_id in node_ids:
                self._move(run_id, node_id, StepStatus.CANCELED)
            self.store.update_run(run_id, status=RunStatus.FAILED, error=message)
        self._do(work)

    def forget_submit(self, run_id: str) -> None:
        """A submit ended without saying how (an unexpected error): the sweep judges the run as
        it would after a crash."""
        with self.lock:
            self._submitting.discard(run_id)

    def resume_interrupted(self, run_id: str) -> None:
        """A run left queued by a control plane that died while submitting it, every job of
        which reached Redis: it goes on."""
        with self.lock:
            if self.store.get_run(run_id).status is RunStatus.QUEUED:
                self.store.update_run(run_id, status=RunStatus.RUNNING)

    def fail_interrupted(self, run_id: str, node_ids: list[str], job_ids: list[str]) -> None:
        """A run left queued by a control plane that died while submitting it, with jobs
        missing from Redis: the jobs that did get there are canceled, the run fails."""
        work = RedisWork(cancel=list(job_ids))
        with self.lock:
            for node_id in node_ids:
                self._move(
                    run_id,
                    node_id,
                    StepStatus.CANCELED,
                    error=INTERRUPTED_AT_SUBMIT,
                    finished_at=_now(),
                )
            run = self.store.get_run(run_id)
            if not run.status.is_terminal:
                self.store.update_run(
                    run_id,
                    status=RunStatus.FAILED,
                    error=INTERRUPTED_AT_SUBMIT,
                    finished_at=_now(),
                )
                work.ended.append(run_id)
        self._do(work)

    # -- what workers and RQ report ---------------------------------------------------------

    def apply_event(self, event: StepEvent) -> None:
        """A step's own report that it ended: completed with its result, else failed."""
        if event.result is not None:
            self.complete_step(event.run_id, event.node_id, event.result)
        else:
            ran = (_ts(event.started_at), _ts(event.finished_at))
            self.fail_step(event.run_id, event.node_id, event.error or STEP_FAILED, ran=ran)

    def complete_step(self, run_id: str, node_id: str, result: StepResult) -> None:
        """A step's result arrived: it completes, and its run may end."""
        work = RedisWork()
        with self.lock:
            self._complete(run_id, node_id, result, work)
        self._do(work)

    def fail_step(self, run_id: str, node_id: str, message: str, ran: Span = (None, None)) -> None:
        """A step failed: its downstream steps are canceled, and its run may end. `ran`: when it
        started and stopped, where the worker said."""
        work = RedisWork()
        with self.lock:
            self._fail(run_id, node_id, message, work, ran)
        self._do(work)

    def apply_job_states(
        self,
        run_id: str,
        steps: list[StepRun],
        states: dict[str, JobState],
        dead_workers: Collection[str] = (),
    ) -> Run:
        """Bring `steps` in line with their jobs' `states` (read from RQ without the lock);
        `dead_workers` names the started jobs whose worker stopped beating."""
        work = RedisWork()
        with self.lock:
            for step in steps:
                self._apply_job_state(step, states[step.job_id], step.job_id in dead_workers, work)
            run = self._finish_if_done(run_id, work) or self.store.get_run(run_id)
        self._do(work)
        return run

    def finish_if_done(self, run_id: str) -> Run:
        """End the run when every step has ended (failed, else canceled, else completed)."""
        work = RedisWork()
        with self.lock:
            run = self._finish_if_done(run_id, work) or self.store.get_run(run_id)
        self._do(work)
        return run

    # -- user actions -----------------------------------------------------------------------

    def cancel_run(self, run_id: str) -> Run:
        """Stop a run: running steps are stopped, waiting ones canceled."""
        work = RedisWork()
        with self.lock:
            run = self.store.get_run(run_id)
            if run.status.is_terminal:
                return run
            self._cancel(run_id, [s.node_id for s in self.store.list_steps(run_id)], work)
            run = self.store.get_run(run_id)
            if not run.status.is_terminal:
                run = self.store.update_run(run_id, status=RunStatus.CANCELED, finished_at=_now())
                self._ended(run_id, self._job_ids(run_id), work)
        self._do(work)
        return run

    def take_expiring(self) -> dict[str, tuple[float, list[str]]]:
        """The ended runs whose jobs may need expiring again, handed over (and forgotten)."""
        with self.lock:
            taken, self._expiring = self._expiring, {}
            return taken

    def expire_later(self, run_id: str, until: float, job_ids: list[str]) -> None:
        """Keep `job_ids` of an ended run for the next `take_expiring`, up to `until`."""
        with self.lock:
            self._expiring[run_id] = (until, job_ids)

    # -- the moves, with the lock held ------------------------------------------------------

    def _apply_job_state(
        self, step: StepRun, state: JobState, worker_dead: bool, work: RedisWork
    ) -> None:
        if state.status == READY_TO_ENQUEUE:
            work.enqueue_ready.add(step.queue)
            return
        status = step_status_of_job(state)
        if status is StepStatus.COMPLETED:
            self._complete(step.run_id, step.node_id, state.result, work)
        elif status is StepStatus.FAILED:
            message = JOB_GONE if state.status == MISSING else state.error or STEP_FAILED
            self._fail(step.run_id, step.node_id, message, work, (state.started_at, state.ended_at))
        elif status is StepStatus.CANCELED:
            self._cancel(step.run_id, [step.node_id], work)
        elif status is StepStatus.RUNNING and worker_dead:
            work.cancel.append(state.job_id)
            self._fail(
                step.run_id,
                step.node_id,
                f"The worker running this step ({state.worker_name}) stopped before the step "
                f"finished.",
                work,
            )
        elif status is StepStatus.RUNNING:
            self._move(step.run_id, step.node_id, status, later=True, started_at=_now())
        elif status is not None:
            self._move(step.run_id, step.node_id, status, later=True)

    def _move(
        self, run_id: str, node_id: str, status: StepStatus, *, later: bool = False, **fields: Any
    ) -> bool:
        """Move a step forward to `status`; a step already there, or past it, stays. `later`:
        written as a step's end is (`update_step_later`), for what the sweep reads of a job
        that has not ended (queued, running): should a crash lose it, the next sweep reads it
        again, and a write of its own took a transaction for each step the sweep found so."""
        current = self.store.get_step(run_id, node_id).status
        if current == status or not current.can_become(status):
            return False
        update = self.store.update_step_later if later else self.store.update_step
        update(run_id, node_id, status=status, **fields)
        return True

    def _complete(self, run_id: str, node_id: str, result: StepResult, work: RedisWork) -> None:
        if self.store.get_step(run_id, node_id).status.is_terminal:
            return
        timings = {
            "started_at": _ts(result.started_at),
            "finished_at": _ts(result.finished_at),
            "duration_s": result.duration_s,
        }
        # Written with the run's next write (its end, at the latest) or at the next sweep.
        self.store.update_step_later(
            run_id,
            node_id,
            status=StepStatus.COMPLETED,
            outputs=result.outputs,
            metrics=result.metrics,
            log_uri=result.log_uri,
            **{name: value for name, value in timings.items() if value is not None},
        )
        self._finish_if_done(run_id, work)

    def _fail(
        self,
        run_id: str,
        node_id: str,
        message: str,
        work: RedisWork,
        ran: Span = (None, None),
    ) -> None:
        if self.store.get_step(run_id, node_id).status.is_terminal:
            return
        started_at, finished_at = ran
        # The store gives the step its duration from these (or from when a sweep saw it start).
        times = {"started_at": started_at} if started_at else {}
        self.store.update_step(
            run_id,
            node_id,
            status=StepStatus.FAILED,
            error=message,
            log_uri=self.artifacts.log_uri(run_id, node_id),
            finished_at=finished_at or _now(),
            **times,
        )
        run = self.store.get_run(run_id)
        if run.error is None:
            self.store.update_run(run_id, error=f"Step '{node_id}' failed: {message}")
        downstream = PipelineSpec.from_dict(run.spec).graph.downstream(node_id)
        self._cancel(run_id, downstream, work)

    def _cancel(self, run_id: str, node_ids: list[str], work: RedisWork) -> None:
        steps = {s.node_id: s for s in self.store.list_steps(run_id)}
        open_steps = [steps[n] for n in node_ids if n in steps and not steps[n].status.is_terminal]
        work.cancel.extend(s.job_id for s in open_steps if s.job_id)
        for step in open_steps:
            self.store.update_step(
                run_id, step.node_id, status=StepStatus.CANCELED, finished_at=_now()
            )
        self._finish_if_done(run_id, work)

    def _finish_if_done(self, run_id: str, work: RedisWork) -> Run | None:
        """End the run when every step has; the run when it ended (now or before), else None."""
        run_status, step_statuses = self.store.run_progress(run_id)
        if run_status.is_terminal:
            return self.store.get_run(run_id)
        statuses = set(step_statuses)
        if not all(status.is_terminal for status in statuses):
            return None
        steps = self.store.list_steps(run_id)
        if StepStatus.FAILED in statuses:
            status = RunStatus.FAILED
        elif StepStatus.CANCELED in statuses:
            status = RunStatus.CANCELED
        else:
            status = RunStatus.COMPLETED
        if status is RunStatus.COMPLETED:
            finished = self.store.complete_run(run_id, _key_metrics(steps), finished_at=_now())
        else:
            finished = self.store.update_run(run_id, status=status, finished_at=_now())
        self._ended(run_id, [s.job_id for s in steps if s.job_id], work)
        return finished

    def _ended(self, run_id: str, job_ids: list[str], work: RedisWork) -> None:
        work.ended.append(run_id)
        work.expire.extend(job_ids)
        if job_ids:
            self._expiring[run_id] = (time.monotonic() + EXPIRE_WINDOW_S, job_ids)

    def _job_ids(self, run_id: str) -> list[str]:
        return [s.job_id for s in self.store.list_steps(run_id) if s.job_id]

    # -- Redis, with no lock held -----------------------------------------------------------

    def _do(self, work: RedisWork) -> None:
        for run_id in work.ended:  # recorded already: waiters need not wait for Redis
            self.on_run_end(run_id)
        if work.cancel:
            cancel_jobs(self.redis, work.cancel)
        for queue in sorted(work.enqueue_ready):
            enqueue_ready_jobs(self.redis, queue)
        if work.expire:
            # Everything a finished run needs is now in the workspace (outputs, metrics,
            # errors) and the artifact store: its jobs' copies in Redis are kept only a little
            # longer.
            with contextlib.suppress(RedisError):
                expire_jobs(self.redis, work.expire, defaults.ENDED_RUN_JOB_TTL)


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
