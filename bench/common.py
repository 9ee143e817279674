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


def seed_runs(home: Path, count: int, experiments: int = 20, steps: int = 1) -> None:
    """Record `count` completed runs in the workspace at `home`, in bulk SQL: the control plane
    must not be running (it owns the file). Each run has an Evaluate step with metrics and
    `steps - 1` steps before it; run ids look like the store's own (12 hex digits, in no
    order), so that nothing finds a run faster for its place in the table."""
    import json

    import duckdb

    from storage import DuckDBWorkspaceStore

    DuckDBWorkspaceStore(home / "workspace.duckdb").close()  # creates and migrates the file
    spec = json.dumps(json.loads((ROOT / "examples" / "automobile_price.json").read_text()))
    run_id = "'run_' || substr(md5(i::TEXT), 1, 12)"
    with duckdb.connect(str(home / "workspace.duckdb")) as db:
        db.execute(
            "INSERT INTO experiments SELECT 'bench-' || i, '', now()::TIMESTAMP "
            "FROM range(?) t(i) ON CONFLICT DO NOTHING",
            [experiments],
        )
        db.execute(
            "INSERT INTO runs (id, experiment, name, status, spec, parameters, source, "
            "force_rerun, created_at, started_at, finished_at, summary_metrics) "
            f"SELECT {run_id}, 'bench-' || (i % ?), 'run ' || i, "
            "'completed', ?, '{}', 'api', false, now()::TIMESTAMP, now()::TIMESTAMP, "
            "now()::TIMESTAMP + INTERVAL 1 SECOND, '{\"Mean_Absolute_Error\": ' || "
            "(i / 100.0) || ', \"R2\": 0.8}' FROM range(?) t(i)",
            [experiments, spec, count],
        )
        db.execute(
            "INSERT INTO step_runs (run_id, node_id, position, component_id, "
            "component_version, status, queue, metrics) "
            f"SELECT {run_id}, if(s = ?, 'evaluate', 'step_' || s), s, "
            "if(s = ?, 'evaluate_model', 'select_columns'), 1, 'completed', 'default', "
            "if(s = ?, '{\"Mean_Absolute_Error\": ' || (i / 100.0) || ', \"R2\": 0.8}', '{}') "
            "FROM range(?) t(i), range(?) u(s) ORDER BY i, s",
            [steps - 1, steps - 1, steps - 1, count, steps],
        )
