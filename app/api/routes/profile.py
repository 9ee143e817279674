"""Dataset profiles: Summarize Data statistics and a chart per column of a dataset version."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import ServicesDep
from app.services.profile import profile

router = APIRouter(prefix="/datasets", tags=["datasets"])


@router.get("/{name}/versions/{version}/profile")
def dataset_profile(name: str, version: int, svc: ServicesDep) -> dict[str, Any]:
    found = svc.store.get_dataset_version(name, version)
    return profile(svc.artifacts.get_table(found.uri))
