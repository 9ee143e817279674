"""Schedules of pipeline endpoints, and the control plane's scheduler thread that fires them.

A schedule has a cron expression (parsed by croniter, never by hand) or an interval. Each poll,
the scheduler finds every schedule's newest tick that is due; a tick fires at most once:

1. a Redis `SET NX` on (workspace, schedule, tick) lets one scheduler claim it, even when two
   control planes (or two scheduler threads) share the Redis;
2. the workspace's record of the schedule's last fired tick moves forward only if it is older
   (compare and set), which also holds if Redis lost the claim key;
3. only then is the run submitted.

A control plane down for a while fires the newest tick it missed once on its return (missed
ticks coalesce), never the same tick twice. A crash between 2 and 3 loses that one tick rather
than risking a double run.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter
from redis import Redis
from redis.exceptions import RedisError

from app.services.publishing import EndpointRunRequest, PublishingError, PublishingService
from jobs.errors import InvalidPipelineError
from storage import ConflictError, NotFoundError, StorageError, new_id, utc_now
from storage.records.pipelines import Schedule

log = logging.getLogger("flowbench.scheduler")

CLAIM_TTL_S = 90 * 24 * 3600  # longer than any sane gap between a tick and its firing
MIN_INTERVAL_S = 1


class ScheduleError(PublishingError):
    """A schedule that cannot be created as asked (bad cron, bad interval)."""


def next_ticks(schedule: Schedule, count: int = 3, after: datetime | None = None) -> list[datetime]:
    """The schedule's next `count` ticks after `after` (now), for display."""
    moment = max(after or utc_now(), schedule.start_at)
    if schedule.cron:
        it = croniter(schedule.cron, moment)
        return [it.get_next(datetime) for _ in range(count)]
    step = timedelta(seconds=schedule.interval_s)
    k = math.floor((moment - schedule.start_at) / step) + 1
    return [schedule.start_at + (k + i) * step for i in range(count)]


def due_tick(schedule: Schedule, now: datetime) -> datetime | None:
    """The newest tick of `schedule` at or before `now` (after its start), or None."""
    if now <= schedule.start_at:
        return None
    if schedule.cron:
        tick = croniter(schedule.cron, now + timedelta(microseconds=1)).get_prev(datetime)
        return tick if tick > schedule.start_at else None
    step = timedelta(seconds=schedule.interval_s)
    k = math.floor((now - schedule.start_at) / step)
    return schedule.start_at + k * step if k >= 1 else None


