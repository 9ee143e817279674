"""What repositories keep of their reads (dataset versions, compute targets, reusable steps,
runs and their steps) always answers as the database would now: each of their writes revises
or forgets it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage import DuckDBWorkspaceStore, RunStatus, StepStatus
from storage import _duckdb_rows as rows
from storage._duckdb_rows import STEP_COLUMNS
from storage.errors import ConflictError, NotFoundError
from storage.records._memo import Memo
from storage.records.runs import RUN_UPDATABLE, SELECTED_TYPES, STEP_UPDATABLE

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
    return record_run(store, [step], "completed" if done else "queued")


def record_run(store, steps: list[dict], status):
    """A run of `steps` (as `create_run` takes them) with `status`; the rest is filler."""
    return store.create_run(
        experiment="exp",
        name="run",
        spec={"nodes": []},
        parameters={},
        source="api",
        force_rerun=False,
        steps=steps,
        status=status,
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

    @pytest.mark.parametrize("completes", ["earlier", "later", "at the same time"])
    def test_a_step_that_completes_is_the_answer_only_if_it_finished_last(self, store, completes):
        """A step of an older run completes while a newer run's step with its key is kept as
        the answer: the later finished wins, and on a tie the newer run (as the query says)."""
        at = datetime.now(UTC)
        older = run_with(store, "k", done=False)
        newer = run_with(store, "k", done=True, at=at)
        assert store.find_reusable_steps(["k"])["k"].run_id == newer.id  # kept
        finish = {"earlier": at - timedelta(hours=1), "later": at + timedelta(hours=1)}
        store.update_step(
            older.id,
            "a",
            status=StepStatus.COMPLETED,
            outputs=OUT,
            finished_at=finish.get(completes, at),
        )
        expected = older.id if completes == "later" else newer.id
        assert store.find_reusable_steps(["k"])["k"].run_id == expected
        assert read_now(store, "k").run_id == expected

    def test_a_step_without_outputs_is_never_an_answer(self, store):
        run_with(store, "k", done=True, outputs={})
        assert store.find_reusable_steps(["k"]) == {} and read_now(store, "k") is None

    def test_a_step_moved_to_another_key_leaves_its_old_key(self, store):
        done = run_with(store, "k", done=True)
        assert store.find_reusable_steps(["k"])["k"].run_id == done.id
        store.update_step(done.id, "a", cache_key="other")
        assert store.find_reusable_steps(["k"]) == {}
        assert store.find_reusable_steps(["other"])["other"].run_id == done.id


class TestRunsAndSteps:
    @staticmethod
    def as_in_database(store, run_id):
        """The run and its steps read from the database, past anything kept."""
        with store.runs._db.reading() as cur:
            run = store.runs._select_run_row(cur, run_id)
            steps = cur.execute(
                "SELECT node_id, status, outputs, metrics, started_at, finished_at, duration_s, "
                "reused, error FROM step_runs WHERE run_id = ? ORDER BY position",
                [run_id],
            ).fetchall()
        return run, steps

    @staticmethod
    def as_kept(store, run_id):
        """The same, as the store answers it (from what it keeps, once read)."""
        run = store.runs._run_row(run_id)
        steps = [
            (
                s.node_id,
                s.status.value,
                json.dumps(s.outputs),
                json.dumps(s.metrics),
                s.started_at,
                s.finished_at,
                s.duration_s,
                s.reused,
                s.error,
            )
            for s in store.list_steps(run_id)
        ]
        return run, steps

    def same(self, store, run_id):
        kept = self.as_kept(store, run_id)
        assert store.runs._run_rows.get(run_id)[0] and store.runs._step_rows.get(run_id)[0]
        now = self.as_in_database(store, run_id)
        assert kept[0] == now[0]
        assert [_naive(row) for row in kept[1]] == now[1]
        status, steps = store.run_progress(run_id)
        assert (status.value, [s.value for s in steps]) == (
            now[0][rows.RUN_COLUMNS.index("status")],
            [row[1] for row in now[1]],
        )

    def test_a_recorded_run_is_kept_as_the_database_holds_it(self, store):
        reused = {
            "node_id": "r",
            "component_id": "comp",
            "component_version": 1,
            "queue": "default",
            "status": StepStatus.COMPLETED,
            "reused": True,
            "outputs": OUT,
            "metrics": {"MAE": 1.5},
            "started_at": datetime.now(UTC),
            "finished_at": datetime.now(UTC),
            "duration_s": 0,  # an int given, a DOUBLE read back
        }
        run = store.create_run(
            experiment="exp",
            name="run",
            spec={"nodes": [{"id": "r"}, {"id": "a"}]},
            parameters={"p": 1},
            source="api",
            force_rerun=False,
            steps=[reused, {"node_id": "a", "component_id": "c", "component_version": 2}],
        )
        self.same(store, run.id)
        assert repr(store.get_step(run.id, "r").duration_s) == "0.0"  # as a fresh read gives

    def test_every_write_of_a_run_or_step_is_seen_by_the_next_read(self, store):
        run = run_with(store, "k", done=False)
        self.same(store, run.id)
        store.update_run(run.id, status=RunStatus.RUNNING)
        store.update_step(run.id, "a", status=StepStatus.RUNNING)
        self.same(store, run.id)
        assert store.get_step(run.id, "a").status is StepStatus.RUNNING
        store.update_step(run.id, "a", status=StepStatus.COMPLETED, outputs=OUT, metrics={"m": 2})
        store.complete_run(run.id, {"m": 2.0})
        self.same(store, run.id)
        assert store.get_run(run.id).status is RunStatus.COMPLETED
        assert store.get_step(run.id, "a").metrics == {"m": 2}
        assert store.run_summaries()[0][1] == {"m": 2.0}

    @staticmethod
    def whole_rows(store, run_id):
        """Every column of the run's row and its steps' rows: kept, then read from the database."""
        kept = (store.runs._run_row(run_id), store.runs._step_rows_of(run_id))
        with store.runs._db.reading() as cur:
            run = store.runs._select_run_row(cur, run_id)
            steps = cur.execute(
                f"SELECT {', '.join(STEP_COLUMNS)} FROM step_runs WHERE run_id = ? "
                "ORDER BY position",
                [run_id],
            ).fetchall()
        return kept, (run, tuple(steps))

    @pytest.mark.parametrize(
        "fields",
        [
            {"status": StepStatus.RUNNING},
            {"status": "running", "started_at": datetime(2026, 1, 2, 3, 4, 5, 678901)},
            {"started_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5)))},
            {"started_at": "2026-01-02 03:04:05.5"},  # a text the database converts
            {"duration_s": 3},  # an int, read back as a DOUBLE
            {"duration_s": 2.5, "reused": True, "reused_from": "run_x"},
            {"reused": 1},  # an int the database converts
            {"outputs": OUT, "metrics": {"m": 0.1}, "log_uri": "logs/a.txt"},
            {"error": "a\x00b é", "job_id": None, "queue": "gpu", "cache_key": ""},
            {"status": StepStatus.FAILED, "error": "boom"},
        ],
    )
    def test_a_step_update_keeps_the_row_the_database_holds(self, store, fields):
        run = run_with(store, "k", done=False)
        store.update_step(run.id, "a", **fields)
        kept, now = self.whole_rows(store, run.id)
        assert kept == now
        assert [type(v) for v in kept[1][0]] == [type(v) for v in now[1][0]]

    @pytest.mark.parametrize(
        "fields",
        [
            {"status": RunStatus.RUNNING},
            {"status": "failed", "error": "x", "finished_at": datetime.now(UTC)},
            {"name": "renamed", "published_pipeline_id": "pp_1"},
            {"started_at": "2026-01-02T03:04:05"},  # a text the database converts
        ],
    )
    def test_a_run_update_keeps_the_row_the_database_holds(self, store, fields):
        run = run_with(store, "k", done=False)
        store.update_run(run.id, **fields)
        kept, now = self.whole_rows(store, run.id)
        assert kept == now
        assert [type(v) for v in kept[0]] == [type(v) for v in now[0]]

    def test_the_types_a_select_returns_are_the_columns_types(self, store):
        """What `_revised` assumes of each updatable column, against the schema."""
        python_type = {"VARCHAR": str, "BOOLEAN": bool, "TIMESTAMP": datetime, "DOUBLE": float}
        with store.runs._db.reading() as cur:
            for table, updatable in (("runs", RUN_UPDATABLE), ("step_runs", STEP_UPDATABLE)):
                declared = dict(
                    cur.execute(
                        "SELECT column_name, data_type FROM "
                        "information_schema.columns WHERE table_name = ?",
                        [table],
                    ).fetchall()
                )
                for column in updatable:
                    assert python_type[declared[column]] is SELECTED_TYPES.get(column, str), column

    def test_active_runs_are_listed_as_the_database_holds_them(self, tmp_path):
        """From kept rows where there are some, else read (a store opened again keeps none)."""
        path = tmp_path / "again.duckdb"
        with DuckDBWorkspaceStore(path) as first:
            old = [run_with(first, "k", done=False) for _ in range(2)]
            first.update_run(old[1].id, status=RunStatus.RUNNING)
        with DuckDBWorkspaceStore(path) as store:
            assert not store.runs._run_rows.get(old[0].id)[0]
            assert store.list_active_runs() == [store.get_run(run.id) for run in old]
            assert store.runs._run_rows.get(old[0].id)[0]  # kept from the listing's read
            new = run_with(store, "k", done=False)
            store.update_run(old[0].id, status=RunStatus.CANCELED)
            store.update_run(new.id, name="renamed")
            listed = store.list_active_runs()
            assert [(r.id, r.status, r.name) for r in listed] == [
                (old[1].id, RunStatus.RUNNING, "run"),
                (new.id, RunStatus.QUEUED, "renamed"),
            ]
            with store.runs._db.reading() as cur:
                assert listed == [
                    rows.run_from_row(store.runs._select_run_row(cur, r.id)) for r in listed
                ]

    def test_a_refused_write_changes_nothing_kept(self, store):
        run = run_with(store, "k", done=True)
        with pytest.raises(ConflictError):
            store.update_run(run.id, status=RunStatus.RUNNING)
        with pytest.raises(ConflictError):
            store.update_step(run.id, "a", status=StepStatus.RUNNING)
        self.same(store, run.id)
        assert store.get_run(run.id).status is RunStatus.COMPLETED

    def test_each_caller_gets_its_own_run_and_steps(self, store):
        run = run_with(store, "k", done=True)
        store.get_run(run.id).spec["nodes"].append("mine")
        store.list_steps(run.id)[0].outputs["mine"] = "x"
        assert store.get_run(run.id).spec == {"nodes": []}
        assert store.get_step(run.id, "a").outputs == OUT

    def test_unknown_runs_and_steps_are_not_found(self, store):
        run = run_with(store, "k", done=False)
        for _ in range(2):
            with pytest.raises(NotFoundError, match="No run 'nope' exists"):
                store.get_run("nope")
            with pytest.raises(NotFoundError, match="No run 'nope' exists"):
                store.list_steps("nope")
            with pytest.raises(NotFoundError, match="has no step 'b'"):
                store.get_step(run.id, "b")
            with pytest.raises(NotFoundError, match="has no step 'b'"):
                store.update_step(run.id, "b", error="x")


def _naive(row):
    """A step's row with its times as the database keeps them (naive UTC)."""
    return tuple(
        value.astimezone(UTC).replace(tzinfo=None)
        if isinstance(value, datetime) and value.tzinfo
        else value
        for value in row
    )


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
