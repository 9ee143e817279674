"""Pipeline endpoints: publish versions, manage them and their key, start runs over REST with
the designer's body, schedules; register a step output as a dataset and download it.

`submit_router` (the two POST .../runs routes) takes the workspace token or the endpoint's own
key; every other route takes the workspace token (added in app.api.main).
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from app.api.deps import ServicesDep
from app.api.schemas import SpecDocument
from app.services.outputs import table_output
from app.services.publishing import EndpointRunRequest, PublishingService, sample_requests
from app.services.schedules import ScheduleService, next_ticks
from storage import DatasetVersion, NotFoundError, Run
from storage.records.pipelines import DatasetLineage, PipelineEndpoint, RunOrigin, Schedule

router = APIRouter(tags=["pipeline endpoints"])
submit_router = APIRouter(tags=["pipeline endpoints"])
_bearer = HTTPBearer(auto_error=False)


def _publishing(request: Request) -> PublishingService:
    return request.app.state.publishing


def _schedules(request: Request) -> ScheduleService:
    return request.app.state.schedules


PublishingDep = Annotated[PublishingService, Depends(_publishing)]
SchedulesDep = Annotated[ScheduleService, Depends(_schedules)]


def require_token_or_key(
    name: str,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Let in the workspace token, or the key of endpoint `name` (and of no other endpoint)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Missing key: send 'Authorization: Bearer <endpoint key or workspace token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    given = credentials.credentials
    token = request.app.state.services.token
    if secrets.compare_digest(given.encode(), token.encode()):
        return
    if _publishing(request).key_matches(name, given):
        return
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        f"Wrong key for pipeline endpoint '{name}': send its key or the workspace token.",
        headers={"WWW-Authenticate": "Bearer"},
    )


# -- bodies -----------------------------------------------------------------------------------


class PublishBody(BaseModel):
    spec: SpecDocument | None = None
    draft_id: str | None = None
    run_id: str | None = None
    description: str = ""
    make_default: bool = False


class EndpointRunBody(BaseModel):
    """The designer's (Azure ML's) body of a published pipeline call."""

    ExperimentName: str | None = Field(default=None, min_length=1, max_length=200)
    ParameterAssignments: dict[str, Any] = Field(default_factory=dict)
    DataSetDefinitionValueAssignments: dict[str, Any] = Field(default_factory=dict)
    Description: str = ""
    Tags: dict[str, Any] = Field(default_factory=dict)


class DefaultBody(BaseModel):
    version: int


class ScheduleBody(BaseModel):
    cron: str | None = None
    interval_seconds: int | None = None
    version: int | None = None
    ExperimentName: str | None = Field(default=None, min_length=1, max_length=200)
    ParameterAssignments: dict[str, Any] = Field(default_factory=dict)
    DataSetDefinitionValueAssignments: dict[str, Any] = Field(default_factory=dict)
    description: str = ""


class RegisterOutputBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = ""


# -- answers ----------------------------------------------------------------------------------


class EndpointVersionOut(BaseModel):
    """One published version of an endpoint."""

    id: str
    version: int
    name: str
    is_default: bool
    enabled: bool
    description: str
    source_kind: str  # draft | run | spec
    source_id: str | None
    created_at: str  # ISO 8601
    parameters: list[dict[str, Any]]  # the spec's pipeline parameters, with their defaults
    spec: dict[str, Any]


class EndpointOut(BaseModel):
    name: str
    description: str
    default_version: int | None
    versions: list[EndpointVersionOut]
    rest_url: str
    samples: dict[str, str]  # curl and Python calls of the default version


class PublishedOut(BaseModel):
    endpoint: EndpointOut
    version: int
    key: str | None  # the endpoint's key, only when this publish created the endpoint


class KeyOut(BaseModel):
    endpoint: str
    key: str


class EndpointRunOut(BaseModel):
    """A run an endpoint started, with what started it."""

    run: Run
    origin: RunOrigin
    url: str


class PipelineRunOut(BaseModel):
    """The answer to a published pipeline call, in the designer's (Azure ML's) names."""

    Id: str
    RunId: str
    Status: str
    Endpoint: str
    Version: int
    ExperimentName: str
    ParameterAssignments: dict[str, Any]
    Url: str  # the run in this API
    RunUrl: str  # the run's page in the UI


@dataclass(frozen=True)
class ScheduleOut(Schedule):
    """A schedule with its next ticks (none while paused)."""

    next_ticks: list[str] = field(default_factory=list)  # ISO 8601


class RegisteredOutput(BaseModel):
    dataset: DatasetVersion
    lineage: DatasetLineage


# -- endpoints and versions -------------------------------------------------------------------


def _endpoint_out(request: Request, endpoint: PipelineEndpoint) -> EndpointOut:
    base = str(request.base_url).rstrip("/")
    default = next((v for v in endpoint.versions if v.is_default), None)
    rest_url = f"{base}/pipelines/{endpoint.name}/runs"
    versions = [
        EndpointVersionOut(
            id=v.id,
            version=v.version,
            name=v.name,
            is_default=v.is_default,
            enabled=v.enabled,
            description=v.description,
            source_kind=v.source_kind,
            source_id=v.source_id,
            created_at=v.created_at.isoformat(),
            parameters=v.spec.get("parameters", []),
            spec=v.spec,
        )
        for v in endpoint.versions
    ]
    samples = sample_requests(rest_url, endpoint.name, default.spec if default else {})
    return EndpointOut(
        name=endpoint.name,
        description=endpoint.description,
        default_version=endpoint.default_version,
        versions=versions,
        rest_url=rest_url,
        samples=samples,
    )


@router.get("/pipelines")
def list_endpoints(request: Request, pub: PublishingDep) -> list[EndpointOut]:
    return [_endpoint_out(request, e) for e in pub.store.list_endpoints()]


@router.get("/pipelines/{name}")
def get_endpoint(name: str, request: Request, pub: PublishingDep) -> EndpointOut:
    return _endpoint_out(request, pub.endpoint(name))


@router.post("/pipelines/{name}/versions", status_code=201)
def publish(name: str, body: PublishBody, request: Request, pub: PublishingDep) -> PublishedOut:
    """Publish a spec, a draft or a run's pipeline as the endpoint's next version. The answer
    carries the endpoint's key once, when this publish created the endpoint."""
    published = pub.publish(
        name,
        spec=body.spec,
        draft_id=body.draft_id,
        run_id=body.run_id,
        description=body.description,
        make_default=body.make_default,
    )
    return PublishedOut(
        endpoint=_endpoint_out(request, pub.endpoint(name)),
        version=published.version.version,
        key=published.key,
    )


