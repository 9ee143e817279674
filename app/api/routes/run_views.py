"""Read-only views of runs for the UI: a runs table with durations and key metrics, and the
chart data of an Evaluate Model step."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from app.api.deps import ServicesDep
from app.api.schemas import MAX_OFFSET, RunSummaries, RunSummary
from storage import Run, RunSource, RunStatus

router = APIRouter(tags=["runs"])

KEY_METRICS = 4


@router.get("/run-summaries")
def run_summaries(
    svc: ServicesDep,
    experiment: str | None = None,
    status: RunStatus | None = None,
    limit: int = 50,
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    source: RunSource | None = None,
) -> RunSummaries:
    """A page of runs, newest first, each with its duration and first metrics."""
    limit = max(1, min(limit, 500))
    # One query for the page with its metrics (kept on each run when it completed); runs
    # completed before that was kept read their steps, in one more query for the lot.
    page = svc.store.run_summaries(
        experiment=experiment, status=status, limit=limit, offset=offset, source=source
    )
    missing = [run.id for run, kept in page if kept is None and run.status is RunStatus.COMPLETED]
    from_steps = svc.store.step_metrics(missing) if missing else {}
    return RunSummaries(
        total=svc.store.count_runs(experiment=experiment, status=status, source=source),
        runs=[
            _summary(run, kept if kept is not None else key_metrics(from_steps.get(run.id, [])))
            for run, kept in page
        ],
    )


def key_metrics(step_metrics: list[dict[str, float]]) -> dict[str, float]:
    """A run's first KEY_METRICS metrics, in step order."""
    metrics: dict[str, float] = {}
    for values in step_metrics:
        for key, value in values.items():
            if len(metrics) < KEY_METRICS:
                metrics.setdefault(key, value)
    return metrics


def _summary(run: Run, metrics: dict[str, float]) -> RunSummary:
    end = run.finished_at
    duration = (end - run.started_at).total_seconds() if end and run.started_at else None
    return RunSummary(
        id=run.id,
        name=run.name,
        experiment=run.experiment,
        status=run.status,
        source=run.source,
        created_at=run.created_at.isoformat(),
        duration_s=duration,
        metrics=metrics,
    )


@router.get("/runs/{run_id}/steps/{node_id}/evaluation")
def evaluation(run_id: str, node_id: str, svc: ServicesDep) -> dict[str, Any]:
    """Chart data of an Evaluate Model step: from the scored dataset on its first input."""
    return svc.evaluations.of_step(run_id, node_id)
