"""Reading step jobs' states from RQ: every status with its worker, and the result or error of
the jobs that ended, for many jobs at once."""

from __future__ import annotations

import uuid

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus

from jobs import defaults
from jobs.contract import StepResult
from jobs.tracking import MISSING, fetch_job_states, fetch_job_statuses

RESULT = StepResult(outputs={"results_dataset": "artifacts://objects/abc.parquet"}, metrics={})


@pytest.fixture
def jobs(redis_url):
    """Jobs queued, started by a worker, finished with a step result, failed, and one id that
    Redis does not know; each in RQ's own way of getting there."""
    redis = Redis.from_url(redis_url)
    queue = Queue(
        f"tracking-{uuid.uuid4().hex[:8]}", connection=redis, serializer=defaults.SERIALIZER
    )
    queued = queue.enqueue_call("builtins.dict")
    started = queue.enqueue_call("builtins.dict")
    started.set_status(JobStatus.STARTED)
    started.worker_name = "worker-7"
    started.save()
    finished = queue.enqueue_call("builtins.dict", kwargs=RESULT.to_dict())
    queue.run_sync(finished)
    failed = queue.enqueue_call("builtins.int", args=("not a number",))
    queue.run_sync(failed)  # RQ records the failure
    ids = [queued.id, started.id, finished.id, failed.id, f"missing-{uuid.uuid4().hex}"]
    yield redis, ids
    queue.empty()
    redis.delete(*(Job.key_for(job_id) for job_id in ids))


def test_statuses_and_workers_of_many_jobs(jobs):
    redis, ids = jobs
    assert list(fetch_job_statuses(redis, ids).items()) == [
        (ids[0], (JobStatus.QUEUED.value, None)),
        (ids[1], (JobStatus.STARTED.value, "worker-7")),
        (ids[2], (JobStatus.FINISHED.value, "sync")),  # run_sync names its worker so
        (ids[3], (JobStatus.FAILED.value, "sync")),
        (ids[4], (MISSING, None)),
    ]


def test_ended_jobs_carry_their_result_or_error(jobs):
    redis, ids = jobs
    states = fetch_job_states(redis, ids)
    assert list(states) == ids
    queued, started, finished, failed, missing = (states[job_id] for job_id in ids)
    assert (queued.status, queued.result, queued.error) == ("queued", None, None)
    assert (started.status, started.worker_name) == ("started", "worker-7")
    assert finished.status == "finished" and finished.result == RESULT
    assert failed.status == "failed" and "invalid literal for int()" in failed.error
    assert missing.status == MISSING
