"""Reading the state of step jobs from RQ, and stopping them."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import ReadyJobRegistry
from rq.utils import as_text
from rq.worker import Worker

from jobs import defaults
from jobs.contract import StepEvent, StepResult
from jobs.errors import ContractError

log = logging.getLogger("flowbench.tracking")


MISSING = "missing"  # the status of a job Redis no longer has (not one of RQ's)


@dataclass(frozen=True)
class JobState:
    """What RQ knows of one step job.

    `result` is the finished job's `StepResult`; `error` is the failed job's sentence for the
    user, or why a finished job's result could not be read (another contract version);
    `started_at` and `ended_at`, when a failed job ran, as RQ recorded it.
    """

    job_id: str
    status: str  # an rq JobStatus value, or MISSING when Redis has no such job
    result: StepResult | None = None
    error: str | None = None
    worker_name: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


def next_event(connection: Redis, key: str, timeout: float) -> StepEvent | None:
    """Wait up to `timeout` seconds for the next step event on `key`; None when none came.

    An event this side cannot read (another contract version, a field missing) comes back as a
    failed event carrying the reason, when it names its run and node; otherwise it is dropped
    and the sweep reads the job instead.
    """
    item = connection.blpop([key], timeout=timeout)
    if item is None:
        return None
    try:
        return StepEvent.from_json(item[1])
    except ContractError as exc:
        return _unreadable_event(item[1], exc)


def _unreadable_event(text: bytes | str, exc: ContractError) -> StepEvent | None:
    with contextlib.suppress(ValueError):
        data = json.loads(text)
        run_id, node_id, job_id = (
            data.get(name) if isinstance(data, dict) else None for name in _EVENT_IDS
        )
        if isinstance(run_id, str) and isinstance(node_id, str) and isinstance(job_id, str):
            return StepEvent(run_id, node_id, job_id, result=None, error=str(exc))
    log.warning("dropped a step event: %s", exc)
    return None


_EVENT_IDS = ("run_id", "node_id", "job_id")


def fetch_job_statuses(connection: Redis, job_ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """Each job id's RQ status (`MISSING` when Redis has no such job) and the worker that took
    it, if any: two fields of each job, in one round trip for the lot."""
    with connection.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.hmget(Job.key_for(job_id), "status", "worker_name")
        found = pipe.execute()
    return {
        job_id: (as_text(status) if status else MISSING, as_text(worker) if worker else None)
        for job_id, (status, worker) in zip(job_ids, found, strict=True)
    }


# Jobs whose state is more than their status: a result, or an error to read.
_ENDED = (JobStatus.FINISHED.value, JobStatus.FAILED.value)


def fetch_job_states(connection: Redis, job_ids: list[str]) -> dict[str, JobState]:
    """The state of each job id: the status and worker of all (one round trip), and the
    result or error of those that finished or failed, read whole (one more)."""
    states: dict[str, JobState] = {}
    ended = []
    for job_id, (status, worker) in fetch_job_statuses(connection, job_ids).items():
        if status in _ENDED:
            ended.append(job_id)
        else:
            states[job_id] = JobState(job_id, status, worker_name=worker)
    if ended:
        states.update(_fetch_ended(connection, ended))
    return {job_id: states[job_id] for job_id in job_ids}


def _fetch_ended(connection: Redis, job_ids: list[str]) -> dict[str, JobState]:
    states: dict[str, JobState] = {}
    jobs = Job.fetch_many(job_ids, connection=connection, serializer=defaults.SERIALIZER)
    for job_id, job in zip(job_ids, jobs, strict=True):
        if job is None:
            states[job_id] = JobState(job_id, MISSING)
            continue
        found = job.get_status(refresh=False)
        status = found.value if isinstance(found, JobStatus) else str(found)
        result: StepResult | None = None
        error: str | None = None
        ran: tuple[datetime | None, datetime | None] = (None, None)
        if status == JobStatus.FINISHED.value:
            value = job.return_value()
            if value is not None:
                try:
                    result = StepResult.from_dict(value)
                except ContractError as exc:
                    error = str(exc)
        elif status == JobStatus.FAILED.value:
            error = job.meta.get("error") or _last_line(job.latest_result())
            ran = (job.started_at, job.ended_at)
        states[job_id] = JobState(job_id, status, result, error, job.worker_name, *ran)
    return states


def enqueue_ready_jobs(connection: Redis, queue: str) -> int:
    """Enqueue the jobs of `queue` whose dependencies finished but that RQ left unqueued.

    RQ 3 moves such a job to its ready registry and enqueues it at once, unless the registry
    changed meanwhile (another worker ending a step): then it leaves the job to the workers'
    maintenance, up to 10 minutes later. Flowbench's workers try again (`jobs.ready_queue`);
    this catches what is left (a plain `rq worker`, a worker killed in between). Safe to call at
    any time: RQ enqueues each job once. Returns how many jobs were enqueued.
    """
    return len(
        ReadyJobRegistry(
            name=queue, connection=connection, serializer=defaults.SERIALIZER
        ).cleanup()
    )


def worker_is_alive(
    connection: Redis, worker_name: str | None, stale_after: float = defaults.WORKER_STALE_AFTER
) -> bool:
    """Whether the worker that holds a started job still lives (its heartbeat is recent)."""
    if not worker_name:
        return True  # not picked up by a worker yet
    worker = Worker.find_by_key(
        Worker.redis_worker_namespace_prefix + worker_name,
        connection=connection,
        serializer=defaults.SERIALIZER,
    )
    if worker is None:
        return False
    heartbeat = worker.last_heartbeat
    if heartbeat is None:
        return True
    if heartbeat.tzinfo is None:  # RQ stores naive UTC
        heartbeat = heartbeat.replace(tzinfo=UTC)
    return time.time() - heartbeat.timestamp() < stale_after


def expire_jobs(connection: Redis, job_ids: list[str], ttl: int) -> None:
    """Let the given jobs and their stored results expire `ttl` seconds from now."""
    if not job_ids:
        return
    with connection.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.expire(Job.key_for(job_id), ttl)
            pipe.expire(f"rq:results:{job_id}", ttl)
            pipe.expire(f"rq:job:{job_id}:dependents", ttl)
        pipe.execute()


def cancel_jobs(connection: Redis, job_ids: list[str]) -> None:
    """Stop running jobs and cancel queued or deferred ones; jobs already ended are left."""
    for job_id in job_ids:
        with contextlib.suppress(NoSuchJobError, InvalidJobOperation, RedisError):
            job = Job.fetch(job_id, connection=connection, serializer=defaults.SERIALIZER)
            status = job.get_status()
            if status == JobStatus.STARTED:
                send_stop_job_command(connection, job_id)
            elif status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
                job.cancel()


def _last_line(result: Any) -> str:
    text = (getattr(result, "exc_string", None) or "").strip()
    return text.splitlines()[-1] if text else "The step failed without a message."
