"""Real-time endpoints: deploy, list, inspect, test, keys, figures, logs, delete; and the inference
pipeline draft of a training run. The bundle download for pods is a router of its own, outside
the workspace token (it takes the endpoint's bundle token).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep
from app.services.endpoints import DeployRequest, UpdateRequest
from app.services.inference_pipelines import inference_spec
from storage import Draft
from storage.records.endpoints import EndpointLogLine, EndpointTarget, RealtimeEndpoint

router = APIRouter(tags=["endpoints"])
bundle_router = APIRouter(tags=["endpoints"])

# Lower-case DNS label: safe as a folder name and as a Kubernetes object name.
NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$"


class DeployBody(BaseModel):
    name: str = Field(pattern=NAME_PATTERN, description="lower-case letters, digits and '-'")
    run_id: str = Field(description="a completed training run, or real-time inference run")
    target: EndpointTarget = EndpointTarget.LOCAL
    description: str = ""
    model: str | None = None
    resources: dict[str, Any] = Field(default_factory=dict)


class UpdateBody(BaseModel):
    run_id: str | None = Field(
        default=None, description="serve this completed training or real-time inference run"
    )
    description: str | None = None
    resources: dict[str, Any] | None = Field(
        default=None, description="merged over the endpoint's current resources"
    )


class InferenceDraftBody(BaseModel):
    kind: Literal["realtime", "batch"] = "realtime"
    name: str | None = None


class KeysOut(BaseModel):
    primary: str
    secondary: str


@router.post("/runs/{run_id}/inference-pipeline", status_code=201)
def create_inference_pipeline(
    run_id: str, svc: ServicesDep, body: InferenceDraftBody | None = None
) -> Draft:
    """A new draft: the real-time or batch inference pipeline of a completed training run."""
    body = body or InferenceDraftBody()
    spec = inference_spec(svc.store, svc.artifacts, run_id, body.kind)
    label = "real-time" if body.kind == "realtime" else "batch"
    run = svc.store.get_run(run_id)
    return svc.store.create_draft(
        name=body.name or f"{run.name} ({label} inference)", spec=spec, source_run_id=run_id
    )


@router.get("/endpoints")
def list_endpoints(svc: ServicesDep) -> list[RealtimeEndpoint]:
    return svc.endpoints.list()


@router.post("/endpoints", status_code=202)
def deploy(body: DeployBody, svc: ServicesDep) -> RealtimeEndpoint:
    """Record the endpoint and deploy it in the background (status `transitioning`)."""
    return svc.endpoints.deploy(DeployRequest(**body.model_dump()))


@router.get("/endpoints/{name}")
def get_endpoint(name: str, svc: ServicesDep) -> RealtimeEndpoint:
    return svc.endpoints.get(name)


@router.patch("/endpoints/{name}", status_code=202)
def update_endpoint(name: str, body: UpdateBody, svc: ServicesDep) -> RealtimeEndpoint:
    """Roll the endpoint to another run or resources (URL and keys stay); background work."""
    return svc.endpoints.update(name, UpdateRequest(**body.model_dump()))


@router.delete("/endpoints/{name}", status_code=204)
def delete_endpoint(name: str, svc: ServicesDep) -> None:
    svc.endpoints.delete(name)


@router.get("/endpoints/{name}/logs")
def endpoint_logs(name: str, svc: ServicesDep) -> list[EndpointLogLine]:
    return svc.endpoints.logs(name)


@router.get("/endpoints/{name}/keys")
def endpoint_keys(name: str, svc: ServicesDep) -> KeysOut:
    return KeysOut(**svc.endpoints.keys(name))


@router.post("/endpoints/{name}/keys/{slot}/regenerate")
def regenerate_key(name: str, slot: Literal["primary", "secondary"], svc: ServicesDep) -> KeysOut:
    """Replace one key; clients using the other one are not interrupted."""
    return KeysOut(**svc.endpoints.regenerate_key(name, slot))


@router.get("/endpoints/{name}/stats")
def endpoint_stats(name: str, svc: ServicesDep) -> dict[str, Any]:
    """Request count, errors and latency, from the scoring server's metrics."""
    return svc.endpoints.stats(name)


@router.get("/endpoints/{name}/schema")
def endpoint_schema(name: str, svc: ServicesDep) -> dict[str, Any]:
    """The input schema and a sample request of the endpoint's bundle."""
    return svc.endpoints.schema(name)


@router.post("/endpoints/{name}/test")
def test_endpoint(name: str, body: dict[str, Any], svc: ServicesDep) -> dict[str, Any]:
    """Send `body` to the endpoint with its primary key: {"status_code", "body"}."""
    return svc.endpoints.test(name, body)


@bundle_router.get("/endpoints/{name}/bundle", response_class=FileResponse)
def download_bundle(
    name: str,
    svc: ServicesDep,
    token: Annotated[str | None, Query()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> FileResponse:
    """The endpoint's bundle file, for a pod starting its scoring server (bundle token)."""
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    if not token:
        raise HTTPException(401, "Send the endpoint's bundle token as 'Authorization: Bearer T'.")
    try:
        path = svc.endpoints.bundle_path(name, token)
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    return FileResponse(path, media_type="application/zip", filename=path.name)
