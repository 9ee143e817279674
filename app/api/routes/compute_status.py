"""Compute status: each target's RQ queue with its workers, queue depth and failed jobs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import ServicesDep
from jobs.queues import queue_status

router = APIRouter(prefix="/compute-status", tags=["catalog"])


@router.get("")
def compute_status(svc: ServicesDep) -> list[dict[str, Any]]:
    """One row per compute target: its queue's depth, started and failed jobs, its workers."""
    targets = svc.store.list_compute_targets()
    by_queue = {s.queue: s for s in queue_status(svc.runs.redis, [t.queue for t in targets])}
    return [
        {
            "name": t.name,
            "description": t.description,
            "is_default": t.is_default,
            **by_queue[t.queue].to_dict(),
        }
        for t in targets
    ]
