"""Components and compute targets: what pipelines can be built from and run on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

import components
from app.api.deps import ServicesDep
from components.errors import UnknownComponentError
from jobs.defaults import DEFAULT_COMPUTE
from storage import ComputeTarget

router = APIRouter(tags=["catalog"])


@router.get("/components")
def list_components() -> list[dict[str, Any]]:
    """Every component's spec, in palette order."""
    return [c.spec.to_dict() for c in components.all_components()]


@router.get("/components/{component_id}")
def get_component(component_id: str, version: int | None = None) -> dict[str, Any]:
    try:
        return components.get(component_id, version).spec.to_dict()
    except UnknownComponentError as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get("/compute")
def list_compute(svc: ServicesDep) -> list[ComputeTarget]:
    return svc.store.list_compute_targets()


class ComputeTargetIn(BaseModel):
    queue: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    description: str = ""
    is_default: bool = False


@router.put("/compute/{name}")
def put_compute(name: str, body: ComputeTargetIn, svc: ServicesDep) -> ComputeTarget:
    """Create or change a compute target: a name for an RQ queue that workers listen on.

    The default target (`default`, or the one marked default) may only point at a queue that a
    live worker listens on: otherwise every pipeline would wait in silence (409).
    """
    current = {t.name: t for t in svc.store.list_compute_targets()}
    protected = (
        name == DEFAULT_COMPUTE or body.is_default or (name in current and current[name].is_default)
    )
    moved = name not in current or current[name].queue != body.queue
    if protected and moved and svc.runs.unserved_queues([body.queue], fresh=True):
        raise HTTPException(
            409,
            f"No live worker listens on queue '{body.queue}', and "
            f"'{name}' is the default compute target: start one first "
            f"(flowbench worker --queues {body.queue}).",
        )
    return svc.store.upsert_compute_target(
        name=name, queue=body.queue, description=body.description, is_default=body.is_default
    )
