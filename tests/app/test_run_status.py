"""The status machine: RQ's job states mapped to step statuses in one table, and no lock held
while Redis is called (a sweep during a submit leaves the run alone)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest
from redis import Redis
from redis.exceptions import RedisError
from rq.job import JobStatus

from app.services import run_reconciliation, run_status, run_submission
from app.services.datasets import DatasetService
from app.services.run_status import step_status_of_job
from app.services.runs import RunService
from jobs.contract import StepResult
from jobs.errors import SchedulingError
from jobs.tracking import MISSING, JobState, next_event
from storage import ArtifactStore, DuckDBWorkspaceStore, RunStatus, StepStatus
from storage.entities import REUSED, step_state
from tests.conftest import ROOT

RESULT = StepResult(outputs={"results_dataset": "artifacts://objects/x.parquet"})


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (JobState("j", JobStatus.QUEUED.value), StepStatus.QUEUED),
        (JobState("j", JobStatus.STARTED.value), StepStatus.RUNNING),
        (JobState("j", JobStatus.FINISHED.value, result=RESULT), StepStatus.COMPLETED),
        (JobState("j", JobStatus.FINISHED.value), None),  # its result is not saved yet
        (JobState("j", JobStatus.FINISHED.value, error="version 1"), StepStatus.FAILED),
        (JobState("j", JobStatus.FAILED.value, error="boom"), StepStatus.FAILED),
        (JobState("j", JobStatus.STOPPED.value), StepStatus.CANCELED),
        (JobState("j", JobStatus.CANCELED.value), StepStatus.CANCELED),
        (JobState("j", MISSING), StepStatus.FAILED),
        (JobState("j", JobStatus.DEFERRED.value), None),
        (JobState("j", JobStatus.SCHEDULED.value), None),
        (JobState("j", JobStatus.READY_TO_ENQUEUE.value), None),
    ],
    ids=lambda v: getattr(v, "status", v),
)
def test_each_job_state_maps_to_one_step_status(state, expected):
    assert step_status_of_job(state) is expected


def test_a_reused_completed_step_shows_as_reused_and_others_by_status():
    assert step_state(StepStatus.COMPLETED, True) == REUSED
    assert step_state("completed", False) == "completed"
    assert step_state(StepStatus.CANCELED, True) == "canceled"


SPEC = {
    "schema_version": 1,
    "name": "two steps",
    "parameters": [],
    "settings": {"default_compute": "nobody"},
    "nodes": [
        {"id": "tiny", "dataset": "tiny", "dataset_version": None},
        {
            "id": "a",
            "component": "select_columns_in_dataset",
            "version": 1,
            "params": {"columns": {"begin": "all", "rules": []}},
        },
        {
            "id": "b",
            "component": "select_columns_in_dataset",
            "version": 1,
            "params": {"columns": {"begin": "all", "rules": []}},
        },
    ],
    "edges": [
        {"source": "tiny.dataset", "target": "a.dataset"},
        {"source": "a.results_dataset", "target": "b.dataset"},
    ],
}


@pytest.fixture
def runs(tmp_path, redis_url):
    """A run service whose steps go to a queue no worker serves."""
    store = DuckDBWorkspaceStore(tmp_path / "workspace.duckdb")
    artifacts = ArtifactStore(tmp_path / "artifacts")
    store.upsert_compute_target(name="nobody", queue=f"nobody-{uuid.uuid4().hex[:8]}")
    DatasetService(store, artifacts).register_upload("tiny", "tiny.csv", b"a,b\n1,2\n")
    return RunService(store, artifacts, Redis.from_url(redis_url))


def checked(module, name, lock, calls, before=None):
    original = getattr(module, name)

    def call(*args, **kwargs):
        free = threading.Event()

        def probe():
            if lock.acquire(timeout=0.5):
                lock.release()
                free.set()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join()
        calls.append((name, free.is_set()))
        if before is not None:
            before(*args, **kwargs)
        return original(*args, **kwargs)

    return call


def test_no_lock_is_held_across_redis_calls(runs, monkeypatch):
    """Submit, sync and cancel call Redis with the status machine's lock free; a sweep while
    the jobs are being enqueued leaves the run alone (it is not an interrupted submit)."""
    lock = runs.statuses.lock
    calls: list[tuple[str, bool]] = []
    swept: list = []

    def sweep_meanwhile(*args, **kwargs):
        swept.append(runs.sync(kwargs["run_id"]))

    for module, name, before in [
        (run_submission, "enqueue_steps", sweep_meanwhile),
        (run_reconciliation, "fetch_job_states", None),
        (run_status, "cancel_jobs", None),
        (run_status, "expire_jobs", None),
    ]:
        monkeypatch.setattr(module, name, checked(module, name, lock, calls, before))
    run = runs.submit(SPEC, experiment="locks")
    assert swept[0].status is RunStatus.QUEUED and swept[0].error is None
    assert run.status is RunStatus.RUNNING
    assert runs.sync(run.id).status is RunStatus.RUNNING
    assert runs.store.get_step(run.id, "a").status is StepStatus.QUEUED
    assert runs.cancel(run.id).status is RunStatus.CANCELED
    assert {s.status for s in runs.store.list_steps(run.id)} == {StepStatus.CANCELED}
    names = [name for name, _ in calls]
    assert {"enqueue_steps", "fetch_job_states", "cancel_jobs", "expire_jobs"} <= set(names)
    assert all(free for _, free in calls), calls


def _control_plane_stops(*args, **kwargs):
    raise SystemExit("the control plane stops")


def test_a_submit_that_dies_midway_leaves_a_run_the_sweep_settles_as_interrupted(runs, monkeypatch):
    """A submit cut short before its jobs reached Redis leaves the run queued; the next sweep
    fails it as interrupted, its steps canceled, as after a crash of the control plane."""

    monkeypatch.setattr(run_submission, "enqueue_steps", _control_plane_stops)
    with pytest.raises(SystemExit):
        runs.submit(SPEC, experiment="interrupted")
    (run,) = runs.store.list_active_runs()
    assert run.status is RunStatus.QUEUED
    ended = runs.sync(run.id)
    assert ended.status is RunStatus.FAILED
    assert ended.error == run_status.INTERRUPTED_AT_SUBMIT
    assert {s.status for s in runs.store.list_steps(run.id)} == {StepStatus.CANCELED}


def test_jobs_of_an_ended_run_expire_even_when_rq_records_their_end_later(runs):
    """RQ gives a job a week when it records the job's end, which may come after the event that
    ended the run; the next sweep expires the job again."""
    run = runs.submit(SPEC, experiment="expiry")
    runs.cancel(run.id)
    key = f"rq:job:{runs.store.get_step(run.id, 'a').job_id}"
    runs.redis.expire(key, 7 * 24 * 3600)  # as RQ does when it records the end late
    runs.sync_active()
    assert 0 < runs.redis.ttl(key) <= 3600


def _told(runs, monkeypatch) -> list[str]:
    """The runs the status machine says ended (what wakes `GET /runs/{id}?wait=`)."""
    told: list[str] = []
    monkeypatch.setattr(runs.statuses, "on_run_end", told.append)
    return told


def test_a_run_that_completes_or_fails_is_told_once_when_its_last_step_ends(runs, monkeypatch):
    told = _told(runs, monkeypatch)
    done = runs.submit(SPEC, experiment="told")
    runs.statuses.complete_step(done.id, "a", RESULT)
    assert told == []  # a step ended, not the run
    runs.statuses.complete_step(done.id, "b", RESULT)
    assert told == [done.id] and runs.store.get_run(done.id).status is RunStatus.COMPLETED
    failed = runs.submit(SPEC, experiment="told")
    runs.statuses.fail_step(failed.id, "a", "boom")  # b is canceled with it
    assert told == [done.id, failed.id]
    assert runs.store.get_run(failed.id).status is RunStatus.FAILED


def test_a_canceled_interrupted_or_refused_run_is_told(runs, monkeypatch):
    told = _told(runs, monkeypatch)
    canceled = runs.submit(SPEC, experiment="told")
    runs.cancel(canceled.id)
    assert told == [canceled.id]

    def refuse(*args, **kwargs):
        raise SchedulingError("Redis said no")

    monkeypatch.setattr(run_submission, "enqueue_steps", refuse)
    with pytest.raises(SchedulingError):
        runs.submit(SPEC, experiment="told")
    (refused,) = [r for r in runs.store.list_runs(experiment="told") if r.id != canceled.id]
    assert told == [canceled.id, refused.id] and refused.status is RunStatus.FAILED

    monkeypatch.setattr(run_submission, "enqueue_steps", _control_plane_stops)
    with pytest.raises(SystemExit):
        runs.submit(SPEC, experiment="interrupted")
    (interrupted,) = runs.store.list_active_runs()
    runs.sync(interrupted.id)
    assert told == [canceled.id, refused.id, interrupted.id]


def test_a_waiting_request_is_answered_when_its_run_ends(runs, monkeypatch):
    """The long poll is woken by its run's end, not by looking again: with the periodic look
    pushed past the wait's timeout, the wait answers once the run ends, long before timing out.
    Another run's end does not answer it."""
    monkeypatch.setattr(runs.waiting, "RECHECK_S", 60.0)
    run = runs.submit(SPEC, experiment="waited")
    other = runs.submit(SPEC, experiment="waited")
    answered = threading.Event()
    seen: list[bool] = []

    def end_later():
        time.sleep(0.3)
        for node in ("a", "b"):
            runs.statuses.complete_step(other.id, node, RESULT)
        seen.append(answered.wait(1.0))  # the other run ended: still waiting
        for node in ("a", "b"):
            runs.statuses.complete_step(run.id, node, RESULT)
        seen.append(answered.wait(20.0))  # its own run ended: answered (the wait allows 60 s)

    ender = threading.Thread(target=end_later)
    ender.start()
    try:
        assert runs.wait(run.id, 60.0).status is RunStatus.COMPLETED
        answered.set()
    finally:
        ender.join()
    assert seen == [False, True]


