"""What every benchmark module shares: the row it reports and the stack it measures.

A benchmark module under bench/ takes part in `python -m bench` by defining

    def run() -> list[Row]: ...

returning one Row per figure: the Flowbench figure, a baseline measured in the same run, and the
target. Modules without `run` are ignored.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jobs.defaults import MATH_THREAD_VARIABLES

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Row:
    """One figure of the benchmark table.

    `ratio` is flowbench / baseline unless given (e.g. a speed-up, baseline / flowbench).
    """

    figure: str
    flowbench: float
    baseline: float | None
    unit: str
    target: str
    baseline_name: str = ""
    ratio: float | None = None

    @property
    def shown_ratio(self) -> float | None:
        if self.ratio is not None:
            return self.ratio
        if self.baseline:
            return self.flowbench / self.baseline
        return None


# One math thread, as a worker's steps have (see jobs.worker.work): for processes a benchmark
# starts, in their environment before their first import.
ONE_MATH_THREAD = dict.fromkeys(MATH_THREAD_VARIABLES, "1")


def bench_redis_url(default_db: int = 12) -> str:
    """REDIS_URL when set, else a database of its own on the local server."""
    return os.environ.get("REDIS_URL", f"redis://127.0.0.1:6379/{default_db}")


def timed(action: Callable[[], object]) -> float:
    """Seconds `action` took."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def percentile(values: list[float], share: float) -> float:
    """The `share` (0..1) percentile, by the nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def seed_runs(home: Path, count: int, experiments: int = 20) -> None:
    """Record `count` completed runs (one Evaluate step with metrics each) in the workspace at
    `home`, in bulk SQL: the control plane must not be running (it owns the file)."""
    import json

    import duckdb

    from storage import DuckDBWorkspaceStore

    DuckDBWorkspaceStore(home / "workspace.duckdb").close()  # creates and migrates the file
    spec = json.dumps(json.loads((ROOT / "examples" / "automobile_price.json").read_text()))
    with duckdb.connect(str(home / "workspace.duckdb")) as db:
        db.execute(
            "INSERT INTO experiments SELECT 'bench-' || i, '', now()::TIMESTAMP "
            "FROM range(?) t(i) ON CONFLICT DO NOTHING",
            [experiments],
        )
        db.execute(
            "INSERT INTO runs (id, experiment, name, status, spec, parameters, source, "
            "force_rerun, created_at, started_at, finished_at, summary_metrics) "
            "SELECT 'run_bench' || lpad(i::TEXT, 8, '0'), 'bench-' || (i % ?), 'run ' || i, "
            "'completed', ?, '{}', 'api', false, now()::TIMESTAMP, now()::TIMESTAMP, "
            "now()::TIMESTAMP + INTERVAL 1 SECOND, '{\"Mean_Absolute_Error\": ' || "
            "(i / 100.0) || ', \"R2\": 0.8}' FROM range(?) t(i)",
            [experiments, spec, count],
        )
        db.execute(
            "INSERT INTO step_runs (run_id, node_id, position, component_id, "
            "component_version, status, queue, metrics) "
            "SELECT 'run_bench' || lpad(i::TEXT, 8, '0'), 'evaluate', 0, 'evaluate_model', 1, "
            "'completed', 'default', '{\"Mean_Absolute_Error\": ' || (i / 100.0) || "
            "', \"R2\": 0.8}' FROM range(?) t(i)",
            [count],
        )
