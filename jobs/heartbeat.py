"""RQ's worker heartbeat in one Redis round trip instead of three, and at most once a second."""

from __future__ import annotations

import time
from typing import Any

# RQ beats its worker two or three times around every job it takes (before and after the
# dequeue, after the job), each a round trip, one of them between dequeuing a job and starting
# it. The worker's key lives for minutes and the control plane calls a worker dead after
# WORKER_STALE_AFTER (30 s) without a beat, so one beat a second says as much.
MIN_INTERVAL_S = 1.0


class OneTripHeartbeat:
    """Mixin for an RQ worker class: a heartbeat sent without a pipeline goes as one, and is
    skipped when the last one went less than `MIN_INTERVAL_S` ago.

    RQ's `heartbeat` issues HSET, EXPIRE and EXPIRE one after another when given no pipeline.
    A beat that is part of a pipeline (RQ's when it starts a job) always goes with it.
    """

    connection: Any
    _last_beat: float = float("-inf")

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        if pipeline is not None:
            super().heartbeat(timeout, pipeline)  # type: ignore[misc]
            return
        if time.monotonic() - self._last_beat < MIN_INTERVAL_S:
            return
        with self.connection.pipeline(transaction=False) as own:
            super().heartbeat(timeout, own)  # type: ignore[misc]
            own.execute()
        self._last_beat = time.monotonic()
