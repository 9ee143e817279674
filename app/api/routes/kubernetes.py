"""Kubernetes: the kubeconfig's contexts (for deploy forms) and compute targets whose workers run
on a cluster (`/kubernetes/compute/{name}`; they also appear in `/compute` like any target)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep
from app.services.kube_compute import KubeComputeService
from app.settings import load_settings
from jobs.kube import DEFAULT_IMAGE, KubeConfigError, current_context, list_contexts
from jobs.kube.cluster import kubeconfig_path

router = APIRouter(prefix="/kubernetes", tags=["kubernetes"])
TargetName = Path(pattern=r"^[A-Za-z0-9_\-]{1,64}$")


def _service(request: Request, svc: ServicesDep) -> KubeComputeService:
    found = getattr(request.app.state, "kube_compute", None)
    if found is None or found.store is not svc.store:
        found = KubeComputeService(svc.store, load_settings().effective_redis_url)
        request.app.state.kube_compute = found
    return found


@router.get("/contexts")
def contexts(kubeconfig: str | None = None) -> dict[str, Any]:
    """The kubeconfig's contexts and its current one; `error` says why there are none."""
    path = kubeconfig_path(kubeconfig)
    try:
        return {
            "kubeconfig": path,
            "contexts": list_contexts(path),
            "current": current_context(path),
            "error": None,
        }
    except KubeConfigError as exc:
        return {"kubeconfig": path, "contexts": [], "current": None, "error": str(exc)}


class KubeComputeIn(BaseModel):
    """A worker fleet on a cluster. Secrets are not part of it: the Redis password and the
    artifact store's credentials come from the control plane's environment."""

    queue: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_\-]{1,64}$",
        description="RQ queue the workers serve (default: the name)",
    )
    description: str = ""
    is_default: bool = False
    context: str | None = Field(None, description="kubeconfig context (default: current)")
    namespace: str = "default"
    kubeconfig: str | None = Field(None, description="path on the control plane's machine")
    image: str = DEFAULT_IMAGE
    image_pull_secret: str | None = None
    replicas: int = Field(1, ge=0, le=1000, description="workers when KEDA is not used")
    min_replicas: int = Field(0, ge=0, le=1000)
    max_replicas: int = Field(4, ge=1, le=1000)
    jobs_per_worker: int = Field(1, ge=1, le=1000, description="KEDA: waiting jobs per worker")
    cpu_request: str = "500m"
    memory_request: str = "1Gi"
    cpu_limit: str | None = "2"
    memory_limit: str | None = "4Gi"
    grace_seconds: int = Field(600, ge=0, le=86400)
    redis_address: str | None = Field(
        None,
        pattern=r"^[^\s/@]+:[0-9]{1,5}$",
        description="host:port of Redis as the pods reach it",
    )
    keda: Literal["auto", "on", "off"] = "auto"


@router.get("/compute")
def list_targets(request: Request, svc: ServicesDep) -> list[dict[str, Any]]:
    return _service(request, svc).list()


@router.put("/compute/{name}")
def put_target(
    request: Request, svc: ServicesDep, body: KubeComputeIn, name: str = TargetName
) -> dict[str, Any]:
    """Deploy (or update) a compute target's workers on a cluster, then record the target."""
    settings = body.model_dump(exclude={"description", "is_default"})
    return _service(request, svc).put(
        name, settings, description=body.description, is_default=body.is_default
    )


@router.get("/compute/{name}")
def target_status(request: Request, svc: ServicesDep, name: str = TargetName) -> dict[str, Any]:
    """The target's settings and its workers' state on the cluster (state "unknown" with the
    reason when the cluster does not answer)."""
    return _service(request, svc).status(name)


@router.delete("/compute/{name}")
def delete_target(request: Request, svc: ServicesDep, name: str = TargetName) -> dict[str, Any]:
    """Delete the workers' objects on the cluster, then the compute target (a KubeError is
    answered by app.api.errors: 422 for settings, 502 for the cluster)."""
    return {"removed": _service(request, svc).delete(name)}
