"""A finished step's dependent is enqueued even when another worker changes the ready registry
at the same moment (RQ alone leaves it for maintenance)."""

from __future__ import annotations

import os
import signal
import uuid

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import JobStatus
from rq.registry import ReadyJobRegistry

from jobs.ready_queue import ReadyQueue


@pytest.fixture
def connection(redis_url):
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield Redis.from_url(redis_url)
    for sig, handler in handlers.items():  # RQ's work() installs its own
        signal.signal(sig, handler)


def _contended(monkeypatch, redis_url: str, times: int) -> list[str]:
    """Make the next `times` transactions that enqueue a ready job fail as they would when
    another worker's step ends meanwhile: a second connection writes to the watched ready
    registry between WATCH and EXEC. Returns the ids whose transaction was disturbed."""
    other = Redis.from_url(redis_url)
    disturbed: list[str] = []
    original = Queue._enqueue_job

    def enqueue_job(self, job, pipeline=None, at_front=False):
        if pipeline is not None and len(disturbed) < times:
            disturbed.append(job.id)
            registry = ReadyJobRegistry(name=self.name, connection=other)
            other.zadd(registry.key, {f"other-{uuid.uuid4().hex}": 1})
        return original(self, job, pipeline=pipeline, at_front=at_front)

    monkeypatch.setattr(Queue, "_enqueue_job", enqueue_job)
    return disturbed


def _parent_and_child(queue: Queue):
    parent = queue.enqueue(os.getpid)
    child = queue.enqueue(os.getpid, depends_on=parent)
    assert child.get_status() == JobStatus.DEFERRED
    return parent, child


def test_rq_alone_leaves_a_contended_dependent_waiting(connection, redis_url, monkeypatch):
    # The behaviour ReadyQueue exists for; should RQ fix it, this fails and ReadyQueue can go.
    queue = Queue(f"ready-{uuid.uuid4().hex[:8]}", connection=connection)
    parent, child = _parent_and_child(queue)
    disturbed = _contended(monkeypatch, redis_url, times=1)
    SimpleWorker([queue], connection=connection, name=uuid.uuid4().hex).work(burst=True)
    assert parent.get_status() == JobStatus.FINISHED
    assert disturbed == [child.id]
    assert child.get_status() == JobStatus.READY_TO_ENQUEUE
    assert queue.count == 0


def test_a_contended_dependent_is_enqueued_and_runs(connection, redis_url, monkeypatch):
    queue = ReadyQueue(f"ready-{uuid.uuid4().hex[:8]}", connection=connection)
    parent, child = _parent_and_child(queue)
    disturbed = _contended(monkeypatch, redis_url, times=2)
    worker = SimpleWorker(
        [queue], connection=connection, name=uuid.uuid4().hex, queue_class=ReadyQueue
    )
    worker.work(burst=True)
    assert disturbed == [child.id, child.id]  # failed twice, enqueued on the third attempt
    assert child.get_status() == JobStatus.FINISHED
    assert child.id not in ReadyJobRegistry(name=queue.name, connection=connection)


def test_a_dependent_canceled_meanwhile_is_not_enqueued(connection, monkeypatch):
    queue = ReadyQueue(f"ready-{uuid.uuid4().hex[:8]}", connection=connection)
    parent, child = _parent_and_child(queue)
    original = Queue._enqueue_job

    def cancel_first(self, job, pipeline=None, at_front=False):
        if pipeline is not None and job.id == child.id:
            # The run is canceled while its step is being enqueued: the status changes under
            # the transaction's WATCH, and no later attempt may enqueue the job.
            monkeypatch.setattr(Queue, "_enqueue_job", original)
            connection.hset(child.key, "status", JobStatus.CANCELED.value)
        return original(self, job, pipeline=pipeline, at_front=at_front)

    monkeypatch.setattr(Queue, "_enqueue_job", cancel_first)
    worker = SimpleWorker(
        [queue], connection=connection, name=uuid.uuid4().hex, queue_class=ReadyQueue
    )
    worker.work(burst=True)
    assert parent.get_status() == JobStatus.FINISHED
    assert child.get_status() == JobStatus.CANCELED
    assert queue.count == 0
