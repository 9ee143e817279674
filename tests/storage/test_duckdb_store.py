"""The DuckDB workspace store, against real database files."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from storage.duckdb_store import DuckDBWorkspaceStore
from storage.entities import (
    DatasetSource,
    RunSource,
    RunStatus,
    StepRun,
    StepStatus,
)
from storage.errors import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
    StorageError,
    WorkspaceLockedError,
)
from storage.migrate import apply_migrations, available_migrations
from storage.workspace import DRAFT_HISTORY_LIMIT

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SPEC = {"schema_version": 1, "nodes": [{"id": "split"}], "edges": []}
COLUMNS = [{"name": "x", "type": "Integer", "categorical": False, "role": "feature"}]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "workspace.duckdb"


@pytest.fixture
def store(db_path: Path):
    with DuckDBWorkspaceStore(db_path) as opened:
        yield opened


def steps(*node_ids: str, cache_key: str = "") -> list[dict]:
    return [
        {
            "node_id": n,
            "component_id": f"comp.{n}",
            "component_version": 1,
            "cache_key": cache_key or f"key-{n}",
            "queue": "default",
        }
        for n in node_ids
    ]


def make_run(store: DuckDBWorkspaceStore, experiment: str = "exp", *node_ids: str, **kw):
    args = {
        "experiment": experiment,
        "name": "run",
        "spec": SPEC,
        "parameters": {"p": 1},
        "source": "ui",
        "force_rerun": False,
        "steps": steps(*(node_ids or ("a",))),
    }
    return store.create_run(**{**args, **kw})


def finish(store, run_id: str, node_id: str, outputs: dict, **fields):
    store.update_step(run_id, node_id, status=StepStatus.RUNNING)
    return store.update_step(
        run_id, node_id, status=StepStatus.COMPLETED, outputs=outputs, **fields
    )


class TestExperiments:
    def test_get_or_create_creates_once(self, store):
        """A second get_or_create returns the first experiment unchanged."""
        first = store.get_or_create_experiment("churn", "first")
        second = store.get_or_create_experiment("churn", "other")
        assert second == first
        assert first.description == "first" and first.run_count == 0
        assert first.created_at.tzinfo is UTC

    def test_missing_experiment_is_not_found(self, store):
        """Fetching an unknown experiment names it in a NotFoundError."""
        with pytest.raises(NotFoundError, match="No experiment 'nope' exists"):
            store.get_experiment("nope")

    def test_list_counts_runs_and_last_status(self, store):
        """Experiments are listed by name with their run count and newest run's status."""
        store.get_or_create_experiment("b-empty")
        make_run(store, "a-busy")
        newest = make_run(store, "a-busy")
        store.update_run(newest.id, status=RunStatus.FAILED)
        listed = store.list_experiments()
        assert [(e.name, e.run_count, e.last_status) for e in listed] == [
            ("a-busy", 2, RunStatus.FAILED),
            ("b-empty", 0, None),
        ]

    def test_blank_name_is_refused(self, store):
        """An experiment needs a non-blank name."""
        with pytest.raises(ValueError, match="non-blank"):
            store.get_or_create_experiment("  ")


