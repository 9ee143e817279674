"""Reading a scored dataset as Evaluate Model does: its task, true label, scores and metrics.

Evaluate Model and Cross Validate Model report these metrics; the control plane's evaluation
charts read the score columns with the same helpers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from components import metadata
from components.errors import ComponentInputError
from components.ml import column_types
from components.ml import score_columns as sc
from components.ml.metrics import (
    binary_metrics,
    clustering_metrics,
    multiclass_metrics,
    quantile_metrics,
    regression_metrics,
)
from components.ml.tasks import Task

# Evaluate Model's first input, which messages name when no other port is given.
SCORED_DATASET = "Scored dataset"


def evaluate_rows(
    scored: pd.DataFrame, port: str = SCORED_DATASET
) -> tuple[Task, list[dict[str, Any]]]:
    """The task the score columns of `scored` show, and its rows of metrics."""
    if scored_task(scored, port) == Task.CLUSTERING:
        return Task.CLUSTERING, _clustering(scored, port)
    task, row = evaluate(scored, port)
    return task, [row]


def scored_task(scored: pd.DataFrame, port: str = SCORED_DATASET) -> Task:
    """The task whose scores `scored` holds, read from its columns, roles and types alone: what
    Evaluate Model checks before any metric, and what Validate checks on a table with no rows
    and the columns known before the run, so that both say the same.

    Raises:
        ComponentInputError: no true label or several, no score columns, distance columns
            missing beside cluster assignments, or a regression label that is not numeric.
    """
    if sc.ASSIGNMENTS in scored.columns:
        _cluster_numbers(scored, port)
        return Task.CLUSTERING
    label = true_label_column(scored, port)
    if _quantile_columns(scored):
        _require_numeric_label(scored, label, port)
        return Task.QUANTILE_REGRESSION
    return read_score_columns(scored, label, port)[0]


def evaluate(scored: pd.DataFrame, port: str = SCORED_DATASET) -> tuple[Task, dict[str, Any]]:
    """The task the score columns of `scored` show, and its metrics (not for clustering).

    Raises:
        ComponentInputError: no true label, no score columns, or a label unfit for the task.
    """
    label = true_label_column(scored, port)
    quantiles = _quantile_columns(scored)
    if quantiles:
        return Task.QUANTILE_REGRESSION, _quantile(scored, label, quantiles, port)
    task, predicted, probabilities = read_score_columns(scored, label, port)
    rows = scored[label].notna() & scored[predicted].notna()
    if not rows.any():
        raise ComponentInputError(
            f"'{port}' has no rows with both a true label ('{label}') and a score."
        )
    if not rows.all():
        print(f"{port}: ignored {int((~rows).sum())} row(s) without a label or a score.")
    data = scored[rows]
    if task == Task.REGRESSION:
        actual = column_types.to_double(data[label], label).to_numpy()
        return task, regression_metrics(
            actual, column_types.to_double(data[predicted], predicted).to_numpy()
        )
    actual, said = label_values(data[label]), label_values(data[predicted])
    if task == Task.MULTICLASS:
        return task, multiclass_metrics(actual, said)
    chances = column_types.to_double(data[probabilities[0]], probabilities[0]).to_numpy()
    return task, binary_metrics(
        actual, said, chances, positive_class(actual, said, chances, label_classes(scored[label]))
    )


def true_label_column(scored: pd.DataFrame, port: str = SCORED_DATASET) -> str:
    """The column with the label role, else the one named `Labels`."""
    labels = [c for c, r in metadata.roles(scored).items() if r == metadata.LABEL]
    if len(labels) > 1:
        raise ComponentInputError(
            f"'{port}' has several label columns ({', '.join(map(repr, labels))}); expected "
            "one. Clear the others with Edit Metadata (Fields: ClearLabels)."
        )
    if labels:
        return labels[0]
    if sc.TRUE_LABELS in scored.columns:
        return sc.TRUE_LABELS
    raise ComponentInputError(
        f"'{port}' has no true label: expected a column with the label role (Score Model keeps "
        f"it) or named '{sc.TRUE_LABELS}'; got columns: {', '.join(map(str, scored.columns))}."
    )


def read_score_columns(scored: pd.DataFrame, label: str, port: str) -> tuple[Task, str, list[str]]:
    """The task a scored dataset comes from, its predicted-label column and probability columns."""
    columns = set(map(str, scored.columns))
    if {sc.ANOMALY_SCORED_LABELS, sc.ANOMALY_SCORED_PROBABILITIES} <= columns:
        return Task.ANOMALY_DETECTION, sc.ANOMALY_SCORED_LABELS, [sc.ANOMALY_SCORED_PROBABILITIES]
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
            f"got columns: {', '.join(map(str, scored.columns))}."
        )
    if sc.SCORED_PROBABILITIES in columns:
        return Task.BINARY, sc.SCORED_LABELS, [sc.SCORED_PROBABILITIES]
    per_class = [c for c in columns if c.startswith(sc.PROBABILITY_PREFIX)]
    numeric = metadata.is_numeric(scored[label]) and metadata.is_numeric(scored[sc.SCORED_LABELS])
    if per_class or not numeric:
        return Task.MULTICLASS, sc.SCORED_LABELS, sorted(per_class)
    return Task.REGRESSION, sc.SCORED_LABELS, []


def _cluster_numbers(scored: pd.DataFrame, port: str) -> list[int]:
    """The clusters whose distance columns `scored` has: 0, 1, ... without a gap."""
    distance = [c for c in scored.columns if str(c).startswith(sc.DISTANCE_PREFIX)]
    numbers = sorted(
        int(str(c)[len(sc.DISTANCE_PREFIX) :])
        for c in distance
        if str(c)[len(sc.DISTANCE_PREFIX) :].isdigit()
    )
    if not numbers or numbers != list(range(len(numbers))):
        raise ComponentInputError(
            f"'{port}' has cluster assignments but not the distance columns "
            f"'{sc.distance_column(0)}', '{sc.distance_column(1)}', ... that Assign Data to "
            f"Clusters adds; got columns: {', '.join(map(str, scored.columns))}."
        )
    return numbers


def _clustering(scored: pd.DataFrame, port: str) -> list[dict[str, Any]]:
    numbers = _cluster_numbers(scored, port)
    columns = [sc.distance_column(k) for k in numbers]
    data = scored[scored[sc.ASSIGNMENTS].notna()]
    assignments = column_types.to_double(data[sc.ASSIGNMENTS], sc.ASSIGNMENTS).to_numpy()
    if len(assignments) and (
        assignments.min() < 0
        or assignments.max() >= len(numbers)
        or not np.all(assignments == assignments.round())
    ):
        raise ComponentInputError(
            f"'{port}': column '{sc.ASSIGNMENTS}' must hold cluster numbers 0 to "
            f"{len(numbers) - 1}."
        )
    distances = np.column_stack([column_types.to_double(data[c], c).to_numpy() for c in columns])
    return clustering_metrics(assignments.astype(np.int64), distances)


def _quantile_columns(scored: pd.DataFrame) -> dict[float, str]:
    found = {}
    for column in map(str, scored.columns):
        if column.startswith(sc.QUANTILE_PREFIX):
            try:
                found[float(column[len(sc.QUANTILE_PREFIX) :])] = column
            except ValueError:
                continue
    return dict(sorted(found.items()))


def _quantile(
    scored: pd.DataFrame, label: str, quantiles: dict[float, str], port: str
) -> dict[str, Any]:
    _require_numeric_label(scored, label, port)
    rows = scored[label].notna()
    for column in quantiles.values():
        rows &= scored[column].notna()
    if not rows.any():
        raise ComponentInputError(
            f"'{port}' has no rows with both a true label ('{label}') and quantile scores."
        )
    data = scored[rows]
    actual = column_types.to_double(data[label], label).to_numpy()
    return quantile_metrics(
        actual, {q: column_types.to_double(data[c], c).to_numpy() for q, c in quantiles.items()}
    )


def _require_numeric_label(scored: pd.DataFrame, label: str, port: str) -> None:
    if not metadata.is_numeric(scored[label]):
        raise ComponentInputError(
            f"'{port}' holds regression scores but its label '{label}' is "
            f"{metadata.column_type(scored[label])}; expected a numeric label."
        )


def label_values(series: pd.Series) -> np.ndarray:
    """Labels as numbers when they are numeric, else as text, so actual and scored compare."""
    values = column_types.plain(series)
    if metadata.column_type(values) in ("Integer", "Double", "Boolean"):
        return values.to_numpy()
    return values.astype(str).to_numpy(dtype=object)


class _UnseenClass:
    """The positive class when no row shows it: equal to no label."""

    def __repr__(self) -> str:
        return "(the positive class, absent from these rows)"


UNSEEN_POSITIVE = _UnseenClass()


def label_classes(series: pd.Series) -> list[Any]:
    """The classes a label column declares beyond the values it holds (its categories)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return label_values(pd.Series(series.cat.categories)).tolist()
    return []


def positive_class(
    actual: np.ndarray, said: np.ndarray, chances: np.ndarray, declared: list[Any] | None = None
) -> Any:
    """The positive class of a binary scoring, by Score Model's contract: the scored
    probability is the positive class's, and a row is scored positive when it is above 0.5.

    So rows scored above 0.5 carry the positive class, and rows below carry the negative one.
    When every row is below 0.5, the positive class is a class of the label (its values, or
    the categories it declares) that no row was scored as; when there is none (one class in
    the data, all scored negative), the positive class is absent from these rows, and every
    row counts as a (true or false) negative, never as a positive.
    """
    above = said[chances > 0.5]
    if len(above):
        return above[0]
    negatives = set(said[chances < 0.5].tolist())
    present = set(actual.tolist()) | set(said.tolist()) | set(declared or [])
    try:
        classes = sorted(present)
    except TypeError:  # mixed kinds
        classes = sorted(present, key=str)
    candidates = [c for c in classes if c not in negatives]
    if candidates:
        # As when training, the second of the sorted classes is the positive one.
        return candidates[-1]
    return UNSEEN_POSITIVE if negatives else classes[-1]
