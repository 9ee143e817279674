"""The prefork worker: jobs run in the spare forked beforehand, with RQ's isolation kept."""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import JobStatus

from jobs import heartbeat
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
    assert not any(_alive(pid) for pid in worker.spares)  # none outlives the worker


def test_a_horse_whose_job_succeeded_runs_the_next_job_too(queue):
    jobs = [queue.enqueue(os.getpid) for _ in range(3)]
    worker = _worker(queue)
    worker.work(burst=True)
    assert [j.get_status() for j in jobs] == [JobStatus.FINISHED] * 3
    assert {j.return_value() for j in jobs} == {worker.spares[0]}
    assert worker.spares == [worker.spares[0]]
    assert not _alive(worker.spares[0])


def test_a_horse_serves_at_most_jobs_per_horse_jobs(queue):
    jobs = [queue.enqueue(os.getpid) for _ in range(3)]
    worker = _worker(queue)
    worker.jobs_per_horse = 2
    worker.work(burst=True)
    horses = [j.return_value() for j in jobs]
    assert horses[0] == horses[1] != horses[2]
    assert horses[2] == worker.spares[1]


def test_a_horse_whose_job_failed_is_not_reused(queue):
    first = queue.enqueue(os.getpid)
    failed = queue.enqueue(os.getpgid, -1)  # raises ProcessLookupError
    after = queue.enqueue(os.getpid)
    worker = _worker(queue)
    worker.work(burst=True)
    assert failed.get_status() == JobStatus.FAILED
    assert after.get_status() == JobStatus.FINISHED
    assert first.return_value() == worker.spares[0]
    assert after.return_value() == worker.spares[1] != worker.spares[0]


def test_a_reused_horse_that_crashes_fails_its_job_only(queue):
    first = queue.enqueue(os.getpid)
    crashed = queue.enqueue(os.abort)
    after = queue.enqueue(os.getpid)
    worker = _worker(queue)
    worker.work(burst=True)
    assert first.get_status() == JobStatus.FINISHED
    assert crashed.get_status() == JobStatus.FAILED
    assert after.get_status() == JobStatus.FINISHED
    assert after.return_value() not in (first.return_value(), os.getpid())


def test_a_reused_horse_still_times_out(queue):
    first = queue.enqueue(os.getpid)
    slow = queue.enqueue(time.sleep, 30, job_timeout=1)
    after = queue.enqueue(os.getpid)
    worker = _worker(queue)
    worker.work(burst=True)
    assert slow.get_status() == JobStatus.FAILED
    assert "JobTimeoutException" in (slow.latest_result().exc_string or "")
    assert after.get_status() == JobStatus.FINISHED
    assert after.return_value() != first.return_value()


def test_the_monitoring_alarm_never_loses_the_horse_s_word(queue):
    # RQ wakes the worker every job_monitoring_interval while a horse runs; a job that spans
    # several such alarms still ends as FINISHED and its horse is reused.
    first = queue.enqueue(time.sleep, 2.5)
    after = queue.enqueue(os.getpid)
    worker = _worker(queue)
    worker.job_monitoring_interval = 1
    worker.work(burst=True)
    assert first.get_status() == JobStatus.FINISHED
    assert after.return_value() == worker.spares[0]


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


def test_heartbeats_go_at_most_once_a_second_unless_part_of_a_pipeline(redis_url, monkeypatch):
    class Beating(OneTripHeartbeat, SimpleWorker):
        pass

    clock = [1000.0]
    monkeypatch.setattr(heartbeat.time, "monotonic", lambda: clock[0])
    connection = Redis.from_url(redis_url)
    worker = Beating(["beat"], connection=connection, name=uuid.uuid4().hex)
    worker.heartbeat(90)
    connection.delete(worker.key)
    clock[0] += heartbeat.MIN_INTERVAL_S / 2
    worker.heartbeat(90)  # too soon after the last: skipped
    assert not connection.exists(worker.key)
    with connection.pipeline() as pipe:  # RQ's beat when it starts a job always goes
        worker.heartbeat(90, pipe)
        pipe.execute()
    assert connection.hget(worker.key, "last_heartbeat")
    connection.delete(worker.key)
    clock[0] += heartbeat.MIN_INTERVAL_S
    worker.heartbeat(90)
    assert connection.hget(worker.key, "last_heartbeat")