class TestRuns:
    def test_create_run_records_snapshot_and_ordered_steps(self, store):
        """A run keeps its spec and parameters, and its steps in the order given."""
        run = make_run(store, "exp", "z", "a", "m", cloned_from="run_old")
        assert run.id.startswith("run_") and len(run.id) == 16
        assert store.get_run(run.id) == run
        assert run.status is RunStatus.QUEUED and run.source is RunSource.UI
        assert run.spec == SPEC and run.parameters == {"p": 1} and run.cloned_from == "run_old"
        listed = store.list_steps(run.id)
        assert [s.node_id for s in listed] == ["z", "a", "m"]
        assert all(s.run_id == run.id and s.status is StepStatus.PENDING for s in listed)
        assert store.get_experiment("exp").run_count == 1

    def test_create_run_accepts_step_entities(self, store):
        """StepRun objects are accepted and re-attached to the new run."""
        given = StepRun(
            run_id="",
            node_id="n",
            component_id="c",
            component_version=2,
            status=StepStatus.COMPLETED,
            reused=True,
            reused_from="run_prev",
            outputs={"out": "artifacts://objects/x.parquet"},
        )
        run = make_run(store, steps=[given])
        stored = store.get_step(run.id, "n")
        assert stored.run_id == run.id and stored.reused and stored.reused_from == "run_prev"
        assert stored.outputs == given.outputs

    def test_failed_step_insert_leaves_nothing(self, store):
        """If a step row cannot be written, neither the run nor its experiment is."""
        bad = steps("a", "b")
        bad[1]["component_version"] = "not a number"
        with pytest.raises(StorageError) as caught:
            make_run(store, "atomic", steps=bad)
        assert not isinstance(caught.value, duckdb.Error)
        assert store.count_runs() == 0
        assert store.list_experiments() == []

    def test_duplicate_node_ids_are_refused_atomically(self, store):
        """Two steps with one node id raise AlreadyExistsError and write nothing."""
        with pytest.raises(AlreadyExistsError, match="already exists"):
            make_run(store, steps=steps("a", "a"))
        assert store.count_runs() == 0

    def test_unknown_source_is_refused(self, store):
        """A run's source must be cli, ui, api or endpoint."""
        with pytest.raises(ValueError, match="'cron'"):
            make_run(store, source="cron")

    def test_missing_run_is_not_found(self, store):
        """Fetching or updating an unknown run names it."""
        with pytest.raises(NotFoundError, match="No run 'run_missing' exists"):
            store.get_run("run_missing")
        with pytest.raises(NotFoundError, match="No run 'run_missing' exists"):
            store.update_run("run_missing", status=RunStatus.RUNNING)
        with pytest.raises(NotFoundError, match="No run 'run_missing' exists"):
            store.list_steps("run_missing")

    def test_list_runs_newest_first_with_filters_and_paging(self, store):
        """list_runs pages newest first and filters; count_runs agrees with it."""
        created = [make_run(store, "even" if i % 2 == 0 else "odd") for i in range(5)]
        store.update_run(created[2].id, status=RunStatus.RUNNING)
        newest_first = [r.id for r in reversed(created)]
        assert [r.id for r in store.list_runs()] == newest_first
        assert [r.id for r in store.list_runs(limit=2, offset=1)] == newest_first[1:3]
        assert [r.id for r in store.list_runs(experiment="even")] == [
            created[4].id,
            created[2].id,
            created[0].id,
        ]
        assert [r.id for r in store.list_runs(status="running")] == [created[2].id]
        assert store.count_runs() == 5
        assert store.count_runs(experiment="even", status=RunStatus.QUEUED) == 2

    def test_list_active_runs_oldest_first(self, store):
        """Active runs are the queued and running ones, oldest first."""
        first, second, done = (make_run(store) for _ in range(3))
        store.update_run(second.id, status=RunStatus.RUNNING)
        store.update_run(done.id, status=RunStatus.COMPLETED)
        assert [r.id for r in store.list_active_runs()] == [first.id, second.id]

    def test_status_changes_stamp_times(self, store):
        """Running sets started_at, a final status sets finished_at; an error is kept."""
        run = make_run(store)
        running = store.update_run(run.id, status=RunStatus.RUNNING)
        assert running.started_at is not None and running.finished_at is None
        failed = store.update_run(run.id, status="failed", error="Step 'a' failed")
        assert failed.started_at == running.started_at
        assert failed.finished_at >= failed.started_at and failed.error == "Step 'a' failed"
        assert store.get_run(run.id) == failed

    @pytest.mark.parametrize(
        ("path", "refused"),
        [
            ([RunStatus.COMPLETED], RunStatus.RUNNING),
            ([RunStatus.RUNNING, RunStatus.FAILED], RunStatus.QUEUED),
            ([RunStatus.RUNNING], RunStatus.QUEUED),
            ([RunStatus.CANCELED], RunStatus.COMPLETED),
        ],
    )
    def test_refused_run_transitions(self, store, path, refused):
        """A run cannot go back, nor leave a final status, and a refusal changes nothing."""
        run = make_run(store)
        for status in path:
            store.update_run(run.id, status=status)
        with pytest.raises(
            ConflictError, match=f"is {path[-1].value}.* cannot become {refused.value}"
        ):
            store.update_run(run.id, status=refused)
        assert store.get_run(run.id).status is path[-1]

    def test_unknown_field_is_refused(self, store):
        """Only the updatable fields of a run may change."""
        run = make_run(store)
        with pytest.raises(ValueError, match=r"Cannot update run field\(s\) \['spec'\]"):
            store.update_run(run.id, spec={})


