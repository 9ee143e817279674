"""Step changes kept before they are written (`update_step_later`): every read sees them at
once, and the database gets exactly them with the run's next write, the next synchronous
update of its steps, `write_unwritten` or the store's closing; a refused write loses none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage import DuckDBWorkspaceStore, RunStatus, StepStatus
from storage._duckdb_rows import STEP_COLUMNS
from storage.errors import ConflictError
from storage.records.runs import _RUNS_WRITTEN_ONE_BY_ONE
from tests.storage.test_read_memo import record_run

# Past this many runs, kept changes are written by one joined statement, not one per run.
BY_RUN = _RUNS_WRITTEN_ONE_BY_ONE
OUT = {"scored": "artifacts://objects/1.parquet"}
DONE = {
    "status": StepStatus.COMPLETED,
    "outputs": OUT,
    "metrics": {"MAE": 1.25},
    "log_uri": "logs/a.txt",
    "started_at": datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
    "finished_at": datetime(2026, 1, 2, 3, 4, 6, tzinfo=UTC),
    "duration_s": 0.876544,
}


@pytest.fixture
def store(tmp_path):
    with DuckDBWorkspaceStore(tmp_path / "workspace.duckdb") as opened:
        yield opened


def new_run(store, nodes=("a", "b"), key: str = ""):
    steps = [
        {
            "node_id": node,
            "component_id": "comp",
            "component_version": 1,
            "cache_key": f"{key}{node}" if key else "",
            "queue": "default",
        }
        for node in nodes
    ]
    return record_run(store, steps, RunStatus.RUNNING)


def in_database(store, run_id):
    """The run's step rows as the database holds them, every column, past anything kept."""
    with store.runs._db.reading() as cur:
        return cur.execute(
            f"SELECT {', '.join(STEP_COLUMNS)} FROM step_runs WHERE run_id = ? ORDER BY position",
            [run_id],
        ).fetchall()


def kept(store, run_id):
    return [tuple(row) for row in store.runs._step_rows_of(run_id)]


class TestReads:
    def test_every_read_sees_a_change_the_database_does_not_have_yet(self, store):
        run = new_run(store, key="k-")
        before = in_database(store, run.id)
        step = store.update_step_later(run.id, "a", **DONE)
        assert in_database(store, run.id) == before  # nothing written
        assert step.status is StepStatus.COMPLETED and step.outputs == OUT
        assert store.get_step(run.id, "a") == step
        assert store.list_steps(run.id)[0] == step
        assert store.run_progress(run.id) == (
            RunStatus.RUNNING,
            [StepStatus.COMPLETED, StepStatus.PENDING],
        )
        assert store.step_metrics([run.id]) == {run.id: [{"MAE": 1.25}]}
        assert store.find_reusable_steps(["k-a"])["k-a"] == step

    def test_a_read_after_the_kept_rows_were_dropped_still_sees_it(self, store):
        run = new_run(store)
        store.update_step_later(run.id, "a", **DONE)
        store.runs._step_rows.written([run.id])  # as when evicted: read from the database
        assert store.get_step(run.id, "a").status is StepStatus.COMPLETED
        assert store.get_step(run.id, "b").status is StepStatus.PENDING
        store.runs._step_rows.written([run.id])
        store.update_step_later(run.id, "a", error="noted")  # changes the change, not the old row
        store.write_unwritten()
        a = store.get_step(run.id, "a")
        assert (a.status, a.outputs, a.error) == (StepStatus.COMPLETED, OUT, "noted")
        assert in_database(store, run.id) == kept(store, run.id)

    def test_the_reusable_steps_query_sees_a_step_not_written_yet(self, store):
        run = new_run(store, key="k-")
        step = store.update_step_later(run.id, "a", **DONE)
        store.runs._reusable.written(None)  # nothing kept: the next lookup queries
        assert store.find_reusable_steps(["k-a", "k-b"]) == {"k-a": step}


