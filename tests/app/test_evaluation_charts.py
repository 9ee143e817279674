"""Evaluate Model's charts are computed once per scored dataset: its URI names its content, so
the run page's rerun (which asks again) reads nothing and computes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.services.evaluation import EvaluationCharts, evaluation_charts
from storage import ArtifactStore, DuckDBWorkspaceStore, StepStatus

SPEC = {
    "nodes": [
        {"id": "score", "component": "score_model", "version": 1, "params": {}},
        {"id": "evaluate", "component": "evaluate_model", "version": 1, "params": {}},
    ],
    "edges": [{"source": "score.scored_dataset", "target": "evaluate.scored_dataset"}],
}


def scored(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    chances = rng.random(500)
    return pd.DataFrame(
        {
            "Labels": (rng.random(500) < chances).astype(int),
            "Scored Labels": (chances > 0.5).astype(int),
            "Scored Probabilities": chances,
        }
    )


def evaluated_run(store, uri: str) -> str:
    step = {"component_version": 1, "queue": "default", "status": StepStatus.COMPLETED}
    return store.create_run(
        experiment="exp",
        name="run",
        spec=SPEC,
        parameters={},
        source="api",
        force_rerun=False,
        steps=[
            {
                **step,
                "node_id": "score",
                "component_id": "score_model",
                "cache_key": uri,
                "outputs": {"scored_dataset": uri},
            },
            {**step, "node_id": "evaluate", "component_id": "evaluate_model", "cache_key": "e"},
        ],
        status="completed",
    ).id


@pytest.fixture
def counted(tmp_path, monkeypatch):
    """The service, with the scored tables it read counted."""
    artifacts = ArtifactStore(tmp_path / "artifacts")
    read: list[str] = []
    get_table = artifacts.get_table
    monkeypatch.setattr(artifacts, "get_table", lambda uri: read.append(uri) or get_table(uri))
    with DuckDBWorkspaceStore(tmp_path / "workspace.duckdb") as store:
        yield EvaluationCharts(store, artifacts, keep=1), read


def test_a_scored_dataset_is_read_and_charted_once(counted):
    charts, read = counted
    tables = [scored(0), scored(1)]
    uris = [charts.artifacts.put_table(t).uri for t in tables]
    runs = [evaluated_run(charts.store, uri) for uri in uris]
    first = charts.of_step(runs[0], "evaluate")
    assert first == evaluation_charts(tables[0])
    assert charts.of_step(runs[0], "evaluate") == first
    assert read == uris[:1]
    assert charts.of_step(runs[1], "evaluate") == evaluation_charts(tables[1]) != first
    assert charts.of_step(runs[0], "evaluate") == first  # forgotten (keep=1): read again
    assert read == [uris[0], uris[1], uris[0]]
