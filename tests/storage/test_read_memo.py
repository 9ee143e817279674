"""What repositories keep of their reads (dataset versions, compute targets, reusable steps)
always answers as the database would now: each of their writes revises or forgets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import DuckDBWorkspaceStore, StepStatus
from storage.errors import NotFoundError
from storage.records._memo import Memo

COLUMNS = [{"name": "a", "type": "int64", "categorical": False, "role": "feature"}]
OUT = {"out": "artifacts://objects/1.parquet"}


@pytest.fixture
def store(tmp_path):
    with DuckDBWorkspaceStore(tmp_path / "workspace.duckdb") as opened:
        yield opened


def register(store, name: str, column: str = "a"):
    return store.register_dataset_version(
        name=name,
        uri=f"artifacts://objects/{name}-{column}.parquet",
        content_hash=f"{name}-{column}",
        row_count=1,
        columns=[{**COLUMNS[0], "name": column}],
        source="upload",
    )


def run_with(store, key: str, *, done: bool, at: datetime | None = None, outputs=OUT):
    step = {
        "node_id": "a",
        "component_id": "comp",
        "component_version": 1,
        "cache_key": key,
        "queue": "default",
    }
    if done:
        step |= {"status": StepStatus.COMPLETED, "outputs": outputs, "finished_at": at}
    return store.create_run(
        experiment="exp",
        name="run",
        spec={"nodes": []},
        parameters={},
        source="api",
        force_rerun=False,
        steps=[step],
        status="completed" if done else "queued",
    )


def read_now(store, key: str):
    """What the database answers, past anything kept."""
    return store.runs._read_reusable_steps([key]).get(key)


class TestDatasetVersions:
    def test_the_latest_moves_when_a_version_is_registered(self, store):
        register(store, "cars")
        assert store.get_dataset_version("cars").version == 1
        register(store, "cars", column="b")
        latest = store.get_dataset_version("cars")
        assert (latest.version, latest.columns[0]["name"]) == (2, "b")
        assert store.get_dataset_version("cars", 1).columns[0]["name"] == "a"

    def test_a_missing_dataset_or_version_is_found_once_registered(self, store):
        for _ in range(2):  # the second time from what was kept
            with pytest.raises(NotFoundError, match="No dataset 'cars' exists"):
                store.get_dataset_version("cars")
        register(store, "cars")
        with pytest.raises(NotFoundError, match="has no version 2 .the latest is 1"):
            store.get_dataset_version("cars", 2)
        register(store, "cars")
        assert store.get_dataset_version("cars", 2).version == 2

    def test_each_caller_gets_its_own_columns(self, store):
        register(store, "cars")
        store.get_dataset_version("cars").columns.append({"name": "mine"})
        assert [c["name"] for c in store.get_dataset_version("cars").columns] == ["a"]


def test_compute_targets_follow_every_write(store):
    before = {t.name for t in store.list_compute_targets()}
    store.upsert_compute_target(name="pool", queue="q1")
    assert {t.name for t in store.list_compute_targets()} == before | {"pool"}
    store.upsert_compute_target(name="pool", queue="q2")
    assert {t.name: t.queue for t in store.list_compute_targets()}["pool"] == "q2"
    store.kube_targets.remove_target("pool")  # another repository deletes the row
    assert {t.name for t in store.list_compute_targets()} == before


class TestReusableSteps:
    def test_a_recorded_run_that_reuses_a_key_becomes_its_answer(self, store):
        assert store.find_reusable_steps(["k"]) == {}  # kept: no step
        first = run_with(store, "k", done=True)
        assert (
            store.find_reusable_steps(["k"])["k"].run_id == first.id == read_now(store, "k").run_id
        )
        second = run_with(store, "k", done=True)
        assert store.find_reusable_steps(["k"])["k"].run_id == second.id
        assert read_now(store, "k").run_id == second.id

    def test_an_earlier_finished_step_recorded_later_does_not_win(self, store):
        later = run_with(store, "k", done=True, at=datetime.now(UTC) + timedelta(hours=1))
        assert store.find_reusable_steps(["k"])["k"].run_id == later.id
        run_with(store, "k", done=True, at=datetime.now(UTC) - timedelta(hours=1))
        assert (
            store.find_reusable_steps(["k"])["k"].run_id == later.id == read_now(store, "k").run_id
        )

    def test_a_step_that_completes_is_found_and_a_queued_one_is_not(self, store):
        queued = run_with(store, "k", done=False)
        assert store.find_reusable_steps(["k"]) == {}
        store.update_step(queued.id, "a", status=StepStatus.RUNNING)
        assert store.find_reusable_steps(["k"]) == {}
        store.update_step(queued.id, "a", status=StepStatus.COMPLETED, outputs=OUT)
        assert store.find_reusable_steps(["k"])["k"].run_id == queued.id

    def test_a_step_without_outputs_is_never_an_answer(self, store):
        run_with(store, "k", done=True, outputs={})
        assert store.find_reusable_steps(["k"]) == {} and read_now(store, "k") is None

    def test_a_step_moved_to_another_key_leaves_its_old_key(self, store):
        done = run_with(store, "k", done=True)
        assert store.find_reusable_steps(["k"])["k"].run_id == done.id
        store.update_step(done.id, "a", cache_key="other")
        assert store.find_reusable_steps(["k"]) == {}
        assert store.find_reusable_steps(["other"])["other"].run_id == done.id


def test_an_answer_read_before_a_write_is_not_kept():
    memo: Memo[str, int] = Memo()
    generation = memo.generation
    memo.written()  # a write committed while the answer was being read
    memo.keep(generation, {"k": 1})
    assert memo.get("k") == (False, None)
    memo.keep(memo.generation, {"k": 2})
    assert memo.get("k") == (True, 2)


def test_a_memo_forgets_its_least_recently_used_answers():
    memo: Memo[str, int] = Memo(limit=2)
    memo.keep(0, {"a": 1, "b": 2})
    memo.get("a")
    memo.keep(0, {"c": 3})
    assert [memo.get(k)[0] for k in "abc"] == [True, False, True]
