"""RQ's worker heartbeat in one Redis round trip instead of three."""

from __future__ import annotations

from typing import Any


class OneTripHeartbeat:
    """Mixin for an RQ worker class: a heartbeat sent without a pipeline goes as one.

    RQ's `heartbeat` issues HSET, EXPIRE and EXPIRE one after another when given no pipeline,
    and a worker beats several times around every job it dequeues.
    """

    connection: Any

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        if pipeline is not None:
            super().heartbeat(timeout, pipeline)  # type: ignore[misc]
            return
        with self.connection.pipeline(transaction=False) as own:
            super().heartbeat(timeout, own)  # type: ignore[misc]
            own.execute()