class TestSteps:
    def test_update_step_records_results(self, store):
        """A step's job, outputs, metrics, log and duration are stored."""
        run = make_run(store, "exp", "train")
        store.update_step(run.id, "train", status=StepStatus.QUEUED, job_id="job-1")
        done = finish(
            store,
            run.id,
            "train",
            {"model": "artifacts://objects/m.joblib"},
            metrics={"auc": 0.91},
            log_uri="artifacts://logs/r/train.log",
        )
        assert done == store.get_step(run.id, "train")
        assert done.job_id == "job-1" and done.metrics == {"auc": 0.91}
        assert done.duration_s is not None and done.duration_s >= 0
        assert done.finished_at >= done.started_at

    def test_given_times_are_kept_and_duration_derived(self, store):
        """Worker-reported times (naive ones taken as UTC) are stored with their duration."""
        run = make_run(store)
        start = datetime(2024, 5, 1, 12, 0, 0)
        store.update_step(run.id, "a", status="running", started_at=start)
        done = store.update_step(
            run.id, "a", status="completed", finished_at=datetime(2024, 5, 1, 12, 0, 3, tzinfo=UTC)
        )
        assert done.started_at == start.replace(tzinfo=UTC) and done.duration_s == 3.0

    def test_steps_may_skip_forward(self, store):
        """A step seen only once finished (after a restart, say) may jump to its final status."""
        run = make_run(store, "exp", "a", "b")
        skipped = store.update_step(
            run.id,
            "a",
            status=StepStatus.COMPLETED,
            outputs={"out": "artifacts://objects/o.parquet"},
        )
        assert skipped.finished_at is not None and skipped.duration_s is None
        assert store.update_step(run.id, "b", status="canceled").status is StepStatus.CANCELED

    def test_refused_step_transition(self, store):
        """A completed step cannot run again."""
        run = make_run(store)
        finish(store, run.id, "a", {"out": "artifacts://objects/o.parquet"})
        with pytest.raises(ConflictError, match="Step 'a' of run .* cannot become running"):
            store.update_step(run.id, "a", status=StepStatus.RUNNING)

    def test_missing_step_is_not_found(self, store):
        """Fetching an unknown step names the run and the node."""
        run = make_run(store)
        with pytest.raises(NotFoundError, match=f"Run '{run.id}' has no step 'zz'"):
            store.get_step(run.id, "zz")

    def test_find_reusable_step_picks_latest_completed_with_outputs(self, store):
        """Reuse takes the latest completed step with the key and outputs, reused or not."""
        key = "sha-abc"
        first = make_run(store, steps=steps("a", cache_key=key))
        finish(store, first.id, "a", {"out": "artifacts://objects/1.parquet"})
        no_outputs = make_run(store, steps=steps("a", cache_key=key))
        finish(store, no_outputs.id, "a", {})
        failed = make_run(store, steps=steps("a", cache_key=key))
        store.update_step(failed.id, "a", status=StepStatus.FAILED, error="boom")
        reused = make_run(store, steps=steps("a", cache_key=key))
        store.update_step(
            reused.id,
            "a",
            status=StepStatus.COMPLETED,
            reused=True,
            reused_from=first.id,
            outputs={"out": "artifacts://objects/1.parquet"},
            finished_at=datetime.now(UTC) + timedelta(seconds=1),
        )
        found = store.find_reusable_step(key)
        assert (found.run_id, found.reused, found.reused_from) == (reused.id, True, first.id)
        assert store.find_reusable_step("other-key") is None
        assert store.find_reusable_step("") is None

    def test_find_reusable_steps_answers_each_key_as_one_lookup_would(self, store):
        """Many keys at once: the latest qualifying step of each key, keys without one left
        out, the same steps `find_reusable_step` picks."""
        older = make_run(store, "exp", "a", "b")
        finish(store, older.id, "a", {"out": "artifacts://objects/1.parquet"})
        finish(store, older.id, "b", {"out": "artifacts://objects/2.parquet"})
        newer = make_run(store, "exp", "a")
        finish(
            store,
            newer.id,
            "a",
            {"out": "artifacts://objects/3.parquet"},
            finished_at=datetime.now(UTC) + timedelta(seconds=1),
        )
        found = store.find_reusable_steps(["key-a", "key-b", "key-none", ""])
        assert {k: (s.run_id, s.node_id) for k, s in found.items()} == {
            "key-a": (newer.id, "a"),
            "key-b": (older.id, "b"),
        }
        for key in ("key-a", "key-b"):
            assert store.find_reusable_step(key) == found[key]
        assert store.find_reusable_steps([]) == {}

    def test_run_recorded_completed_when_every_step_is(self, store):
        """A run that reuses every step is recorded completed, started, finished and with its
        summary metrics; one with a step still to run cannot be."""
        done = [{**step, "status": StepStatus.COMPLETED} for step in steps("a", "b")]
        run = make_run(store, steps=done, status=RunStatus.COMPLETED, summary_metrics={"R2": 1.0})
        assert run.status is RunStatus.COMPLETED
        assert run.started_at is not None and run.finished_at is not None
        assert store.get_run(run.id) == run
        assert store.run_summaries()[0][1] == {"R2": 1.0}
        with pytest.raises(ValueError, match="every step completed"):
            make_run(store, steps=[done[0], *steps("c")], status=RunStatus.COMPLETED)
        with pytest.raises(ValueError, match="Only a completed run"):
            make_run(store, status=RunStatus.RUNNING, summary_metrics={"R2": 1.0})
        assert store.count_runs() == 1

    def test_complete_run_ends_the_run_with_its_summary_metrics(self, store):
        """One transaction: the run completes (finished_at stamped) and keeps its metrics."""
        run = make_run(store, status=RunStatus.RUNNING)
        done = store.complete_run(run.id, {"R2": 0.5})
        assert done.status is RunStatus.COMPLETED and done.finished_at is not None
        [(listed, metrics)] = store.run_summaries()
        assert (listed.id, metrics) == (run.id, {"R2": 0.5})
        failed = make_run(store, status=RunStatus.RUNNING)
        store.update_run(failed.id, status=RunStatus.FAILED)
        with pytest.raises(ConflictError):  # a failed run cannot complete: nothing is written
            store.complete_run(failed.id, {"R2": 0.7})
        [(last, metrics), _] = store.run_summaries()
        assert (last.id, last.status, metrics) == (failed.id, RunStatus.FAILED, None)


