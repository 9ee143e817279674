"""Enqueueing a run's steps: one job per step, dependents deferred, all in one transaction."""

from __future__ import annotations

import json
import uuid

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus

from jobs import defaults
from jobs.errors import SchedulingError
from jobs.pipeline import PipelineSpec
from jobs.plan import ResolvedDataset, plan_run
from jobs.scheduler import enqueue_steps
from tests.conftest import ROOT


def _plan(queue: str):
    spec = PipelineSpec.from_dict(json.loads((ROOT / "examples/automobile_price.json").read_text()))
    table = "artifacts://objects/" + "a" * 64 + ".parquet"
    return plan_run(
        spec,
        resolve_dataset=lambda name, version: ResolvedDataset(name, 1, table, "h" * 64),
        queue_for=lambda _: queue,
    )


def _enqueue(connection: Redis, queue: str) -> tuple[str, dict[str, str]]:
    run_id = f"run_{uuid.uuid4().hex[:8]}"
    ids = enqueue_steps(
        connection,
        run_id=run_id,
        steps=_plan(queue).steps,
        reused_outputs={},
        log_uri_for=lambda node: f"artifacts://logs/{run_id}/{node}.log",
        events_key=f"events-{run_id}",
    )
    return run_id, ids


def test_the_steps_of_a_run_reach_redis_in_one_transaction(redis_url):
    connection = Redis.from_url(redis_url)
    queue = f"sched-{uuid.uuid4().hex[:6]}"
    executed: list[int] = []
    pipeline = connection.pipeline

    def counting(*args, **kwargs):
        opened = pipeline(*args, **kwargs)
        execute = opened.execute
        opened.execute = lambda *a, **k: (
            executed.append(len(opened.command_stack)) or execute(*a, **k)
        )
        return opened

    connection.pipeline = counting
    _, ids = _enqueue(connection, queue)
    assert len(executed) == 1  # one transaction, every job in it
    connection = Redis.from_url(redis_url)
    jobs = {node: Job.fetch(i, connection=connection) for node, i in ids.items()}
    assert {n for n, j in jobs.items() if j.get_status() == JobStatus.QUEUED} == {
        "learner",
        "select",
    }
    assert {n for n, j in jobs.items() if j.get_status() == JobStatus.DEFERRED} == {
        "clean",
        "split",
        "train",
        "score",
        "evaluate",
    }

    def dependents(node: str) -> set[str]:
        return {m.decode() for m in connection.smembers(jobs[node].dependents_key)}

    assert dependents("split") == {ids["train"], ids["score"]}
    assert dependents("learner") == {ids["train"]}
    assert Queue(queue, connection=connection).job_ids == [ids["learner"], ids["select"]]
    assert jobs["train"].timeout == 3600 and jobs["train"].result_ttl == defaults.RESULT_TTL


def test_enqueued_dependents_run_once_their_upstream_jobs_finished(redis_url, monkeypatch):
    """RQ's own dependency handling takes over: a worker finishing the upstream jobs enqueues
    the deferred ones (the step itself is replaced by one that only returns)."""
    import jobs.step

    monkeypatch.setattr(jobs.step, "run_step", lambda data: {"node": data["node_id"]})
    connection = Redis.from_url(redis_url)
    queue = f"sched-{uuid.uuid4().hex[:6]}"
    _, ids = _enqueue(connection, queue)
    worker = SimpleWorker(
        [Queue(queue, connection=connection, serializer=defaults.SERIALIZER)],
        connection=connection,
        serializer=defaults.SERIALIZER,
    )
    worker.work(burst=True)
    jobs_ = {
        n: Job.fetch(i, connection=connection, serializer=defaults.SERIALIZER)
        for n, i in ids.items()
    }
    assert {n: j.get_status() for n, j in jobs_.items()} == dict.fromkeys(ids, JobStatus.FINISHED)
    assert jobs_["evaluate"].return_value() == {"node": "evaluate"}


def test_a_redis_failure_raises_scheduling_error_and_leaves_no_job(redis_url):
    connection = Redis.from_url(redis_url)
    queue = f"sched-{uuid.uuid4().hex[:6]}"
    pipeline = connection.pipeline

    def failing(*args, **kwargs):
        opened = pipeline(*args, **kwargs)
        opened.execute = lambda *a, **k: (_ for _ in ()).throw(ConnectionError_())
        return opened

    from redis.exceptions import ConnectionError as ConnectionError_

    connection.pipeline = failing
    with pytest.raises(SchedulingError, match="Could not enqueue"):
        _enqueue(connection, queue)
    assert Queue(queue, connection=Redis.from_url(redis_url)).count == 0
