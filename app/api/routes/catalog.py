"""Components and compute targets: what pipelines can be built from and run on."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

import components
from app.api.deps import ServicesDep
from app.services.compute import put_compute_target
from storage import ComputeTarget

router = APIRouter(tags=["catalog"])


@router.get("/components")
def list_components() -> list[dict[str, Any]]:
    """Every component's spec, in palette order."""
    return [c.spec.to_dict() for c in components.all_components()]


@router.get("/components/{component_id}")
def get_component(component_id: str, version: int | None = None) -> dict[str, Any]:
    return components.get(component_id, version).spec.to_dict()  # unknown: 404


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
    return put_compute_target(
        svc.store,
        svc.runs,
        name=name,
        queue=body.queue,
        description=body.description,
        is_default=body.is_default,
    )
