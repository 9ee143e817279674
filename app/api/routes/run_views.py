"""Read-only views of runs for the UI: a runs table with durations and key metrics, and the
chart data of an Evaluate Model step."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query

from app.api.deps import ServicesDep
from app.api.schemas import MAX_OFFSET
from app.services.evaluation import evaluation_charts
from components.errors import ComponentInputError
from jobs.pipeline import DATASET_PORT, PipelineSpec
from storage import Run, RunSource, RunStatus

router = APIRouter(tags=["runs"])

EVALUATE = "evaluate_model"
KEY_METRICS = 4


@router.get("/run-summaries")
def run_summaries(
    svc: ServicesDep,
    experiment: str | None = None,
    status: RunStatus | None = None,
    limit: int = 50,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    source: RunSource | None = None,
) -> dict[str, Any]:
    """A page of runs, newest first, each with its duration and first metrics."""
    limit = max(1, min(limit, 500))
    # One query for the page with its metrics (kept on each run when it completed); runs
    # completed before that was kept read their steps, in one more query for the lot.
    page = svc.store.run_summaries(
        experiment=experiment, status=status, limit=limit, offset=offset, source=source
    )
    missing = [run.id for run, kept in page if kept is None and run.status is RunStatus.COMPLETED]
    from_steps = svc.store.step_metrics(missing) if missing else {}
    return {
        "total": svc.store.count_runs(experiment=experiment, status=status, source=source),
        "runs": [
            _summary(run, kept if kept is not None else key_metrics(from_steps.get(run.id, [])))
            for run, kept in page
        ],
    }


def key_metrics(step_metrics: list[dict[str, float]]) -> dict[str, float]:
    """A run's first KEY_METRICS metrics, in step order."""
    metrics: dict[str, float] = {}
    for values in step_metrics:
        for key, value in values.items():
            if len(metrics) < KEY_METRICS:
                metrics.setdefault(key, value)
    return metrics


def _summary(run: Run, metrics: dict[str, float]) -> dict[str, Any]:
    end = run.finished_at
    duration = (end - run.started_at).total_seconds() if end and run.started_at else None
    return {
        "id": run.id,
        "name": run.name,
        "experiment": run.experiment,
        "status": run.status.value,
        "source": run.source.value,
        "created_at": run.created_at.isoformat(),
        "duration_s": duration,
        "metrics": metrics,
    }


@router.get("/runs/{run_id}/steps/{node_id}/evaluation")
def evaluation(run_id: str, node_id: str, svc: ServicesDep) -> dict[str, Any]:
    """Chart data of an Evaluate Model step: from the scored dataset on its first input."""
    run = svc.store.get_run(run_id)
    step = svc.store.get_step(run_id, node_id)
    if step.component_id != EVALUATE:
        raise HTTPException(400, f"Step '{node_id}' is {step.component_id}, not Evaluate Model.")
    spec = PipelineSpec.from_dict(run.spec)
    edge = spec.graph.inputs(node_id).get("scored_dataset")
    if edge is None:
        raise HTTPException(404, f"Nothing feeds '{node_id}.scored_dataset'.")
    upstream, port = edge.source_node, edge.source_port
    node = spec.node(upstream)
    if node is not None and node.is_dataset and port == DATASET_PORT:
        uri = svc.store.get_dataset_version(node.dataset, node.dataset_version).uri
    else:
        uri = svc.store.get_step(run_id, upstream).outputs.get(port)
    if uri is None:
        raise HTTPException(
            409, f"The scored dataset '{edge.source}' is not there yet (step {step.status.value})."
        )
    try:
        return evaluation_charts(svc.artifacts.get_table(uri))
    except ComponentInputError as exc:
        raise HTTPException(400, str(exc)) from exc
