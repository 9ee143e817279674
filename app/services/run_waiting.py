"""What a run waits for: its end (polling the workspace), and queues no live worker serves."""

from __future__ import annotations

import time

from redis import Redis

from jobs import defaults
from jobs.queues import served_queues
from storage import Run, StepStatus, WorkspaceStore


class RunWaiting:
    """Polls runs in the workspace and tells which of their queues have no worker."""

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

    def wait(self, run_id: str, timeout: float) -> Run:
        """Poll until the run ends or `timeout` seconds pass (for tests and the CLI)."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.store.get_run(run_id)
            if run.status.is_terminal or time.monotonic() > deadline:
                return run
            time.sleep(0.02)

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
