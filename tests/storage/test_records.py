"""The per-kind repositories behind the workspace store share its one database."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.duckdb_store import DuckDBWorkspaceStore
from storage.entities import RunSource, utc_now
from storage.errors import StorageError
from storage.records.pipelines import RunOrigin

SPEC = {"schema_version": 1, "nodes": [{"id": "split"}], "edges": []}
STEP = {"node_id": "split", "component_id": "split_data", "component_version": 1}


@pytest.fixture
def store(tmp_path: Path):
    with DuckDBWorkspaceStore(tmp_path / "workspace.duckdb") as opened:
        yield opened


def _run(store: DuckDBWorkspaceStore):
    return store.runs.create_run(
        experiment="e",
        name="r",
        spec=SPEC,
        parameters={},
        source=RunSource.API,
        force_rerun=False,
        steps=[STEP],
    )


def test_a_record_written_through_a_repository_is_read_through_the_facade(store):
    run = _run(store)
    assert store.get_run(run.id) == run
    assert [s.node_id for s in store.list_steps(run.id)] == ["split"]
    draft = store.drafts.create_draft(name="d", spec=SPEC, source_run_id=run.id)
    assert store.get_draft(draft.id) == draft


def test_repositories_join_each_others_tables(store):
    """Pipeline run origins join the runs table: one database, not one per repository."""
    run = _run(store)
    store.pipelines.create_endpoint("ep", key_hash="0" * 64)
    store.pipelines.record_origin(
        RunOrigin(run.id, "ep", 1, None, None, "", {}, created_at=utc_now())
    )
    assert [(r.id, o.endpoint) for r, o in store.pipelines.list_runs(endpoint="ep")] == [
        (run.id, "ep")
    ]


def test_closing_the_store_closes_every_repository(store):
    store.close()
    for read in (store.runs.list_experiments, store.datasets.list_datasets, store.endpoints.list):
        with pytest.raises(StorageError, match="closed"):
            read()
