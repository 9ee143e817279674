"""Kubernetes compute target records (migration 0004) on a real DuckDB file."""

from __future__ import annotations

import pytest

from storage import ConflictError, DuckDBWorkspaceStore, NotFoundError


@pytest.fixture
def store(tmp_path):
    opened = DuckDBWorkspaceStore(tmp_path / "workspace.duckdb")
    yield opened
    opened.close()


def test_settings_are_kept_with_the_target_and_survive_reopening(tmp_path):
    store = DuckDBWorkspaceStore(tmp_path / "ws.duckdb")
    store.upsert_compute_target(name="pool", queue="pool-q")
    store.kube_targets.save("pool", {"namespace": "ml", "max_replicas": 6}, scaler="keda")
    store.close()
    store = DuckDBWorkspaceStore(tmp_path / "ws.duckdb")
    found = store.kube_targets.get("pool")
    assert (found.settings, found.scaler, found.error) == (
        {"namespace": "ml", "max_replicas": 6},
        "keda",
        None,
    )
    assert found.deployed_at is not None
    store.kube_targets.save("pool", {"namespace": "ml", "max_replicas": 8}, scaler="replicas")
    assert [(r.name, r.settings["max_replicas"]) for r in store.kube_targets.list()] == [
        ("pool", 8)
    ]
    store.close()


def test_settings_need_a_compute_target(store):
    with pytest.raises(NotFoundError, match="No compute target named 'ghost'"):
        store.kube_targets.save("ghost", {}, scaler=None)


def test_remove_target_forgets_both_rows_but_not_the_default(store):
    store.upsert_compute_target(name="pool", queue="pool")
    store.kube_targets.save("pool", {}, scaler="keda")
    store.kube_targets.remove_target("pool")
    assert "pool" not in {t.name for t in store.list_compute_targets()}
    with pytest.raises(NotFoundError):
        store.kube_targets.get("pool")
    with pytest.raises(ConflictError, match="default"):
        store.kube_targets.remove_target("default")
    assert "default" in {t.name for t in store.list_compute_targets()}
