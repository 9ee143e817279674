"""Evaluate Model: the designer's metrics for one scored dataset, or two side by side."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import column_flow
from components.errors import ComponentInputError
from components.ml.evaluation import SCORED_DATASET, evaluate_rows, scored_task
from components.ml.tasks import Task
from components.registry import component
from components.spec import Port, PortKind

LEFT, RIGHT = SCORED_DATASET, "Scored dataset to compare"


@column_flow.memoized
def _scored_checks(inputs: dict[str, Any], params: dict[str, Any]) -> list[tuple[str, str]]:
    """Each input read as a scored dataset, from the columns known before the run (a split's
    output wired in by mistake has no score columns). Whether the two inputs hold the same kind
    of scores is left to the step: the column rules do not know every score column."""
    problems = []
    for port, shown in (("scored_dataset", LEFT), ("scored_dataset_to_compare", RIGHT)):
        columns = inputs.get(port)
        if not isinstance(columns, list):
            continue
        try:
            scored_task(column_flow.empty_frame(columns), shown)
        except ComponentInputError as exc:
            problems.append((port, str(exc)))
    return problems


@component(
    id="evaluate_model",
    name="Evaluate Model",
    category="Model Scoring and Evaluation",
    checks=_scored_checks,
    inputs=[
        Port("scored_dataset", PortKind.DATASET, LEFT),
        Port("scored_dataset_to_compare", PortKind.DATASET, RIGHT, optional=True),
    ],
    outputs=[Port("evaluation_results", PortKind.DATASET, "Evaluation results")],
    metrics_output="evaluation_results",
)
# The metrics follow REFERENCE.md 1.5 (kept out of the docstring: its first line is the
# description users read).
def evaluate_model(
    scored_dataset: pd.DataFrame, scored_dataset_to_compare: pd.DataFrame | None
) -> dict[str, Any]:
    """Evaluate a model's scores with the metrics of its task.

    Classification, regression, quantile regression and anomaly detection give one row per
    input, the left one first. Clustering gives a row per cluster and a combined row per input
    (with an `Input` column naming the port when two are compared).
    """
    task, rows = evaluate_rows(scored_dataset, LEFT)
    if scored_dataset_to_compare is None:
        return {"evaluation_results": pd.DataFrame(rows)}
    other_task, other_rows = evaluate_rows(scored_dataset_to_compare, RIGHT)
    if other_task != task:
        raise ComponentInputError(
            f"Both inputs must come from the same kind of model: '{LEFT}' holds "
            f"{Task(task).text} scores, '{RIGHT}' holds {Task(other_task).text} scores."
        )
    if task == Task.CLUSTERING:
        rows = [{"Input": LEFT, **r} for r in rows] + [{"Input": RIGHT, **r} for r in other_rows]
    else:
        rows = rows + other_rows
    return {"evaluation_results": pd.DataFrame(rows)}