class TestDatasets:
    def test_versions_increment_and_latest_is_default(self, store):
        """Each registration adds version latest + 1; None fetches the latest."""
        v1 = store.register_dataset_version(
            name="cars",
            uri="artifacts://objects/1.parquet",
            content_hash="1",
            row_count=93,
            columns=COLUMNS,
            source="sample",
            description="Cars93",
        )
        v2 = store.register_dataset_version(
            name="cars",
            uri="artifacts://objects/2.parquet",
            content_hash="2",
            row_count=90,
            columns=COLUMNS,
            source=DatasetSource.RUN,
        )
        assert (v1.version, v2.version) == (1, 2)
        assert store.get_dataset_version("cars") == v2
        assert store.get_dataset_version("cars", 1) == v1
        assert v1.columns == COLUMNS and v2.source is DatasetSource.RUN
        assert store.list_dataset_versions("cars") == [v1, v2]
        [cars] = store.list_datasets()
        assert (cars.name, cars.latest_version, cars.description) == ("cars", 2, "Cars93")

    def test_missing_dataset_or_version_is_not_found(self, store):
        """Unknown datasets and versions are named, with the latest version as a hint."""
        with pytest.raises(NotFoundError, match="No dataset 'ghost' exists"):
            store.get_dataset_version("ghost")
        with pytest.raises(NotFoundError, match="No dataset 'ghost' exists"):
            store.list_dataset_versions("ghost")
        store.register_dataset_version(
            name="d",
            uri="artifacts://objects/d.parquet",
            content_hash="d",
            row_count=1,
            columns=COLUMNS,
            source="upload",
        )
        with pytest.raises(NotFoundError, match=r"'d' has no version 5 \(the latest is 1\)"):
            store.get_dataset_version("d", 5)


