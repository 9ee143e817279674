"""Reconciling runs with RQ: a sweep reads the jobs of unfinished steps and catches what no
event told (a worker that died, a job Redis lost, a step that ended while the control plane was
down), settles runs a control plane left queued when it died while submitting them, and
expires the jobs of ended runs once RQ is done with them.

It reads the workspace under the status machine's lock, calls Redis with no lock held, and
hands what it learned to the status machine (`app.services.run_status`), which re-checks each
step before it moves it.
"""

from __future__ import annotations

import contextlib
import logging
import time

from redis import Redis
from redis.exceptions import RedisError
from rq.job import JobStatus

from app.services.run_status import StatusMachine
from jobs import defaults
from jobs.tracking import (
    MISSING,
    expire_jobs,
    fetch_job_states,
    fetch_job_statuses,
    worker_is_alive,
)
from storage import Run, RunStatus, StorageError, WorkspaceStore

log = logging.getLogger("flowbench.sweep")

# States of a job RQ is not done with: it will set the job's TTL again when it is.
RQ_BUSY = {
    JobStatus.CREATED.value,
    JobStatus.QUEUED.value,
    JobStatus.STARTED.value,
    JobStatus.DEFERRED.value,
    JobStatus.SCHEDULED.value,
    JobStatus.READY_TO_ENQUEUE.value,
}


class RunReconciler:
    """Brings runs in the workspace up to date with their jobs in RQ."""

    def __init__(
        self,
        store: WorkspaceStore,
        redis: Redis,
        machine: StatusMachine,
        *,
        worker_stale_after: float = defaults.WORKER_STALE_AFTER,
    ):
        self.store = store
        self.redis = redis
        self.machine = machine
        self.worker_stale_after = worker_stale_after

    def sync(self, run_id: str) -> Run:
        """Bring a run up to date with what RQ knows of its jobs (catches missed events)."""
        with self.machine.lock:
            run = self.store.get_run(run_id)
            if run.status.is_terminal or self.machine.is_submitting(run_id):
                return run
            steps = [
                s for s in self.store.list_steps(run_id) if not s.status.is_terminal and s.job_id
            ]
        states = fetch_job_states(self.redis, [s.job_id for s in steps]) if steps else {}
        if run.status is RunStatus.QUEUED:
            # Not being submitted by this process: its control plane died in the submit.
            present = [job_id for job_id, state in states.items() if state.status != MISSING]
            if len(present) < len(states):
                self.machine.fail_interrupted(run_id, [s.node_id for s in steps], present)
                return self.machine.finish_if_done(run_id)
            self.machine.resume_interrupted(run_id)
        dead = {
            job_id
            for job_id, state in states.items()
            if state.status == JobStatus.STARTED.value
            and not worker_is_alive(self.redis, state.worker_name, self.worker_stale_after)
        }
        return self.machine.apply_job_states(run_id, steps, states, dead)

    def sync_active(self) -> None:
        """Sync every run that is not finished; expire the jobs of runs that ended.

        Redis or the workspace failing stops the sweep (the monitor tries it again); anything
        else one run trips on is logged with its traceback and the sweep goes on with the
        others, so that one run cannot keep every other run's dead workers and lost jobs from
        being seen.
        """
        for run in self.store.list_active_runs():
            try:
                self.sync(run.id)
            except (RedisError, StorageError, OSError):
                raise
            except Exception:
                log.exception("sweep: run %s was not brought up to date", run.id)
        self.expire_ended()

    def expire_ended(self) -> None:
        """Expire again the jobs of ended runs that RQ has now finished recording (RQ gives a
        job a week when it records its end, possibly after the run ended)."""
        for run_id, (until, job_ids) in self.machine.take_expiring().items():
            statuses = fetch_job_statuses(self.redis, job_ids)
            done = [job_id for job_id, (status, _) in statuses.items() if status not in RQ_BUSY]
            with contextlib.suppress(RedisError):
                expire_jobs(self.redis, done, defaults.ENDED_RUN_JOB_TTL)
            left = [job_id for job_id in job_ids if job_id not in done]
            if left and time.monotonic() < until:
                self.machine.expire_later(run_id, until, left)
