"""Step outputs are written without fsync; what the workspace keeps of them on its own (a
dataset version or a model registered from an output) is made durable when registered."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from app.services.datasets import DatasetService
from app.services.models import register_step_model
from storage import ArtifactStore, DuckDBWorkspaceStore, RunSource, StepStatus


@pytest.fixture
def fsynced(monkeypatch) -> list[str]:
    """The paths fsynced, by their link in /proc (an fd's file)."""
    paths: list[str] = []
    real = os.fsync
    monkeypatch.setattr(
        os, "fsync", lambda fd: paths.append(os.readlink(f"/proc/self/fd/{fd}")) or real(fd)
    )
    return paths


def test_a_dataset_registered_from_an_output_is_fsynced(tmp_path, fsynced):
    store = DuckDBWorkspaceStore(tmp_path / "workspace.duckdb")
    artifacts = ArtifactStore(tmp_path / "artifacts")
    ref = artifacts.put_table(pd.DataFrame({"a": [1, 2]}), durable=False)
    assert fsynced == []
    version = DatasetService(store, artifacts).register_output("kept", ref.uri)
    assert version.uri == ref.uri
    table = str(artifacts.path_for(ref.uri))
    assert table in fsynced
    assert table.removesuffix(".parquet") + ".columns.json" in fsynced


def test_a_model_registered_from_a_step_is_fsynced(tmp_path, fsynced):
    store = DuckDBWorkspaceStore(tmp_path / "workspace.duckdb")
    artifacts = ArtifactStore(tmp_path / "artifacts")
    uri = artifacts.put_object({"w": [1.0]}, durable=False)
    run = store.create_run(
        experiment="e",
        name="r",
        spec={"nodes": [], "edges": []},
        parameters={},
        source=RunSource.API,
        force_rerun=False,
        steps=[{"node_id": "train", "component_id": "train_model", "component_version": 1}],
    )
    store.update_step(run.id, "train", status=StepStatus.COMPLETED, outputs={"trained_model": uri})
    assert fsynced == []
    register_step_model(store, name="m", run_id=run.id, node_id="train", artifacts=artifacts)
    assert fsynced == [str(artifacts.path_for(uri))]
