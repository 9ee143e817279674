"""What DuckDB does with the store's statements, read from DuckDB's own profile of the
statement the store last ran.

A run's steps are found by the run's index, not by scanning every step of the workspace: DuckDB
uses an index only for an equality on one indexed column that is a scan's one filter (never the
primary key (run_id, node_id)), and a statement that missed it cost 15 to 23 ms at 100,000
runs. A run's status changes in place: DuckDB turns an update of an indexed column into a delete
and an insert of the whole row.
"""

from __future__ import annotations

import json

import pytest

from storage import DuckDBWorkspaceStore, RunStatus, StepStatus
from storage._duckdb_rows import STEP_COLUMNS
from tests.storage.test_unwritten_steps import BY_RUN, DONE, in_database, kept, new_run

STATUS = STEP_COLUMNS.index("status")


@pytest.fixture
def store(tmp_path):
    with DuckDBWorkspaceStore(tmp_path / "workspace.duckdb") as opened:
        yield opened


def profiled(store, folder):
    """Profile the statements the calling thread's cursor runs; returns a function giving, for
    a table, what each scan of it in the last statement was (DuckDB's `extra_info`)."""
    output = folder / "profile.json"
    cursor = store.runs._db.cursor()
    cursor.execute("SET enable_profiling = 'json'")
    cursor.execute(f"SET profiling_output = '{output}'")

    def scans(table: str) -> list[dict]:
        found: list[dict] = []

        def walk(operator: dict) -> None:
            info = operator.get("extra_info", {})
            if operator.get("type") == "TABLE_SCAN" and info.get("Table", "").endswith(f".{table}"):
                found.append(info)
            for child in operator.get("children", []):
                walk(child)

        for operator in json.loads(output.read_text())["operator"]:
            walk(operator)
        return found

    return scans


def kinds(found: list[dict]) -> list[str]:
    return [info["Type"] for info in found]


def test_a_step_written_at_once_finds_its_run_by_index(store, tmp_path):
    runs = [new_run(store, nodes=("a", "b", "c")) for _ in range(3)]
    scans = profiled(store, tmp_path)
    store.update_step(runs[1].id, "b", status=StepStatus.RUNNING)
    assert kinds(scans("step_runs")) == ["Index Scan"]
    statuses = [row[STATUS] for row in in_database(store, runs[1].id)]
    assert statuses == ["pending", "running", "pending"]


def test_the_kept_changes_of_a_run_are_written_by_its_index(store, tmp_path):
    runs = [new_run(store, nodes=("a", "b", "c")) for _ in range(3)]
    store.update_step_later(runs[0].id, "a", **DONE)
    for node in ("b", "c"):  # two steps, the same column, each its own value
        store.update_step_later(runs[0].id, node, log_uri=f"logs/{node}.txt")
    seen = kept(store, runs[0].id)
    scans = profiled(store, tmp_path)
    store.write_unwritten()
    assert kinds(scans("step_runs")) == ["Index Scan"]
    assert in_database(store, runs[0].id) == seen
    assert all(row[STATUS] == "pending" for run in runs[1:] for row in in_database(store, run.id))


def test_the_kept_changes_of_many_runs_are_written_in_one_statement(store, tmp_path):
    runs = [new_run(store, nodes=("a",)) for _ in range(BY_RUN + 1)]
    for run in runs:
        store.update_step_later(run.id, "a", status=StepStatus.RUNNING)
    scans = profiled(store, tmp_path)
    store.write_unwritten()
    # One statement for them all (the last one the store ran wrote every run).
    assert kinds(scans("step_runs")) == ["Sequential Scan"]
    assert all(in_database(store, run.id)[0][STATUS] == "running" for run in runs)


def test_a_run_read_from_the_database_finds_its_steps_by_index(tmp_path):
    path = tmp_path / "workspace.duckdb"
    with DuckDBWorkspaceStore(path) as store:
        runs = [new_run(store, nodes=("a", "b")) for _ in range(3)]
    with DuckDBWorkspaceStore(path) as store:  # nothing kept: the steps are read
        scans = profiled(store, tmp_path)
        steps = store.list_steps(runs[2].id)
        assert kinds(scans("step_runs")) == ["Index Scan"]
        assert [(s.run_id, s.node_id) for s in steps] == [(runs[2].id, "a"), (runs[2].id, "b")]


def test_a_run_status_change_is_an_update_in_place(store, tmp_path):
    run = new_run(store)
    store.update_run(run.id, status=RunStatus.FAILED, error="stopped")  # kept: no read first
    scans = profiled(store, tmp_path)
    store.update_run(run.id, error="stopped, and told")
    (changed,) = scans("runs")
    run = new_run(store)
    store.update_run(run.id, status=RunStatus.COMPLETED)
    (moved,) = scans("runs")
    # In place, a status change reads no more of the row than another change does; as a delete
    # and an insert, it reads every column (the spec among them) to insert the row again.
    assert "spec" not in str(moved["Projections"])
    assert moved["Projections"] == changed["Projections"]
    assert store.get_run(run.id).status is RunStatus.COMPLETED
