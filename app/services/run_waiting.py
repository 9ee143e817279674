"""What a run waits for: its end (told by the status machine), and queues no live worker
serves."""

from __future__ import annotations

import threading
import time

from redis import Redis

from jobs import defaults
from jobs.queues import served_queues
from storage import Run, StepStatus, WorkspaceStore


class RunWaiting:
    """Waits for runs in the workspace to end, woken by `ended(run_id)`, and tells which of
    their queues have no worker."""

    # How often a waiter looks again untold: an end nobody told of (none is known) costs that.
    RECHECK_S = 0.25

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
        # run id -> (set once the run ended, how many requests wait for it)
        self._waiters: dict[str, tuple[threading.Event, int]] = {}
        self._lock = threading.Lock()

    def ended(self, run_id: str) -> None:
        """Say that a run has ended (the status machine does): wakes its `wait`s."""
        with self._lock:
            waiting = self._waiters.get(run_id)
        if waiting is not None:
            waiting[0].set()

    def wait(self, run_id: str, timeout: float) -> Run:
        """The run once it has ended, or as it is after `timeout` seconds.

        Its end is told by `ended`; it also looks again every `RECHECK_S`. Other runs' events
        do not wake it.
        """
        deadline = time.monotonic() + timeout
        ended = self._enter(run_id)  # before the first read: an end after it is told
        try:
            while True:
                run = self.store.get_run(run_id)
                left = deadline - time.monotonic()
                if run.status.is_terminal or left <= 0:
                    return run
                ended.wait(timeout=min(left, self.RECHECK_S))
        finally:
            self._leave(run_id)

    def _enter(self, run_id: str) -> threading.Event:
        with self._lock:
            event, count = self._waiters.get(run_id, (threading.Event(), 0))
            self._waiters[run_id] = (event, count + 1)
            return event

    def _leave(self, run_id: str) -> None:
        with self._lock:
            event, count = self._waiters[run_id]
            if count > 1:
                self._waiters[run_id] = (event, count - 1)
            else:
                del self._waiters[run_id]

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
