"""Compute targets: names for the RQ queues that workers listen on, one of them the default."""

from __future__ import annotations

from app.services.errors import ConflictError
from app.services.runs import RunService
from jobs.defaults import DEFAULT_QUEUE
from storage import ComputeTarget, WorkspaceStore


def put_compute_target(
    store: WorkspaceStore,
    runs: RunService,
    *,
    name: str,
    queue: str,
    description: str = "",
    is_default: bool = False,
) -> ComputeTarget:
    """Create or change a compute target.

    The default target (`default`, or the one marked default) may only point at a queue that a
    live worker listens on: otherwise every pipeline would wait in silence.

    Raises:
        ConflictError: The default target would move to a queue no live worker listens on.
    """
    current = {t.name: t for t in store.list_compute_targets()}
    protected = (
        name == DEFAULT_QUEUE or is_default or (name in current and current[name].is_default)
    )
    moved = name not in current or current[name].queue != queue
    if protected and moved and runs.unserved_queues([queue], fresh=True):
        raise ConflictError(
            f"No live worker listens on queue '{queue}', and '{name}' is the default compute "
            f"target: start one first (flowbench worker --queues {queue})."
        )
    return store.upsert_compute_target(
        name=name, queue=queue, description=description, is_default=is_default
    )
