"""The control plane's monitor: records step events as they come and sweeps active runs.

Events give low latency; the sweep (every `sweep_every` seconds, and once at start) catches
what events cannot tell: a worker that died, a job Redis lost, a step that finished while the
control plane was down.
"""

from __future__ import annotations

import logging
import threading
import time

from redis.exceptions import RedisError

from app.services.runs import RunService
from jobs.tracking import next_event
from storage import StorageError

log = logging.getLogger("flowbench.monitor")


class Monitor:
    """A daemon thread that keeps runs in the workspace up to date with their jobs."""

    def __init__(self, runs: RunService, *, sweep_every: float = 1.0):
        self.runs = runs
        self.sweep_every = sweep_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="flowbench-monitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        last_sweep = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_sweep >= self.sweep_every:
                    self.runs.sync_active()
                    last_sweep = time.monotonic()
                event = next_event(
                    self.runs.redis, self.runs.events_key, timeout=min(self.sweep_every, 0.5)
                )
                if event is not None:
                    self.runs.apply_event(event)
            except (RedisError, StorageError, OSError) as exc:
                log.warning("monitor: %s; retrying in 1 s", exc)
                self._stop.wait(1.0)
            except Exception:  # the monitor must outlive one bad event
                log.exception("monitor: unexpected error")
                self._stop.wait(1.0)
