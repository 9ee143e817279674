"""Validation, submission and the record of runs: list, detail, outputs, logs, cancel, clone."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from app.api.deps import ServicesDep
from app.api.schemas import (
    MAX_OFFSET,
    CloneRequest,
    IssueOut,
    Preview,
    RunDetail,
    RunList,
    SubmitRequest,
    SubmittedRun,
    ValidateRequest,
    ValidateResponse,
)
from app.services.outputs import table_output
from storage import Draft, Experiment, Run, RunSource, RunStatus

router = APIRouter(tags=["runs"])


@router.post("/pipelines/validate")
def validate(body: ValidateRequest, svc: ServicesDep) -> ValidateResponse:
    """Every issue of a pipeline at once (200 either way; `valid` tells)."""
    checked = svc.runs.validate(body.spec, body.parameters)
    return ValidateResponse(
        valid=not checked.issues,
        issues=[IssueOut(**i.to_dict()) for i in checked.issues],
        warnings=[IssueOut(**i.to_dict()) for i in checked.warnings],
        columns=checked.columns,
    )


@router.post("/runs", status_code=201)
def submit(body: SubmitRequest, svc: ServicesDep) -> SubmittedRun:
    """Validate and enqueue a run; 422 with every issue when the pipeline is invalid.

    `warnings` names each queue a step waits on that no live worker listens on.
    """
    run = svc.runs.submit(
        body.spec,
        experiment=body.experiment,
        parameters=body.parameters,
        source=body.source,
        force_rerun=body.force_rerun,
        name=body.name,
    )
    warnings = svc.runs.queue_warnings(run.id) if not run.status.is_terminal else []
    return SubmittedRun.of(run, warnings)


@router.get("/runs")
def list_runs(
    svc: ServicesDep,
    experiment: str | None = None,
    status: RunStatus | None = None,
    limit: int = 50,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    source: RunSource | None = None,
) -> RunList:
    limit = max(1, min(limit, 1000))
    return RunList(
        runs=svc.store.list_runs(
            experiment=experiment, status=status, limit=limit, offset=offset, source=source
        ),
        total=svc.store.count_runs(experiment=experiment, status=status, source=source),
    )


# The longest a `GET /runs/{id}?wait=` holds its request: under the client's HTTP timeout.
MAX_WAIT_S = 10.0


@router.get("/runs/{run_id}")
def get_run(
    run_id: str,
    svc: ServicesDep,
    wait: float = Query(
        0.0,
        ge=0.0,
        le=MAX_WAIT_S,
        description="Answer once the run has ended, or after this many seconds (a long "
        "poll); 0 answers at once.",
    ),
) -> RunDetail:
    """A run and its steps; with `wait`, answered as soon as the run ends (within `wait` s)."""
    run = svc.runs.wait(run_id, wait) if wait > 0 else svc.store.get_run(run_id)
    warnings = [] if run.status.is_terminal else svc.runs.queue_warnings(run_id)
    return RunDetail(run=run, steps=svc.store.list_steps(run_id), warnings=warnings)


@router.get("/runs/{run_id}/steps/{node_id}/outputs/{port}/preview")
def preview_output(
    run_id: str, node_id: str, port: str, svc: ServicesDep, limit: int = 100
) -> Preview:
    uri = table_output(svc.store, run_id, node_id, port)
    return Preview(**svc.artifacts.preview(uri, limit=max(1, min(limit, 10_000))))


@router.get("/runs/{run_id}/steps/{node_id}/log", response_class=PlainTextResponse)
def step_log(run_id: str, node_id: str, svc: ServicesDep) -> str:
    step = svc.store.get_step(run_id, node_id)
    uri = step.log_uri or svc.artifacts.log_uri(step.reused_from or run_id, node_id)
    return svc.artifacts.read_log(uri)


@router.post("/runs/{run_id}/cancel")
def cancel(run_id: str, svc: ServicesDep) -> Run:
    return svc.runs.cancel(run_id)


@router.post("/runs/{run_id}/clone", status_code=201)
def clone(run_id: str, svc: ServicesDep, body: CloneRequest | None = None) -> Draft:
    return svc.runs.clone(run_id, name=body.name if body else None)


@router.get("/experiments")
def list_experiments(svc: ServicesDep) -> list[Experiment]:
    return svc.store.list_experiments()
