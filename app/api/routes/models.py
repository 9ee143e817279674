"""Models: register a Train Model output of a run as a model version; list versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep
from storage import ModelVersion, StepStatus

router = APIRouter(prefix="/models", tags=["models"])

MODEL_PORT = "trained_model"


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
    step = svc.store.get_step(body.run_id, body.node_id)
    uri = step.outputs.get(MODEL_PORT)
    if uri is None:
        raise HTTPException(
            400,
            f"Step '{body.node_id}' of run '{body.run_id}' has no "
            f"'{MODEL_PORT}' output; register a Train Model step.",
        )
    if step.status is not StepStatus.COMPLETED:
        raise HTTPException(
            409,
            f"Step '{body.node_id}' is {step.status.value}; only a "
            "completed step's model can be registered.",
        )
    version = svc.store.register_model_version(
        name=body.name,
        uri=uri,
        run_id=body.run_id,
        node_id=body.node_id,
        description=body.description,
    )
    # The model's metrics: what the run's evaluation steps measured (run records never change).
    metrics = {
        f"{s.node_id}.{k}": v
        for s in svc.store.list_steps(body.run_id)
        if s.node_id != body.node_id
        for k, v in s.metrics.items()
        if isinstance(v, int | float)
    }
    svc.store.model_metrics.set(version.name, version.version, metrics)
    return version


@router.get("/metrics/all")
def model_metrics(svc: ServicesDep) -> list[dict[str, Any]]:
    """[{"name", "version", "metrics"}] for every registered version that has metrics."""
    return [
        {"name": n, "version": v, "metrics": m}
        for (n, v), m in sorted(svc.store.model_metrics.all().items())
    ]