@router.post("/pipelines/{name}/default")
def set_default(name: str, body: DefaultBody, request: Request, pub: PublishingDep) -> EndpointOut:
    pub.store.set_default(name, body.version)
    return _endpoint_out(request, pub.endpoint(name))


@router.post("/pipelines/{name}/versions/{version}/enable")
def enable(name: str, version: int, request: Request, pub: PublishingDep) -> EndpointOut:
    pub.store.set_enabled(name, version, True)
    return _endpoint_out(request, pub.endpoint(name))


@router.post("/pipelines/{name}/versions/{version}/disable")
def disable(name: str, version: int, request: Request, pub: PublishingDep) -> EndpointOut:
    """A disabled version refuses runs (409) until enabled again."""
    pub.store.set_enabled(name, version, False)
    return _endpoint_out(request, pub.endpoint(name))


@router.post("/pipelines/{name}/key")
def regenerate_key(name: str, pub: PublishingDep) -> KeyOut:
    """A new key for the endpoint, shown this once; the old key stops working."""
    return KeyOut(endpoint=name, key=pub.regenerate_key(name))


def _run_row(request: Request, run: Run, origin: RunOrigin) -> EndpointRunOut:
    return EndpointRunOut(
        run=run, origin=origin, url=f"{str(request.base_url).rstrip('/')}/runs/{run.id}"
    )


@router.get("/pipelines/{name}/runs")
def endpoint_runs(
    name: str, request: Request, pub: PublishingDep, limit: int = 100
) -> list[EndpointRunOut]:
    """Runs the endpoint started (by REST calls and schedules), newest first."""
    return [
        _run_row(request, run, origin)
        for run, origin in pub.runs_of(name, limit=max(1, min(limit, 1000)))
    ]


def _submit(
    name: str, version: int | None, body: EndpointRunBody, request: Request, pub: PublishingService
) -> PipelineRunOut:
    run, origin = pub.submit(
        name,
        EndpointRunRequest(
            experiment=body.ExperimentName or name,
            parameters=body.ParameterAssignments,
            datasets=body.DataSetDefinitionValueAssignments,
            description=body.Description,
            tags=body.Tags,
        ),
        version=version,
    )
    base = str(request.base_url).rstrip("/")
    settings = request.app.state.settings
    return PipelineRunOut(
        Id=run.id,
        RunId=run.id,
        Status=run.status.value,
        Endpoint=name,
        Version=origin.version,
        ExperimentName=run.experiment,
        ParameterAssignments=run.parameters,
        Url=f"{base}/runs/{run.id}",
        RunUrl=f"http://{settings.api_host}:{settings.ui_port}/run?run={run.id}",
    )


@submit_router.post(
    "/pipelines/{name}/runs", status_code=201, dependencies=[Depends(require_token_or_key)]
)
def submit_default(
    name: str, body: EndpointRunBody, request: Request, pub: PublishingDep
) -> PipelineRunOut:
    """Start a run of the endpoint's default version (workspace token or endpoint key)."""
    return _submit(name, None, body, request, pub)


@submit_router.post(
    "/pipelines/{name}/versions/{version}/runs",
    status_code=201,
    dependencies=[Depends(require_token_or_key)],
)
def submit_version(
    name: str, version: int, body: EndpointRunBody, request: Request, pub: PublishingDep
) -> PipelineRunOut:
    """Start a run of one version of the endpoint (workspace token or endpoint key)."""
    return _submit(name, version, body, request, pub)