def _step_in_database(store, run_id: str, node_id: str) -> tuple:
    """A step's status and outputs as the database holds them, past what the store keeps."""
    with store.runs._db.reading() as cur:
        return cur.execute(
            "SELECT status, outputs FROM step_runs WHERE run_id = ? AND node_id = ?",
            [run_id, node_id],
        ).fetchone()


def test_a_step_end_is_written_by_the_next_sweep_or_with_its_run(runs):
    """A step's end is kept until its run's next write; a sweep writes it meanwhile."""
    run = runs.submit(SPEC, experiment="later")
    runs.statuses.complete_step(run.id, "a", RESULT)
    assert runs.store.get_step(run.id, "a").status is StepStatus.COMPLETED
    assert _step_in_database(runs.store, run.id, "a")[0] == "queued"
    runs.sync_active()
    assert _step_in_database(runs.store, run.id, "a") == (
        "completed",
        json.dumps(RESULT.outputs),
    )
    runs.statuses.complete_step(run.id, "b", RESULT)  # the run's end writes b with it
    assert _step_in_database(runs.store, run.id, "b")[0] == "completed"
    assert runs.store.get_run(run.id).status is RunStatus.COMPLETED


def test_a_start_the_sweep_finds_is_seen_at_once_and_written_by_the_next_sweep(runs):
    """What a sweep reads of a job that has not ended (here: started) is kept as a step's end
    is, not written in a transaction of its own: every read sees it, the next sweep writes it,
    and a control plane that lost it reads it again from RQ."""
    run = runs.submit(SPEC, experiment="started")
    job_id = runs.store.get_step(run.id, "a").job_id
    runs.redis.hset(f"rq:job:{job_id}", "status", "started")  # as a worker sets it
    runs.sync_active()
    assert runs.store.get_step(run.id, "a").status is StepStatus.RUNNING
    assert _step_in_database(runs.store, run.id, "a")[0] == "queued"
    path = runs.store.path
    runs.store._db.close()  # a control plane killed: what it kept is lost
    with DuckDBWorkspaceStore(path) as reopened:
        again = RunService(reopened, runs.artifacts, runs.redis)
        again.sync_active()
        assert reopened.get_step(run.id, "a").status is StepStatus.RUNNING
        again.sync_active()
        assert _step_in_database(reopened, run.id, "a")[0] == "running"


