"""Models: register a Train Model output of a run as a model version; list versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep
from app.services.models import register_step_model
from storage import ModelVersion

router = APIRouter(prefix="/models", tags=["models"])


class ModelRegister(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    run_id: str
    node_id: str
    description: str = ""


@router.get("")
def list_models(svc: ServicesDep) -> list[ModelVersion]:
    """Every version of every model, by name then version."""
    return svc.store.list_model_versions()


@router.get("/{name}/versions")
def list_versions(name: str, svc: ServicesDep) -> list[ModelVersion]:
    return svc.store.list_model_versions(name)


@router.post("", status_code=201)
def register(body: ModelRegister, svc: ServicesDep) -> ModelVersion:
    """Register the trained model of a completed step as the model's next version."""
    return register_step_model(
        svc.store,
        name=body.name,
        run_id=body.run_id,
        node_id=body.node_id,
        description=body.description,
        artifacts=svc.artifacts,
    )


@router.get("/metrics/all")
def model_metrics(svc: ServicesDep) -> list[dict[str, Any]]:
    """[{"name", "version", "metrics"}] for every registered version that has metrics."""
    return [
        {"name": n, "version": v, "metrics": m}
        for (n, v), m in sorted(svc.store.model_metrics.all().items())
    ]