class TestDrafts:
    def test_save_and_undo_walk_back_through_history(self, store):
        """Saves bump the revision; undo restores earlier specs, then has nothing left."""
        draft = store.create_draft(name="d", spec={"v": 1}, source_run_id="run_x")
        assert draft.id.startswith("draft_") and draft.revision == 1
        store.save_draft(draft.id, spec={"v": 2})
        saved = store.save_draft(draft.id, spec={"v": 3}, name="renamed", expected_revision=2)
        assert (saved.revision, saved.spec, saved.name) == (3, {"v": 3}, "renamed")
        undone = store.undo_draft(draft.id)
        assert (undone.spec, undone.revision, undone.name) == ({"v": 2}, 4, "renamed")
        assert store.undo_draft(draft.id).spec == {"v": 1}
        with pytest.raises(ConflictError, match=f"Draft '{draft.id}' has nothing to undo"):
            store.undo_draft(draft.id)
        assert store.get_draft(draft.id).source_run_id == "run_x"

    def test_stale_revision_is_refused(self, store):
        """A save based on an old revision is refused and changes nothing."""
        draft = store.create_draft(name="d", spec={"v": 1})
        store.save_draft(draft.id, spec={"v": 2}, expected_revision=1)
        with pytest.raises(ConflictError, match="now at revision 2"):
            store.save_draft(draft.id, spec={"v": "mine"}, expected_revision=1)
        assert store.get_draft(draft.id).spec == {"v": 2}

    def test_unchanged_autosave_keeps_revision(self, store):
        """Saving the same spec again is a no-op: no new revision, nothing to undo."""
        draft = store.create_draft(name="d", spec={"v": 1})
        assert store.save_draft(draft.id, spec={"v": 1}) == draft
        with pytest.raises(ConflictError, match="nothing to undo"):
            store.undo_draft(draft.id)

    def test_history_is_capped(self, store):
        """Undo goes back at most DRAFT_HISTORY_LIMIT saves."""
        draft = store.create_draft(name="d", spec={"v": 0})
        for i in range(1, DRAFT_HISTORY_LIMIT + 6):
            store.save_draft(draft.id, spec={"v": i})
        for _ in range(DRAFT_HISTORY_LIMIT):
            last = store.undo_draft(draft.id)
        assert last.spec == {"v": 5}
        with pytest.raises(ConflictError, match="nothing to undo"):
            store.undo_draft(draft.id)

    def test_list_and_delete(self, store):
        """Drafts are listed most recently saved first; a deleted draft is gone."""
        old = store.create_draft(name="old", spec={})
        new = store.create_draft(name="new", spec={})
        store.save_draft(old.id, spec={"touched": True})
        assert [d.id for d in store.list_drafts()] == [old.id, new.id]
        store.delete_draft(old.id)
        assert [d.id for d in store.list_drafts()] == [new.id]
        for call in (store.get_draft, store.delete_draft, store.undo_draft):
            with pytest.raises(NotFoundError, match=f"No draft '{old.id}' exists"):
                call(old.id)


class TestModelsAndCompute:
    def test_model_versions(self, store):
        """Model versions count per name and list by name then version."""
        a1 = store.register_model_version(
            name="rf", uri="artifacts://objects/1.joblib", run_id="run_1", node_id="train"
        )
        b1 = store.register_model_version(
            name="gb", uri="artifacts://objects/2.joblib", run_id="run_1", node_id="train2"
        )
        a2 = store.register_model_version(
            name="rf",
            uri="artifacts://objects/3.joblib",
            run_id="run_2",
            node_id="train",
            description="v2",
        )
        assert (a1.version, a2.version, b1.version) == (1, 2, 1)
        assert store.list_model_versions() == [b1, a1, a2]
        assert store.list_model_versions("rf") == [a1, a2]
        with pytest.raises(NotFoundError, match="No model 'xgb' exists"):
            store.list_model_versions("xgb")

    def test_migration_creates_the_default_target(self, store):
        """A new workspace has the `default` target on the `default` queue."""
        target = store.default_compute_target()
        assert (target.name, target.queue, target.is_default) == ("default", "default", True)
        assert store.list_compute_targets() == [target]

    def test_upsert_moves_the_default(self, store):
        """Making a target the default clears the flag on the previous one."""
        gpu = store.upsert_compute_target(name="gpu", queue="gpu-q", is_default=True)
        store.upsert_compute_target(name="gpu", queue="gpu-q2", description="A100", is_default=True)
        assert store.default_compute_target() == store.list_compute_targets()[1]
        assert store.default_compute_target().queue == "gpu-q2" and gpu.is_default
        assert [t.is_default for t in store.list_compute_targets()] == [False, True]

    def test_unsetting_the_only_default_is_refused(self, store):
        """The default target cannot stop being the default without a successor."""
        with pytest.raises(ConflictError, match="'default' is the default"):
            store.upsert_compute_target(name="default", queue="default", is_default=False)


