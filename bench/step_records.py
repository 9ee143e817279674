"""Benchmark: a run's step records in a workspace of 100,000 runs, seven steps each.

What the control plane does with them on every run: it writes the ends of a run's steps in
one statement (with the run's end, or at the sweep), writes a failed or canceled step at once,
and reads the steps of a run it does not keep when a run page opens it. Flowbench finds a
run's rows by the run's index (storage/migrations/0012). Baseline, same run and rows: a copy
of the workspace without that index, with the statements as they were before it, which found
rows by the primary key (run_id, node_id); DuckDB never uses that key to find rows, and scans.
Target: as fast at 100,000 runs as in a new workspace (measured in the same run, shown in the
target column).
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from bench.common import Row, median, seed_runs, timed
from storage import DuckDBWorkspaceStore, StepStatus
from storage._duckdb_db import CONFIG
from tests.storage.test_unwritten_steps import new_run as new_test_run

RUNS = 100_000
STEPS = 7
REPEAT = 30
NODES = [f"step_{i}" for i in range(STEPS - 1)] + ["evaluate"]
ENDED = {
    "status": StepStatus.COMPLETED,
    "outputs": {"dataset": "artifacts://objects/0.parquet"},
    "log_uri": "logs/step.txt",
    "started_at": datetime(2026, 1, 1, tzinfo=UTC),
    "finished_at": datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC),
    "duration_s": 1.0,
}


def new_run(store: DuckDBWorkspaceStore) -> str:
    return new_test_run(store, nodes=NODES).id


def measure_flowbench(store: DuckDBWorkspaceStore, old_runs: list[str]) -> dict[str, float]:
    """Milliseconds (medians) of the store's own calls."""

    def ends_written() -> float:
        run_id = new_run(store)
        for node in NODES:
            store.update_step_later(run_id, node, **ENDED)
        return timed(store.write_unwritten)

    def step_failed() -> float:
        run_id = new_run(store)
        return timed(lambda: store.update_step(run_id, NODES[0], status=StepStatus.FAILED))

    steps_read = iter(old_runs)  # each read once: not kept by the store
    return {
        "ends": median([ends_written() for _ in range(REPEAT)]) * 1000,
        "failed": median([step_failed() for _ in range(REPEAT)]) * 1000,
        "read": median([timed(lambda: store.list_steps(next(steps_read))) for _ in range(REPEAT)])
        * 1000,
    }


def measure_before(path: Path, old_runs: list[str]) -> dict[str, float]:
    """The same work with the statements and schema before the run's index (the baseline)."""
    with duckdb.connect(str(path), config=CONFIG) as db:  # opened as the store opens it
        db.execute("DROP INDEX step_runs_run")
        counter = iter(range(10**9))

        def new_run_rows() -> str:
            run_id = f"run_before{next(counter):06d}"
            db.execute(
                "INSERT INTO step_runs (run_id, node_id, position, component_id, "
                "component_version, status, queue) SELECT ?, unnest(?), unnest(?), "
                "'select_columns', 1, 'pending', 'default'",
                [run_id, NODES, list(range(STEPS))],
            )
            return run_id

        def ends_written() -> float:
            run_id = new_run_rows()
            columns = ["status", "outputs", "log_uri", "duration_s"]
            types = ["VARCHAR", "VARCHAR", "VARCHAR", "DOUBLE"]
            values = [["completed"] * STEPS, ['{"dataset": "x"}'] * STEPS, ["l"] * STEPS]
            statement = (
                f"UPDATE step_runs SET {', '.join(f'{c} = v.{c}' for c in columns)} FROM "
                "(SELECT unnest(?::VARCHAR[]) AS run_id, unnest(?::VARCHAR[]) AS node_id, "
                + ", ".join(f"unnest(?::{t}[]) AS {c}" for c, t in zip(columns, types, strict=True))
                + ") v WHERE step_runs.run_id = v.run_id AND step_runs.node_id = v.node_id"
            )
            parameters = [[run_id] * STEPS, NODES, *values, [1.0] * STEPS]
            return timed(lambda: _in_transaction(db, statement, parameters))

        def step_failed() -> float:
            run_id = new_run_rows()
            statement = "UPDATE step_runs SET status = ? WHERE run_id = ? AND node_id = ?"
            return timed(lambda: _in_transaction(db, statement, ["failed", run_id, NODES[0]]))

        def read(run_id: str) -> float:
            statement = "SELECT * FROM step_runs WHERE run_id = ? ORDER BY position"
            return timed(lambda: db.execute(statement, [run_id]).fetchall())

        return {
            "ends": median([ends_written() for _ in range(REPEAT)]) * 1000,
            "failed": median([step_failed() for _ in range(REPEAT)]) * 1000,
            "read": median([read(run_id) for run_id in old_runs[:REPEAT]]) * 1000,
        }


def _in_transaction(db: duckdb.DuckDBPyConnection, statement: str, parameters: list) -> None:
    db.execute("BEGIN TRANSACTION")
    db.execute(statement, parameters)
    db.execute("COMMIT")


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        empty, full = Path(folder) / "empty", Path(folder) / "full"
        empty.mkdir()
        full.mkdir()
        seed_runs(empty, REPEAT, steps=STEPS)  # a new workspace: just the runs read
        seed_runs(full, RUNS, steps=STEPS)
        shutil.copy(full / "workspace.duckdb", Path(folder) / "before.duckdb")
        figures = {}
        for name, home in (("empty", empty), ("full", full)):
            with DuckDBWorkspaceStore(home / "workspace.duckdb") as store:
                old_runs = [run.id for run in store.list_runs(limit=REPEAT)]
                figures[name] = measure_flowbench(store, old_runs)
        before = measure_before(Path(folder) / "before.duckdb", old_runs)
    labels = {
        "ends": "a run's kept step ends written (one statement)",
        "failed": "a failed step written at once",
        "read": "an old run's steps read",
    }
    return [
        Row(
            f"{label}, at {RUNS:,} runs",
            figures["full"][key],
            before[key],
            "ms",
            f"as in a new workspace ({figures['empty'][key]:.1f} ms)",
            "without the index",
        )
        for key, label in labels.items()
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
