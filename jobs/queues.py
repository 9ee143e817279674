"""What RQ knows of each queue: its workers, the jobs waiting and the jobs that failed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from redis import Redis
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, StartedJobRegistry

from jobs import defaults


@dataclass(frozen=True)
class QueueStatus:
    """One RQ queue as seen from Redis."""

    queue: str
    queued: int
    started: int
    failed: int
    workers: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "queue": self.queue,
            "queued": self.queued,
            "started": self.started,
            "failed": self.failed,
            "workers": self.workers,
        }


def queue_status(connection: Redis, queue_names: list[str]) -> list[QueueStatus]:
    """The status of each named queue, in the given order (duplicates are kept once).

    Raises:
        redis.exceptions.RedisError: Redis does not answer.
    """
    found = []
    for name in dict.fromkeys(queue_names):
        queue = Queue(name, connection=connection, serializer=defaults.SERIALIZER)
        workers = [
            {
                "name": w.name,
                "state": str(w.get_state()),
                "current_job": w.get_current_job_id(),
                "last_heartbeat": w.last_heartbeat.isoformat() if w.last_heartbeat else None,
                "successful_jobs": w.successful_job_count,
                "failed_jobs": w.failed_job_count,
            }
            for w in Worker.all(queue=queue, serializer=defaults.SERIALIZER)
        ]
        found.append(
            QueueStatus(
                queue=name,
                queued=queue.count,
                started=StartedJobRegistry(queue=queue).count,
                failed=FailedJobRegistry(queue=queue).count,
                workers=workers,
            )
        )
    return found


def served_queues(connection: Redis, stale_after: float = defaults.WORKER_STALE_AFTER) -> set[str]:
    """The queues that at least one live worker (a recent heartbeat) listens on.

    Raises:
        redis.exceptions.RedisError: Redis does not answer.
    """
    served: set[str] = set()
    for worker in Worker.all(connection=connection):
        beat = worker.last_heartbeat
        if beat is not None:
            beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)  # RQ stores naive UTC
            # An idle worker beats every ~worker_ttl; a busy one every monitoring interval.
            if time.time() - beat.timestamp() > max(stale_after, worker.worker_ttl + 60):
                continue
        served.update(worker.queue_names())
    return served