class TestLifecycle:
    def test_reopening_applies_nothing_and_keeps_data(self, db_path):
        """Migrations run once, in order; a second open applies none and keeps the data."""
        with DuckDBWorkspaceStore(db_path) as first:
            applied = [(m.version, m.name) for m in first.applied_migrations]
            # Every migration file, in order (other features add theirs after these).
            assert applied == [(m.version, m.name) for m in available_migrations()]
            assert applied[:2] == [(1, "initial"), (2, "endpoints")]
            run = make_run(first)
        with DuckDBWorkspaceStore(db_path) as second:
            assert second.applied_migrations == ()
            assert second.get_run(run.id) == run
            assert len(second.list_compute_targets()) == 1
        with duckdb.connect(str(db_path)) as conn:
            tables = {
                r[0]
                for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()
            }
            recorded = conn.execute("SELECT version FROM schema_migrations").fetchall()
        assert {"published_pipelines", "realtime_endpoints", "draft_history"} <= tables
        assert sorted(recorded) == [(m.version,) for m in available_migrations()]

    def test_a_failing_migration_leaves_no_trace(self, tmp_path):
        """A migration that fails is rolled back and not recorded; earlier ones stay."""
        folder = tmp_path / "migrations"
        folder.mkdir()
        (folder / "0001_good.sql").write_text("CREATE TABLE good (x INTEGER);")
        (folder / "0002_bad.sql").write_text("CREATE TABLE half (x INTEGER); SELECT nope;")
        with duckdb.connect(str(tmp_path / "m.duckdb")) as conn:
            with pytest.raises(duckdb.Error, match="nope"):
                apply_migrations(conn, folder)
            tables = {
                r[0]
                for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()
            }
            assert conn.execute("SELECT version FROM schema_migrations").fetchall() == [(1,)]
        assert "good" in tables and "half" not in tables

    def test_newer_schema_is_refused(self, db_path):
        """A workspace migrated by a newer Flowbench is not opened."""
        DuckDBWorkspaceStore(db_path).close()
        with duckdb.connect(str(db_path)) as conn:
            conn.execute("INSERT INTO schema_migrations VALUES (9999, 'future', now())")
        with pytest.raises(StorageError, match="schema version 9999, newer"):
            DuckDBWorkspaceStore(db_path)

    def test_second_process_is_refused_with_a_clear_error(self, store, db_path):
        """While one process holds the file, another gets WorkspaceLockedError, not duckdb's."""
        code = (
            "from storage.duckdb_store import DuckDBWorkspaceStore\n"
            "from storage.errors import StorageError\n"
            "try:\n"
            f"    DuckDBWorkspaceStore({str(db_path)!r})\n"
            "except StorageError as exc:\n"
            "    print(type(exc).__name__)\n"
            "    print(exc)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            timeout=60,
            check=True,
        )
        kind, message = result.stdout.split("\n", 1)
        assert kind == WorkspaceLockedError.__name__
        assert "is already open in another process" in message
        assert f"(PID {os.getpid()})" in message

    def test_closed_store_refuses_calls(self, db_path):
        """After close, calls raise StorageError; closing again is harmless."""
        store = DuckDBWorkspaceStore(db_path)
        store.close()
        store.close()
        with pytest.raises(StorageError, match="closed"):
            store.list_runs()


class TestConcurrency:
    def test_parallel_step_updates_lose_nothing(self, store):
        """Eight threads updating steps, reading and registering versions lose no write."""
        nodes = [f"n{i}" for i in range(8)]
        run = make_run(store, "exp", *nodes)
        errors: list[BaseException] = []
        barrier = threading.Barrier(len(nodes))

        def work(node: str) -> None:
            try:
                barrier.wait()
                store.update_step(run.id, node, status=StepStatus.RUNNING, job_id=f"job-{node}")
                for i in range(10):
                    store.update_step(run.id, node, metrics={"i": i})
                    store.list_steps(run.id)
                store.update_step(
                    run.id,
                    node,
                    status=StepStatus.COMPLETED,
                    outputs={"out": f"artifacts://objects/{node}.parquet"},
                )
                store.register_dataset_version(
                    name="shared",
                    uri=f"artifacts://o/{node}",
                    content_hash=node,
                    row_count=1,
                    columns=[],
                    source="run",
                )
            except BaseException as exc:  # surfaced below, in the test's thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        final = store.list_steps(run.id)
        assert all(s.status is StepStatus.COMPLETED and s.metrics == {"i": 9} for s in final)
        assert {s.job_id for s in final} == {f"job-{n}" for n in nodes}
        versions = store.list_dataset_versions("shared")
        assert [v.version for v in versions] == list(range(1, 9))
        assert {v.content_hash for v in versions} == set(nodes)