class ScheduleService:
    """Create, pause, resume and delete schedules; fire the due ones."""

    def __init__(
        self,
        publishing: PublishingService,
        redis: Redis,
        *,
        workspace: str,
        clock: Callable[[], datetime] = utc_now,
    ):
        self.publishing = publishing
        self.store = publishing.store
        self.redis = redis
        self.clock = clock
        self._claim_prefix = (
            "flowbench:schedule-tick:" + hashlib.sha256(workspace.encode()).hexdigest()[:12]
        )

    def create(
        self,
        endpoint: str,
        *,
        cron: str | None = None,
        interval_s: int | None = None,
        version: int | None = None,
        parameters: dict[str, Any] | None = None,
        datasets: dict[str, Any] | None = None,
        experiment: str | None = None,
        description: str = "",
    ) -> Schedule:
        """Add a schedule; its parameter values are checked now against the version it runs.

        Raises:
            ScheduleError: not exactly one of cron and interval, a malformed cron expression,
                an interval under a second.
            NotFoundError: unknown endpoint or version.
            ConflictError: the version is disabled.
            InvalidPipelineError: the values do not suit the pipeline.
        """
        if (cron is None) == (interval_s is None):
            raise ScheduleError(
                "Give a schedule either a cron expression or an interval in seconds (not both)."
            )
        if cron is not None:
            cron = cron.strip()
            if not croniter.is_valid(cron):
                raise ScheduleError(
                    f"Cron expression {cron!r} is malformed: expected five "
                    "fields 'minute hour day-of-month month day-of-week', "
                    "e.g. '0 6 * * 1-5'."
                )
        if interval_s is not None and (isinstance(interval_s, bool) or interval_s < MIN_INTERVAL_S):
            raise ScheduleError(
                f"A schedule's interval is a whole number of seconds, at least "
                f"{MIN_INTERVAL_S}; got {interval_s!r}."
            )
        published = self.store.get_version(endpoint, version)
        if not published.enabled:
            raise ConflictError(
                f"Version {published.version} of pipeline endpoint '{endpoint}' is disabled."
            )
        request = EndpointRunRequest(
            experiment=experiment or f"{endpoint}-schedule",
            parameters=dict(parameters or {}),
            datasets=dict(datasets or {}),
        )
        values = self.publishing.parameter_values(published, request)
        checked = self.publishing.runs.validate(published.spec, values)
        if checked.issues:
            raise InvalidPipelineError(checked.issues)
        now = self.clock()
        return self.store.create_schedule(
            Schedule(
                id=new_id("sched"),
                endpoint=endpoint,
                version=version,
                cron=cron,
                interval_s=interval_s,
                parameters=values,
                experiment=request.experiment,
                description=description,
                paused=False,
                start_at=now,
                last_tick=None,
                created_at=now,
            )
        )

    def pause(self, schedule_id: str) -> Schedule:
        return self.store.set_paused(schedule_id, True)

    def resume(self, schedule_id: str) -> Schedule:
        """Resume a paused schedule; ticks that fell while it was paused do not fire."""
        schedule = self.store.get_schedule(schedule_id)
        tick = due_tick(schedule, self.clock())
        resumed = self.store.set_paused(schedule_id, False)
        if tick is not None:
            self.store.advance_tick(schedule_id, tick)
            resumed = self.store.get_schedule(schedule_id)
        return resumed

    def delete(self, schedule_id: str) -> None:
        self.store.delete_schedule(schedule_id)

    def fire_due(self) -> list[str]:
        """Fire every schedule whose newest due tick has not fired; the new runs' ids."""
        started = []
        now = self.clock()
        for schedule in self.store.list_schedules():
            if schedule.paused:
                continue
            tick = due_tick(schedule, now)
            if tick is None or (schedule.last_tick is not None and tick <= schedule.last_tick):
                continue
            run_id = self._fire(schedule, tick)
            if run_id:
                started.append(run_id)
        return started

    def _fire(self, schedule: Schedule, tick: datetime) -> str | None:
        claim = f"{self._claim_prefix}:{schedule.id}:{int(tick.timestamp() * 1000)}"
        if not self.redis.set(claim, "1", nx=True, ex=CLAIM_TTL_S):
            return None  # another scheduler has it
        if not self.store.advance_tick(schedule.id, tick):
            return None  # fired before (a restart, or Redis lost the key), paused or deleted
        request = EndpointRunRequest(
            experiment=schedule.experiment,
            parameters=dict(schedule.parameters),
            description=f"Schedule {schedule.id}, tick {tick.isoformat()}",
        )
        try:
            run, _ = self.publishing.submit(
                schedule.endpoint,
                request,
                version=schedule.version,
                schedule_id=schedule.id,
                tick=tick,
            )
        except (InvalidPipelineError, NotFoundError, ConflictError) as exc:
            log.warning("schedule %s: tick %s not started: %s", schedule.id, tick, exc)
            return None
        log.info("schedule %s: tick %s started run %s", schedule.id, tick, run.id)
        return run.id


class Scheduler:
    """A daemon thread that fires due schedules every `poll` seconds."""

    def __init__(self, schedules: ScheduleService, *, poll: float = 1.0):
        self.schedules = schedules
        self.poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="flowbench-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.schedules.fire_due()
            except (RedisError, StorageError, OSError) as exc:
                log.warning("scheduler: %s; retrying", exc)
            except Exception:  # the scheduler must outlive one bad schedule
                log.exception("scheduler: unexpected error")
            self._stop.wait(self.poll)
