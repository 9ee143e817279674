"""Chart data for an Evaluate Model step: what the designer's Visualize pane draws
(`EvaluationCharts`).

Regression: predicted against actual, and the residuals. Classification: the ROC and
precision-recall curves (binary) and the confusion matrix. Computed from the scored dataset that
fed the step, with Evaluate Model's own reading of the score columns, so the charts and the
metrics cannot disagree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve

from app.services.errors import ConflictError, InvalidRequestError, NotFoundError
from app.services.lru import Lru
from components.errors import ComponentInputError

# The charts read the scored dataset exactly as Evaluate Model does, with its own helpers.
from components.ml.evaluation import (
    SCORED_DATASET as LEFT,
)
from components.ml.evaluation import (
    label_classes,
    label_values,
    positive_class,
    read_score_columns,
    true_label_column,
)
from components.ml.tasks import Task
from jobs.pipeline import DATASET_PORT, PipelineSpec
from storage import ArtifactStore, WorkspaceStore

EVALUATE = "evaluate_model"
MAX_POINTS = 2000  # scatter points sent to the browser
CURVE_POINTS = 200


class EvaluationCharts:
    """The chart data of Evaluate Model steps, kept for the last `keep` scored datasets.

    A scored dataset's URI names its content, so its charts never change: the run page asks
    again at each rerun while the charts are open, and a million scored rows took the control
    plane over a second each time (its GIL held for much of it).
    """

    def __init__(self, store: WorkspaceStore, artifacts: ArtifactStore, keep: int = 32) -> None:
        self.store = store
        self.artifacts = artifacts
        self._charts = Lru[str, dict[str, Any]](keep)

    def of_step(self, run_id: str, node_id: str) -> dict[str, Any]:
        """The chart data of Evaluate Model step `node_id` of a run, from the scored dataset on
        its first input.

        Raises:
            InvalidRequestError: Not an Evaluate Model step, or its input is unreadable.
            NotFoundError: The run or step does not exist, or nothing feeds the step.
            ConflictError: The scored dataset has not been produced yet.
        """
        uri = _scored_dataset(self.store, run_id, node_id)
        charts = self._charts.get(uri)
        if charts is None:
            try:
                charts = evaluation_charts(self.artifacts.get_table(uri))
            except ComponentInputError as exc:
                raise InvalidRequestError(str(exc)) from exc
            self._charts.put(uri, charts)
        return charts


def _scored_dataset(store: WorkspaceStore, run_id: str, node_id: str) -> str:
    """The URI of the scored dataset on Evaluate Model step `node_id`'s first input."""
    run = store.get_run(run_id)
    step = store.get_step(run_id, node_id)
    if step.component_id != EVALUATE:
        raise InvalidRequestError(f"Step '{node_id}' is {step.component_id}, not Evaluate Model.")
    spec = PipelineSpec.from_dict(run.spec)
    edge = spec.graph.inputs(node_id).get("scored_dataset")
    if edge is None:
        raise NotFoundError(f"Nothing feeds '{node_id}.scored_dataset'.")
    upstream, port = edge.source_node, edge.source_port
    node = spec.node(upstream)
    if node is not None and node.is_dataset and port == DATASET_PORT:
        uri = store.get_dataset_version(node.dataset_name, node.dataset_version).uri
    else:
        uri = store.get_step(run_id, upstream).outputs.get(port)
    if uri is None:
        raise ConflictError(
            f"The scored dataset '{edge.source}' is not there yet (step {step.status.value})."
        )
    return uri


def evaluation_charts(scored: pd.DataFrame) -> dict[str, Any]:
    """The chart data for one scored dataset (raises ComponentInputError when unreadable)."""
    label = true_label_column(scored, LEFT)
    task, predicted, probabilities = read_score_columns(scored, label, LEFT)
    data = scored[scored[label].notna() & scored[predicted].notna()]
    if task == Task.REGRESSION:
        actual = pd.to_numeric(data[label], errors="coerce").to_numpy(dtype=float)
        said = pd.to_numeric(data[predicted], errors="coerce").to_numpy(dtype=float)
        keep = _sample(len(actual))
        return {
            "task": "regression",
            "label": label,
            "points": [
                {"actual": float(a), "predicted": float(p), "residual": float(a - p)}
                for a, p in zip(actual[keep], said[keep], strict=True)
            ],
        }
    actual, said = label_values(data[label]), label_values(data[predicted])
    classes = sorted(set(actual.tolist()) | set(said.tolist()), key=str)
    matrix = confusion_matrix(actual, said, labels=classes)
    result: dict[str, Any] = {
        "task": "binary" if task == Task.BINARY else "multiclass",
        "label": label,
        "classes": [str(c) for c in classes],
        "confusion_matrix": matrix.tolist(),
    }
    if task == Task.BINARY:
        chances = pd.to_numeric(data[probabilities[0]], errors="coerce").to_numpy(dtype=float)
        positive = positive_class(actual, said, chances, label_classes(data[label]))
        truth = actual == positive
        fpr, tpr, _ = roc_curve(truth, chances)
        precision, recall, _ = precision_recall_curve(truth, chances)
        result.update(
            positive_class=str(positive),
            roc=[{"fpr": float(f), "tpr": float(t)} for f, t in _thin(fpr, tpr)],
            precision_recall=[
                {"recall": float(r), "precision": float(p)} for r, p in _thin(recall, precision)
            ],
        )
    return result


def _sample(count: int) -> np.ndarray:
    if count <= MAX_POINTS:
        return np.arange(count)
    return np.random.default_rng(0).choice(count, MAX_POINTS, replace=False)


def _thin(xs: np.ndarray, ys: np.ndarray) -> list[tuple[float, float]]:
    step = max(1, len(xs) // CURVE_POINTS)
    pairs = list(zip(xs[::step], ys[::step], strict=True))
    if len(xs) and (xs[-1], ys[-1]) != pairs[-1]:
        pairs.append((xs[-1], ys[-1]))
    return pairs
