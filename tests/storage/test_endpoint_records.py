"""Endpoint records, deployment logs and model metrics on a real DuckDB file."""

from __future__ import annotations

import pytest

from storage import AlreadyExistsError, DuckDBWorkspaceStore, NotFoundError, utc_now
from storage.records.endpoints import EndpointStatus, EndpointTarget, RealtimeEndpoint


@pytest.fixture
def store(tmp_path):
    with DuckDBWorkspaceStore(tmp_path / "ws.duckdb") as s:
        yield s


def _endpoint(name: str = "cars") -> RealtimeEndpoint:
    return RealtimeEndpoint(
        name=name,
        status=EndpointStatus.TRANSITIONING,
        target=EndpointTarget.LOCAL,
        created_at=utc_now(),
        inference_run_id="run_1",
        training_run_id="run_0",
        resources={"cpu": 0.1, "memory_gb": 0.5},
        primary_key_hash="a" * 64,
        secondary_key_hash="b" * 64,
    )


def test_endpoint_round_trip_update_and_delete(store):
    store.endpoints.create(_endpoint())
    got = store.endpoints.get("cars")
    assert got.status is EndpointStatus.TRANSITIONING
    assert got.resources == {"cpu": 0.1, "memory_gb": 0.5}
    assert got.primary_key_hash == "a" * 64 and got.target is EndpointTarget.LOCAL

    updated = store.endpoints.update(
        "cars", status=EndpointStatus.HEALTHY, url="http://127.0.0.1:9/score"
    )
    assert updated.status is EndpointStatus.HEALTHY and updated.updated_at is not None
    assert [e.name for e in store.endpoints.list()] == ["cars"]

    store.endpoints.delete("cars")
    with pytest.raises(NotFoundError, match="cars"):
        store.endpoints.get("cars")
    with pytest.raises(NotFoundError):
        store.endpoints.update("cars", status=EndpointStatus.FAILED)


def test_what_an_update_goes_back_to_is_kept_until_it_is_cleared(tmp_path):
    """An empty rollback (an update of nothing but the description) is not no rollback, and
    what is kept survives the store being opened again."""
    previous = {"inference_run_id": "run_1", "resources": {"cpu": 0.1}, "model": None}
    with DuckDBWorkspaceStore(tmp_path / "ws.duckdb") as store:
        assert store.endpoints.create(_endpoint()).rollback is None
        assert store.endpoints.get("cars").rollback is None
        store.endpoints.update("cars", rollback=previous)
    with DuckDBWorkspaceStore(tmp_path / "ws.duckdb") as store:
        assert store.endpoints.get("cars").rollback == previous
        assert store.endpoints.update("cars", rollback={}).rollback == {}
        assert store.endpoints.update("cars", rollback=None).rollback is None


def test_duplicate_name_and_unknown_field_are_refused(store):
    store.endpoints.create(_endpoint())
    with pytest.raises(AlreadyExistsError, match="cars"):
        store.endpoints.create(_endpoint())
    with pytest.raises(ValueError, match="target"):
        store.endpoints.update("cars", target="kubernetes")


def test_logs_keep_their_order_and_go_with_the_endpoint(store):
    store.endpoints.create(_endpoint())
    for i in range(5):
        store.endpoints.add_log("cars", f"line {i}")
    assert [line.message for line in store.endpoints.logs("cars")] == [
        f"line {i}" for i in range(5)
    ]
    store.endpoints.delete("cars")
    assert store.endpoints.logs("cars") == []


def test_records_survive_reopening(tmp_path):
    with DuckDBWorkspaceStore(tmp_path / "ws.duckdb") as s:
        s.endpoints.create(_endpoint())
        s.model_metrics.set("price", 1, {"Mean Absolute Error": 1.5})
    with DuckDBWorkspaceStore(tmp_path / "ws.duckdb") as s:
        assert s.endpoints.get("cars").inference_run_id == "run_1"
        assert s.model_metrics.all() == {("price", 1): {"Mean Absolute Error": 1.5}}
