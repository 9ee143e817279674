"""Schedules of pipeline endpoints: each tick fires once, across a control-plane restart (real
processes) and with two schedulers on one workspace and one Redis (DuckDB lets a second control
plane not open the file, so two ScheduleService instances stand for two control planes)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis

from app.services.datasets import DatasetService
from app.services.publishing import PublishingService
from app.services.runs import RunService
from app.services.schedules import ScheduleError, ScheduleService, due_tick
from storage import ArtifactStore, DuckDBWorkspaceStore
from storage.records.pipelines import Schedule
from tests.conftest import make_stack

SELECT = {
    "schema_version": 1,
    "name": "Select two columns",
    "parameters": [
        {"name": "input", "type": "dataset", "default": {"name": "tiny", "version": None}}
    ],
    "nodes": [
        {"id": "data", "dataset": "tiny", "dataset_param": "input"},
        {
            "id": "select",
            "component": "select_columns_in_dataset",
            "version": 1,
            "params": {
                "columns": {
                    "begin": "none",
                    "rules": [{"action": "include", "by": "names", "values": ["a", "b"]}],
                }
            },
        },
    ],
    "edges": [{"source": "data.dataset", "target": "select.dataset"}],
}


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def services(tmp_path, redis_url):
    """Two schedulers (as two control planes would run) over one workspace and one Redis."""
    store = DuckDBWorkspaceStore(tmp_path / "workspace.duckdb")
    artifacts = ArtifactStore(tmp_path / "artifacts")
    redis = Redis.from_url(redis_url)
    runs = RunService(store, artifacts, redis)
    DatasetService(store, artifacts).register_upload("tiny", "tiny.csv", b"a,b,c\n1,2,3\n4,5,6\n")
    publishing = PublishingService(store, runs)
    # A pipeline of one dataset node: its runs need no worker, so only scheduling is tested.
    publishing.publish(
        "nightly", spec={"name": "just data", "nodes": [{"id": "data", "dataset": "tiny"}]}
    )
    clock = Clock(datetime(2026, 1, 1, tzinfo=UTC))

    def make() -> ScheduleService:
        return ScheduleService(publishing, redis, workspace=str(tmp_path), clock=clock)

    yield make, clock, publishing, redis
    store.close()


def test_two_schedulers_fire_each_tick_once(services):
    make, clock, publishing, _ = services
    first, second = make(), make()
    schedule = first.create("nightly", interval_s=60)
    fired: list[str] = []
    for _ in range(8):
        clock.now += timedelta(seconds=60)
        barrier = threading.Barrier(2)

        def fire(scheduler, barrier=barrier):
            barrier.wait()
            fired.extend(scheduler.fire_due())

        threads = [threading.Thread(target=fire, args=(s,)) for s in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    runs = publishing.store.list_runs(schedule_id=schedule.id)
    assert len(fired) == len(runs) == 8
    ticks = sorted(origin.tick for _, origin in runs)
    assert ticks == [schedule.start_at + timedelta(seconds=60 * k) for k in range(1, 9)]
    assert all(run.source.value == "schedule" for run, _ in runs)


def test_a_restart_after_the_claim_never_fires_the_tick_again(services):
    """Redis lost the claim keys (or a new control plane starts): the workspace's last tick
    still stops a second firing; a later tick fires."""
    make, clock, publishing, redis = services
    schedule = make().create("nightly", cron="*/5 * * * *")
    clock.now += timedelta(minutes=5)
    assert len(make().fire_due()) == 1
    for key in redis.scan_iter(f"{make()._claim_prefix}:*"):
        redis.delete(key)
    assert make().fire_due() == []  # a fresh scheduler, same tick
    clock.now += timedelta(minutes=12)  # two ticks missed: they coalesce into the newest
    assert len(make().fire_due()) == 1
    ticks = [origin.tick for _, origin in publishing.store.list_runs(schedule_id=schedule.id)]
    assert sorted(ticks) == [
        datetime(2026, 1, 1, 0, 5, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 15, tzinfo=UTC),
    ]


def test_paused_schedules_do_not_fire_and_resume_skips_what_fell_meanwhile(services):
    make, clock, publishing, _ = services
    scheduler = make()
    schedule = scheduler.create("nightly", interval_s=30)
    scheduler.pause(schedule.id)
    clock.now += timedelta(seconds=95)
    assert scheduler.fire_due() == []
    resumed = scheduler.resume(schedule.id)
    assert resumed.last_tick == schedule.start_at + timedelta(seconds=90)
    assert scheduler.fire_due() == []
    clock.now += timedelta(seconds=30)
    assert len(scheduler.fire_due()) == 1
    scheduler.delete(schedule.id)
    clock.now += timedelta(seconds=300)
    assert scheduler.fire_due() == []


def test_cron_ticks_come_from_croniter_and_bad_schedules_are_refused(services):
    make, _, _, _ = services
    start = datetime(2026, 1, 1, 6, 30, tzinfo=UTC)
    schedule = Schedule(
        id="s",
        endpoint="nightly",
        version=None,
        cron="0 6 * * 1-5",
        interval_s=None,
        parameters={},
        experiment="e",
        description="",
        paused=False,
        start_at=start,
        last_tick=None,
        created_at=start,
    )
    # 2026-01-01 is a Thursday: the next weekday 06:00 is Friday the 2nd, then Monday the 5th.
    assert due_tick(schedule, datetime(2026, 1, 2, 5, 59, tzinfo=UTC)) is None
    assert due_tick(schedule, datetime(2026, 1, 4, 12, 0, tzinfo=UTC)) == datetime(
        2026, 1, 2, 6, 0, tzinfo=UTC
    )
    assert due_tick(schedule, datetime(2026, 1, 5, 6, 0, tzinfo=UTC)) == datetime(
        2026, 1, 5, 6, 0, tzinfo=UTC
    )
    scheduler = make()
    for bad in (
        {"cron": "61 * * * *"},
        {"cron": "every day"},
        {"interval_s": 0},
        {},
        {"cron": "* * * * *", "interval_s": 60},
    ):
        with pytest.raises(ScheduleError):
            scheduler.create("nightly", **bad)


def wait_for(predicate, timeout: float = 90.0, poll: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(poll)
    raise AssertionError("timed out waiting")


def test_schedule_fires_once_per_tick_across_a_control_plane_restart(stack, tmp_path, redis_url):
    """A real control plane on its own workspace (the session's workers run its steps)."""
    own = make_stack(tmp_path / "home", redis_url)
    own.start_api()
    try:
        client = own.client()
        client.upload_dataset("tiny", "tiny.csv", b"a,b,c\n1,2,3\n4,5,6\n")
        client.publish("every-two-seconds", spec=SELECT)
        schedule = client.add_schedule(
            "every-two-seconds", interval_seconds=2, datasets={"input": {"name": "tiny"}}
        )
        wait_for(lambda: len(client.schedule_runs(schedule["id"])) >= 2)
        client.close()
        own.stop("api")  # ticks pass while the control plane is down
        time.sleep(5)
        own.start_api()
        client = own.client()
        before = len(client.schedule_runs(schedule["id"]))
        wait_for(lambda: len(client.schedule_runs(schedule["id"])) >= before + 2)
        client.pause_schedule(schedule["id"])
        rows = client.schedule_runs(schedule["id"])
        for row in rows:
            assert client.wait(row["run"]["id"], timeout=120).run.status.value == "completed"
        ticks = [datetime.fromisoformat(row["origin"]["tick"]) for row in rows]
        assert len(ticks) == len(set(ticks))  # no tick fired twice
        start = datetime.fromisoformat(schedule["start_at"])
        assert all((tick - start).total_seconds() % 2 == 0 for tick in ticks)
        assert all(
            row["run"]["parameters"] == {"input": {"name": "tiny", "version": 1}} for row in rows
        )
        listed = client.schedules("every-two-seconds")
        assert [s["paused"] for s in listed] == [True]
        client.delete_schedule(schedule["id"])
        assert client.schedules("every-two-seconds") == []
        client.close()
    finally:
        own.stop_all()
