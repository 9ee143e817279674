"""What a run waits for: its end (told by whoever changes runs), and queues no live worker
serves."""

from __future__ import annotations

import threading
import time

from redis import Redis

from jobs import defaults
from jobs.queues import served_queues
from storage import Run, StepStatus, WorkspaceStore


class RunWaiting:
    """Waits for runs in the workspace to end, woken by `changed()`, and tells which of their
    queues have no worker."""

    def __init__(
        self,
        store: WorkspaceStore,
        redis: Redis,
        *,
        worker_stale_after: float = defaults.WORKER_STALE_AFTER,
    ):
        self.store = store
        self.redis = redis
        self.worker_stale_after = worker_stale_after
        self._served: tuple[float, set[str]] = (0.0, set())
        self._changes = 0  # counts `changed()` calls; waiters look again when it moves
        self._changed = threading.Condition()

    def changed(self) -> None:
        """Say that runs may have changed (an event applied, a sweep, a cancel): wakes `wait`."""
        with self._changed:
            self._changes += 1
            self._changed.notify_all()

    def wait(self, run_id: str, timeout: float) -> Run:
        """The run once it has ended, or as it is after `timeout` seconds.

        It looks again whenever `changed()` is called, and at least every 0.25 s, so a change
        made without telling (none is known) costs at most that long.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                seen = self._changes
            run = self.store.get_run(run_id)
            left = deadline - time.monotonic()
            if run.status.is_terminal or left <= 0:
                return run
            with self._changed:
                if self._changes == seen:
                    self._changed.wait(timeout=min(left, 0.25))

    def unserved_queues(self, queues: list[str], *, fresh: bool = False) -> list[str]:
        """The queues among `queues` that no live worker listens on (cached for 2 s)."""
        checked_at, served = self._served
        if fresh or time.monotonic() - checked_at > 2.0:
            served = served_queues(self.redis, self.worker_stale_after)
            self._served = (time.monotonic(), served)
        return [q for q in dict.fromkeys(queues) if q not in served]

    def queue_warnings(self, run_id: str) -> list[str]:
        """A sentence per queue that an unfinished step of the run waits on with no worker."""
        waiting = [
            s
            for s in self.store.list_steps(run_id)
            if s.status in (StepStatus.PENDING, StepStatus.QUEUED) and s.queue
        ]
        return [
            f"No live worker listens on queue '{queue}' (steps: "
            f"{', '.join(s.node_id for s in waiting if s.queue == queue)}); the run waits "
            f"until one starts: flowbench worker --queues {queue}"
            for queue in self.unserved_queues([s.queue for s in waiting])
        ]