class TestWrites:
    @pytest.mark.parametrize(
        "fields",
        [
            DONE,
            {"status": StepStatus.RUNNING},  # the start time stamped
            {"status": StepStatus.FAILED, "error": "a\x00b é"},  # finish time and duration
            {"started_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5)))},
            {"duration_s": 3, "reused": True, "reused_from": "run_x"},  # an int, a DOUBLE
            {"error": None, "job_id": None, "log_uri": None},  # every value of a column NULL
            {"queue": "gpu", "cache_key": "other"},
        ],
    )
    @pytest.mark.parametrize("other_runs", [0, BY_RUN], ids=["by its run", "joined"])
    def test_the_database_gets_the_row_every_read_saw(self, store, fields, other_runs):
        run = new_run(store)
        for other in [new_run(store) for _ in range(other_runs)]:
            store.update_step_later(other.id, "b", status=StepStatus.RUNNING)
        store.update_step_later(run.id, "a", **fields)
        seen = kept(store, run.id)
        store.write_unwritten()
        written = in_database(store, run.id)
        assert written == seen
        assert [type(v) for v in written[0]] == [type(v) for v in seen[0]]
        assert not store.runs._unwritten

    def test_a_value_the_database_converts_is_written_at_once(self, store):
        run = new_run(store)
        step = store.update_step_later(run.id, "b", started_at="2026-01-02 03:04:05.5")
        assert in_database(store, run.id)[1][STEP_COLUMNS.index("started_at")] == datetime(
            2026, 1, 2, 3, 4, 5, 500000
        )
        assert step.node_id == "b"  # read back
        assert step.started_at == datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)
        assert not store.runs._unwritten

    @pytest.mark.parametrize("count", [3, BY_RUN + 2], ids=["each by its run", "joined"])
    def test_changes_of_many_runs_and_columns_are_written_together(self, store, count):
        runs = [new_run(store) for _ in range(count)]
        for run in runs[2:]:
            store.update_step_later(run.id, "a", status=StepStatus.QUEUED)
        store.update_step_later(runs[0].id, "a", **DONE)
        store.update_step_later(runs[0].id, "b", status=StepStatus.RUNNING)
        store.update_step_later(runs[1].id, "b", error="late")
        store.update_step_later(runs[1].id, "b", status=StepStatus.FAILED)  # the same step again
        seen = {run.id: kept(store, run.id) for run in runs}
        store.write_unwritten()
        assert {run.id: in_database(store, run.id) for run in runs} == seen
        failed = store.get_step(runs[1].id, "b")
        assert (failed.status, failed.error) == (StepStatus.FAILED, "late")

    def test_a_run_that_ends_writes_its_steps_in_the_same_transaction(self, store):
        run = new_run(store, nodes=("a",))
        store.update_step_later(run.id, "a", **DONE)
        store.complete_run(run.id, {"MAE": 1.25})
        assert not store.runs._unwritten
        (row,) = in_database(store, run.id)
        assert row[STEP_COLUMNS.index("status")] == "completed"
        assert store.run_summaries()[0][1] == {"MAE": 1.25}

    def test_a_refused_run_write_loses_no_step_change(self, store):
        run = new_run(store)
        store.update_step_later(run.id, "a", **DONE)
        before = in_database(store, run.id)
        with pytest.raises(ConflictError):
            store.update_run(run.id, status=RunStatus.QUEUED)  # running cannot go back
        assert in_database(store, run.id) == before  # rolled back, the steps' write with it
        assert store.get_step(run.id, "a").status is StepStatus.COMPLETED
        store.write_unwritten()
        assert in_database(store, run.id)[0][STEP_COLUMNS.index("status")] == "completed"

    def test_a_synchronous_update_after_a_kept_one_keeps_both(self, store):
        """The kept change is written first, with the whole row as seen; the later one is not
        overwritten by it, whichever columns each changed."""
        run = new_run(store)
        store.update_step_later(run.id, "a", **DONE)
        store.update_step(run.id, "a", log_uri="logs/moved.txt")
        store.update_step_later(run.id, "b", status=StepStatus.RUNNING)
        store.update_step(run.id, "a", error="noted")
        store.write_unwritten()
        a, b = in_database(store, run.id)
        column = STEP_COLUMNS.index
        assert (a[column("status")], a[column("log_uri")], a[column("error")]) == (
            "completed",
            "logs/moved.txt",
            "noted",
        )
        assert b[column("status")] == "running"
        assert [a, b] == kept(store, run.id)

    def test_a_status_move_not_allowed_is_refused_at_once(self, store):
        run = new_run(store)
        store.update_step_later(run.id, "a", **DONE)
        with pytest.raises(ConflictError, match="Step 'a'"):
            store.update_step_later(run.id, "a", status=StepStatus.RUNNING)
        assert store.get_step(run.id, "a").status is StepStatus.COMPLETED

    def test_closing_the_store_writes_what_it_kept(self, tmp_path):
        path = tmp_path / "workspace.duckdb"
        with DuckDBWorkspaceStore(path) as store:
            run = new_run(store)
            store.update_step_later(run.id, "a", **DONE)
            seen = kept(store, run.id)
        with DuckDBWorkspaceStore(path) as reopened:
            assert in_database(reopened, run.id) == seen
            assert reopened.get_step(run.id, "a").outputs == OUT
