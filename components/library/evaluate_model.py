"""Evaluate Model: the designer's metrics for one scored dataset, or two side by side."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from components import conversions, metadata
from components import score_columns as sc
from components.errors import ComponentInputError
from components.learners import Task
from components.metrics import binary_metrics, multiclass_metrics, regression_metrics
from components.registry import component
from components.spec import Port, PortKind

LEFT, RIGHT = "Scored dataset", "Scored dataset to compare"


@component(
    id="evaluate_model", name="Evaluate Model", category="Model Scoring and Evaluation",
    inputs=[Port("scored_dataset", PortKind.DATASET, LEFT),
            Port("scored_dataset_to_compare", PortKind.DATASET, RIGHT, optional=True)],
    outputs=[Port("evaluation_results", PortKind.DATASET, "Evaluation results")],
    metrics_output="evaluation_results",
)
def evaluate_model(scored_dataset: pd.DataFrame,
                   scored_dataset_to_compare: pd.DataFrame | None) -> dict[str, Any]:
    """Evaluate a classification or regression model's results with standard metrics.

    One row per input, the left one first.
    """
    task, row = evaluate(scored_dataset, LEFT)
    rows = [row]
    if scored_dataset_to_compare is not None:
        other_task, other_row = evaluate(scored_dataset_to_compare, RIGHT)
        if other_task != task:
            raise ComponentInputError(
                f"Both inputs must come from the same kind of model: '{LEFT}' holds "
                f"{_task_name(task)} scores, '{RIGHT}' holds {_task_name(other_task)} scores.")
        rows.append(other_row)
    return {"evaluation_results": pd.DataFrame(rows)}


def evaluate(scored: pd.DataFrame, port: str = LEFT) -> tuple[Task, dict[str, Any]]:
    """The task the score columns of `scored` show, and its metrics.

    Raises:
        ComponentInputError: no true label, no score columns, or a label unfit for the task.
    """
    label = true_label_column(scored, port)
    task, predicted, probabilities = _score_columns(scored, label, port)
    rows = scored[label].notna() & scored[predicted].notna()
    if not rows.any():
        raise ComponentInputError(
            f"'{port}' has no rows with both a true label ('{label}') and a score.")
    if not rows.all():
        print(f"{port}: ignored {int((~rows).sum())} row(s) without a label or a score.")
    data = scored[rows]
    if task == Task.REGRESSION:
        actual = conversions.to_double(data[label], label).to_numpy()
        return task, regression_metrics(actual, conversions.to_double(
            data[predicted], predicted).to_numpy())
    actual, said = _labels(data[label]), _labels(data[predicted])
    if task == Task.MULTICLASS:
        return task, multiclass_metrics(actual, said)
    chances = conversions.to_double(data[probabilities[0]], probabilities[0]).to_numpy()
    return task, binary_metrics(actual, said, chances, _positive_class(actual, said, chances))


def true_label_column(scored: pd.DataFrame, port: str = LEFT) -> str:
    """The column with the label role, else the one named `Labels`."""
    labels = [c for c, r in metadata.roles(scored).items() if r == metadata.LABEL]
    if len(labels) > 1:
        raise ComponentInputError(
            f"'{port}' has several label columns ({', '.join(map(repr, labels))}); expected "
            "one. Clear the others with Edit Metadata (Fields: ClearLabels).")
    if labels:
        return labels[0]
    if sc.TRUE_LABELS in scored.columns:
        return sc.TRUE_LABELS
    raise ComponentInputError(
        f"'{port}' has no true label: expected a column with the label role (Score Model keeps "
        f"it) or named '{sc.TRUE_LABELS}'; got columns: {', '.join(map(str, scored.columns))}.")


def _score_columns(scored: pd.DataFrame, label: str, port: str) -> tuple[Task, str, list[str]]:
    columns = set(map(str, scored.columns))
    if {sc.BINARY_SCORED_LABELS, sc.BINARY_SCORED_PROBABILITIES} <= columns:
        return Task.BINARY, sc.BINARY_SCORED_LABELS, [sc.BINARY_SCORED_PROBABILITIES]
    if sc.MULTICLASS_SCORED_LABELS in columns:
        return Task.MULTICLASS, sc.MULTICLASS_SCORED_LABELS, []
    if sc.REGRESSION_SCORED_LABELS in columns:
        _require_numeric_label(scored, label, port)
        return Task.REGRESSION, sc.REGRESSION_SCORED_LABELS, []
    if sc.SCORED_LABELS not in columns:
        raise ComponentInputError(
            f"'{port}' has no score columns: expected '{sc.SCORED_LABELS}' (from Score Model); "
            f"got columns: {', '.join(map(str, scored.columns))}.")
    if sc.SCORED_PROBABILITIES in columns:
        return Task.BINARY, sc.SCORED_LABELS, [sc.SCORED_PROBABILITIES]
    per_class = [c for c in columns if c.startswith(sc.PROBABILITY_PREFIX)]
    numeric = metadata.is_numeric(scored[label]) and metadata.is_numeric(scored[sc.SCORED_LABELS])
    if per_class or not numeric:
        return Task.MULTICLASS, sc.SCORED_LABELS, sorted(per_class)
    return Task.REGRESSION, sc.SCORED_LABELS, []


def _require_numeric_label(scored: pd.DataFrame, label: str, port: str) -> None:
    if not metadata.is_numeric(scored[label]):
        raise ComponentInputError(
            f"'{port}' holds regression scores but its label '{label}' is "
            f"{metadata.column_type(scored[label])}; expected a numeric label.")


def _labels(series: pd.Series) -> np.ndarray:
    values = conversions.plain(series)
    if metadata.column_type(values) in ("Integer", "Double", "Boolean"):
        return values.to_numpy()
    return values.astype(str).to_numpy(dtype=object)


def _positive_class(actual: np.ndarray, said: np.ndarray, chances: np.ndarray) -> Any:
    # The designer reads the positive class off the scores: rows scored above 0.5 carry it.
    above = said[chances > 0.5]
    if len(above):
        return above[0]
    negatives = set(said[chances < 0.5].tolist())
    classes = sorted(set(actual.tolist()) | set(said.tolist()))
    candidates = [c for c in classes if c not in negatives]
    # Otherwise, as when training, the second of the sorted classes is the positive one.
    return candidates[-1] if candidates else classes[-1]


def _task_name(task: Task) -> str:
    return {Task.REGRESSION: "regression", Task.BINARY: "binary classification",
            Task.MULTICLASS: "multiclass classification"}[Task(task)]