@router.get("/runs/{run_id}/origin")
def run_origin(run_id: str, pub: PublishingDep) -> RunOrigin:
    """The endpoint, version and schedule that started a run (404 for other runs)."""
    pub.workspace.get_run(run_id)
    found = pub.store.origin(run_id)
    if found is None:
        raise NotFoundError(f"Run '{run_id}' was not started through a pipeline endpoint.")
    return found


# -- schedules --------------------------------------------------------------------------------


def _schedule_out(schedule: Schedule) -> ScheduleOut:
    upcoming = [] if schedule.paused else [t.isoformat() for t in next_ticks(schedule)]
    return ScheduleOut(**schedule.__dict__, next_ticks=upcoming)


@router.get("/pipelines/{name}/schedules")
def list_schedules(name: str, pub: PublishingDep, sched: SchedulesDep) -> list[ScheduleOut]:
    pub.endpoint(name)
    return [_schedule_out(s) for s in sched.store.list_schedules(name)]


@router.post("/pipelines/{name}/schedules", status_code=201)
def create_schedule(name: str, body: ScheduleBody, sched: SchedulesDep) -> ScheduleOut:
    """Run the endpoint on a cron expression or every `interval_seconds`, with these values."""
    return _schedule_out(
        sched.create(
            name,
            cron=body.cron,
            interval_s=body.interval_seconds,
            version=body.version,
            parameters=body.ParameterAssignments,
            datasets=body.DataSetDefinitionValueAssignments,
            experiment=body.ExperimentName,
            description=body.description,
        )
    )


@router.get("/schedules/{schedule_id}")
def get_schedule(schedule_id: str, sched: SchedulesDep) -> ScheduleOut:
    return _schedule_out(sched.store.get_schedule(schedule_id))


@router.post("/schedules/{schedule_id}/pause")
def pause(schedule_id: str, sched: SchedulesDep) -> ScheduleOut:
    return _schedule_out(sched.pause(schedule_id))


@router.post("/schedules/{schedule_id}/resume")
def resume(schedule_id: str, sched: SchedulesDep) -> ScheduleOut:
    """Resume; ticks that fell while paused do not fire."""
    return _schedule_out(sched.resume(schedule_id))


@router.delete("/schedules/{schedule_id}", status_code=204)
def delete_schedule(schedule_id: str, sched: SchedulesDep) -> Response:
    sched.delete(schedule_id)
    return Response(status_code=204)


@router.get("/schedules/{schedule_id}/runs")
def schedule_runs(schedule_id: str, request: Request, sched: SchedulesDep) -> list[EndpointRunOut]:
    schedule = sched.store.get_schedule(schedule_id)
    return [
        _run_row(request, run, origin)
        for run, origin in sched.store.list_runs(
            endpoint=schedule.endpoint, schedule_id=schedule_id
        )
    ]


# -- step outputs as datasets -----------------------------------------------------------------


@router.post("/runs/{run_id}/steps/{node_id}/outputs/{port}/register", status_code=201)
def register_output(
    run_id: str,
    node_id: str,
    port: str,
    body: RegisterOutputBody,
    svc: ServicesDep,
    pub: PublishingDep,
) -> RegisteredOutput:
    """Register a step's output table as the dataset's next version, with its lineage."""
    uri = table_output(svc.store, run_id, node_id, port, completed=True)
    version = svc.datasets.register_output(
        body.name,
        uri,
        description=body.description or f"Output '{port}' of step '{node_id}' of run {run_id}",
    )
    lineage = DatasetLineage(version.name, version.version, run_id, node_id, port)
    pub.store.record_lineage(lineage)
    return RegisteredOutput(dataset=version, lineage=lineage)


@router.get("/datasets/{name}/versions/{version}/lineage")
def dataset_lineage(
    name: str, version: int, svc: ServicesDep, pub: PublishingDep
) -> DatasetLineage:
    found: DatasetVersion = svc.store.get_dataset_version(name, version)
    lineage = pub.store.lineage(found.name, found.version)
    if lineage is None:
        raise NotFoundError(
            f"Dataset '{name}' version {version} was not registered from a run "
            f"({found.source.value})."
        )
    return lineage


@router.get("/runs/{run_id}/steps/{node_id}/outputs/{port}/download")
def download_output(
    run_id: str,
    node_id: str,
    port: str,
    svc: ServicesDep,
    format: Literal["csv", "parquet"] = "csv",
) -> Response:
    """A step's output table as CSV or Parquet."""
    uri = table_output(svc.store, run_id, node_id, port, completed=True)
    frame = svc.artifacts.get_table(uri)
    buffer = io.BytesIO()
    if format == "csv":
        frame.to_csv(buffer, index=False)
        media = "text/csv"
    else:
        frame.to_parquet(buffer, index=False)
        media = "application/vnd.apache.parquet"
    filename = f"{run_id}-{node_id}-{port}.{format}"
    return Response(
        buffer.getvalue(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
