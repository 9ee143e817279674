"""The prefork worker: jobs run in the spare forked beforehand, with RQ's isolation kept."""

from __future__ import annotations

import os
import signal
import uuid

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import JobStatus

from jobs.heartbeat import OneTripHeartbeat
from jobs.prefork import PreforkWorker


class RecordingWorker(PreforkWorker):
    """Remembers the pid of every spare it forked."""

    spares: list[int]

    def _ensure_spare(self) -> None:
        super()._ensure_spare()
        assert self._spare is not None
        if not self.spares or self.spares[-1] != self._spare[0]:
            self.spares.append(self._spare[0])


@pytest.fixture
def queue(redis_url):
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    connection = Redis.from_url(redis_url)
    yield Queue(f"prefork-{uuid.uuid4().hex[:8]}", connection=connection)
    for sig, handler in handlers.items():  # RQ's work() installs its own
        signal.signal(sig, handler)


def _worker(queue: Queue) -> RecordingWorker:
    worker = RecordingWorker([queue], connection=queue.connection, name=uuid.uuid4().hex)
    worker.spares = []
    return worker


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_job_runs_in_the_spare_forked_before_it_arrived(queue):
    job = queue.enqueue(os.getpid)
    worker = _worker(queue)
    assert worker.work(burst=True)
    assert job.get_status() == JobStatus.FINISHED
    horse = job.return_value()
    assert horse == worker.spares[0]
    assert horse != os.getpid()
    # a fresh spare is forked for the next job, and none outlives the worker
    assert len(worker.spares) == 2
    assert not any(_alive(pid) for pid in worker.spares)


def test_a_crashing_step_fails_its_job_and_the_worker_goes_on(queue):
    crashed = queue.enqueue(os.abort)
    after = queue.enqueue(os.getpid)
    worker = _worker(queue)
    worker.work(burst=True)
    assert crashed.get_status() == JobStatus.FAILED
    assert after.get_status() == JobStatus.FINISHED
    assert after.return_value() == worker.spares[1]


def test_a_spare_that_died_while_waiting_is_replaced(queue):
    worker = _worker(queue)
    worker._ensure_spare()
    os.kill(worker.spares[0], signal.SIGKILL)
    os.waitpid(worker.spares[0], 0)  # gone before the job is handed over: forked as RQ does
    job = queue.enqueue(os.getpid)
    worker.work(burst=True)
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() not in (worker.spares[0], os.getpid())


def test_a_spare_exits_when_its_worker_is_gone(queue):
    worker = _worker(queue)
    worker._ensure_spare()
    pid = worker.spares[0]
    worker._drop_spare()
    assert not _alive(pid)


def test_a_heartbeat_is_sent_whole_in_one_round_trip(redis_url):
    class Beating(OneTripHeartbeat, SimpleWorker):
        pass

    connection = Redis.from_url(redis_url)
    worker = Beating(["beat"], connection=connection, name=uuid.uuid4().hex)
    sent = []
    execute_command = connection.execute_command
    connection.execute_command = lambda *a, **k: sent.append(a) or execute_command(*a, **k)
    worker.heartbeat(90)
    assert sent == []  # nothing went alone: the pipeline carried it
    assert connection.hget(worker.key, "last_heartbeat")
    assert 0 < connection.ttl(worker.key) <= 90