def test_step_ends_lost_with_a_killed_control_plane_are_read_back_from_rq(
    runs, redis_url, tmp_path
):
    """A control plane killed after recording a step's end in memory, before writing it:
    the next one's sweep reads the step's result back from its RQ job (a real worker ran
    both steps) and completes the run with the same outputs."""
    run = runs.submit(SPEC, experiment="killed")
    queue = runs.store.get_step(run.id, "a").queue
    worker = subprocess.run(
        [sys.executable, "-m", "app.cli", "worker", "--queues", queue, "--burst"],
        env={
            **os.environ,
            "REDIS_URL": redis_url,
            "FLOWBENCH_HOME": str(tmp_path / "worker-home"),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert worker.returncode == 0, worker.stderr
    event = next_event(runs.redis, runs.events_key, timeout=5)
    assert event is not None and event.node_id == "a" and event.result is not None
    runs.apply_event(event)
    assert runs.store.get_step(run.id, "a").status is StepStatus.COMPLETED
    path = runs.store.path
    runs.store._db.close()  # as SIGKILL would: nothing kept in memory is written
    with DuckDBWorkspaceStore(path) as reopened:
        assert _step_in_database(reopened, run.id, "a")[0] == "queued"
        RunService(reopened, runs.artifacts, runs.redis).sync_active()
        assert reopened.get_run(run.id).status is RunStatus.COMPLETED
        assert _step_in_database(reopened, run.id, "a") == (
            "completed",
            json.dumps(event.result.outputs),
        )
        assert reopened.get_step(run.id, "b").outputs.keys() == {"results_dataset"}


@pytest.mark.parametrize("told", ["by its event", "by the sweep"])
def test_a_failed_step_keeps_when_it_ran(runs, redis_url, tmp_path, told):
    """A step that fails keeps its start, end and duration: as its worker told them (its
    event), or as RQ recorded them when the event was lost (the sweep). A step canceled
    before it ran has none."""
    spec = json.loads(json.dumps(SPEC))
    spec["nodes"][1] = {
        "id": "a",
        "component": "apply_sql_transformation",
        "version": 1,
        "params": {"query": "select no_such_column from t1"},
    }
    spec["edges"] = [
        {"source": "tiny.dataset", "target": "a.t1"},
        {"source": "a.result_dataset", "target": "b.dataset"},
    ]
    run = runs.submit(spec, experiment="fails")
    queue = runs.store.get_step(run.id, "a").queue
    before = time.time()
    worker = subprocess.run(
        [sys.executable, "-m", "app.cli", "worker", "--queues", queue, "--burst"],
        env={**os.environ, "REDIS_URL": redis_url, "FLOWBENCH_HOME": str(tmp_path / "home")},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    after = time.time()
    assert worker.returncode == 0, worker.stderr
    event = next_event(runs.redis, runs.events_key, timeout=5)
    assert event is not None and event.error is not None
    if told == "by its event":
        runs.apply_event(event)
    else:
        runs.sync_active()
    failed = runs.store.get_step(run.id, "a")
    assert failed.status is StepStatus.FAILED and "no_such_column" in failed.error
    started, finished = failed.started_at.timestamp(), failed.finished_at.timestamp()
    assert before < started < finished < after
    # The times are kept to the microsecond, the duration as computed from the full floats.
    assert failed.duration_s == pytest.approx(finished - started, abs=1e-5)
    if told == "by its event":
        assert (started, finished) == pytest.approx(
            (event.started_at, event.finished_at), rel=0, abs=1e-5
        )
    canceled = runs.store.get_step(run.id, "b")
    assert canceled.status is StepStatus.CANCELED and canceled.duration_s is None


def test_a_run_the_sweep_trips_on_does_not_stop_it_for_the_others(runs, monkeypatch, caplog):
    """The oldest run's sweep raises (a bug it trips on); the next run's started job is still
    seen, and the log names the run that was not brought up to date."""
    tripping = runs.submit(SPEC, experiment="trips")
    other = runs.submit(SPEC, experiment="goes on")
    job_id = runs.store.get_step(other.id, "a").job_id
    runs.redis.hset(f"rq:job:{job_id}", "status", "started")
    fetch = run_reconciliation.fetch_job_states

    def tripping_on_the_first(redis, job_ids):
        if any(tripping.id in job_id for job_id in job_ids):
            raise TypeError("a bug")
        return fetch(redis, job_ids)

    monkeypatch.setattr(run_reconciliation, "fetch_job_states", tripping_on_the_first)
    with caplog.at_level("ERROR", logger="flowbench.sweep"):
        runs.sync_active()
    assert runs.store.get_step(other.id, "a").status is StepStatus.RUNNING
    assert f"run {tripping.id} was not brought up to date" in caplog.text
    monkeypatch.setattr(run_reconciliation, "fetch_job_states", fetch)
    runs.reconciler.redis = Redis(port=1)  # nothing answers there
    with pytest.raises(RedisError):  # Redis failing still stops the sweep: the monitor retries
        runs.sync_active()
