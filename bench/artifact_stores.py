"""Benchmark: the artifact store on a local folder next to Azure Blob Storage (Azurite).

Prints, in one run:
- the tutorial through the control plane, Redis and two forking workers, with artifacts in the
  local folder and in Azurite: wall time from submit to completion (every step executed), the
  overhead per step over the in-process floor, and an unchanged resubmit (every step reused);
- a 1,000,000-row table written and read (content hash checked) through each store, next to
  pyarrow writing and reading the same Parquet bytes to and from a local file (the floor);
  "streamed" is the path of tables over the spool limit (32 MiB in Arrow; this one is 28 MiB):
  Parquet streamed through a hashing sink into a staging object, then given its name.

`python bench/artifact_stores.py table` (or `tutorial`) runs one part only.

Uses REDIS_URL if set, else redis://127.0.0.1:6379/12 (flushed); Azurite as the tests find it
(.ci/azurite, FLOWBENCH_AZURITE or PATH), on a free loopback port, in memory.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from redis import Redis  # noqa: E402

from jobs.local import run_locally  # noqa: E402
from jobs.pipeline import PipelineSpec  # noqa: E402
from storage.artifacts import ArtifactStore  # noqa: E402
from storage.samples import load_sample  # noqa: E402
from tests.conftest import make_stack, start_azurite  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))
ROWS = 1_000_000


def measure(parts: list[str]) -> dict[str, object]:
    """Run the parts ("tutorial", "table"), printing each as it ends; their figures by part."""
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
    if "REDIS_URL" not in os.environ:
        Redis.from_url(redis_url).flushdb()
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as scratch:
        azurite = start_azurite(Path(scratch) / "azurite")
        try:
            azure_env = {
                "FLOWBENCH_ARTIFACTS": "az://bench/ws",
                "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
            }
            if "tutorial" in parts:
                figures["tutorial"] = _tutorial(redis_url, azure_env)
            if "table" in parts:
                figures["table"] = _big_table(Path(scratch), azure_env)
        finally:
            azurite.stop()
    return figures


def run() -> list:
    """Rows for `python -m bench`: Azurite against the local folder, each over its floor."""
    from bench.common import Row

    with contextlib.redirect_stdout(io.StringIO()):
        figures = measure(["tutorial", "table"])
    floor, by_store = figures["tutorial"]  # type: ignore[misc]
    (local_run, _), (azure_run, _) = by_store.values()
    rows = [
        Row(
            "tutorial submit to completion, Azurite artifacts",
            azure_run * 1000,
            local_run * 1000,
            "ms",
            "",
            "local folder",
        ),
        Row(
            "tutorial submit to completion, local folder",
            local_run * 1000,
            floor * 1000,
            "ms",
            "",
            "in-process floor",
        ),
    ]
    (write_floor, read_floor), stores = figures["table"]  # type: ignore[misc]
    for name, (write, read) in stores.items():
        rows.append(
            Row(
                f"{ROWS:,}-row table write, {name}",
                write * 1000,
                write_floor * 1000,
                "ms",
                "",
                "pyarrow local file",
            )
        )
        rows.append(
            Row(
                f"{ROWS:,}-row table read, {name}",
                read * 1000,
                read_floor * 1000,
                "ms",
                "",
                "pyarrow local file",
            )
        )
    return rows


def main() -> None:
    measure(sys.argv[1:] or ["tutorial", "table"])


def _tutorial(
    redis_url: str, azure_env: dict[str, str]
) -> tuple[float, dict[str, tuple[float, float]]]:
    document = json.loads((ROOT / "examples" / "automobile_price.json").read_text())
    spec = PipelineSpec.from_dict(document)
    steps = sum(1 for n in spec.nodes if not n.is_dataset)
    data = load_sample("automobile-price")
    with contextlib.redirect_stdout(io.StringIO()):  # components narrate for the step log
        run_locally(spec, lambda n, v: data)  # warm imports
        floor = statistics.median(
            _timed(lambda: run_locally(spec, lambda n, v: data)) for _ in range(REPEATS)
        )
    figures = {
        name: _queued(document, redis_url, env)
        for name, env in (("local folder", {}), ("Azurite", azure_env))
    }
    print(f"tutorial pipeline, {steps} steps, two forking workers, median of {REPEATS}")
    print(f"  floor (in-process, no I/O)              {floor * 1000:8.1f} ms")
    for name, (queued, reused) in figures.items():
        print(
            f"  {name:<13} submit to completion {queued * 1000:8.1f} ms   overhead per "
            f"step {(queued - floor) / steps * 1000:6.1f} ms   resubmit (reused) "
            f"{reused * 1000:7.1f} ms"
        )
    (local_run, local_reused), (azure_run, azure_reused) = figures.values()
    print(
        f"  Azurite / local folder: run {azure_run / local_run:5.2f}x, per-step overhead "
        f"{(azure_run - floor) / max(local_run - floor, 1e-9):5.2f}x, resubmit "
        f"{azure_reused / local_reused:5.2f}x"
    )
    return floor, figures


def _queued(document: dict, redis_url: str, env: dict[str, str]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as home:
        stack = make_stack(Path(home), redis_url, **env)
        stack.start_api()
        stack.start_worker("bench-1")
        stack.start_worker("bench-2")
        try:
            client = stack.client()
            client.wait(client.submit(document, experiment="warm-up", force_rerun=True).id)
            queued = statistics.median(
                _timed(
                    lambda: _check(
                        client.wait(
                            client.submit(document, experiment="bench", force_rerun=True).id,
                            poll=0.02,
                        )
                    )
                )
                for _ in range(REPEATS)
            )
            reused = statistics.median(
                _timed(
                    lambda: _check(
                        client.wait(client.submit(document, experiment="bench").id, poll=0.02),
                        reused=True,
                    )
                )
                for _ in range(REPEATS)
            )
        finally:
            stack.stop_all()
    return queued, reused


def _big_table(
    scratch: Path, azure_env: dict[str, str]
) -> tuple[tuple[float, float], dict[str, tuple[float, float]]]:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=ROWS),
            "n": rng.integers(0, 10**9, ROWS),
            "name": pd.Series(rng.choice(["alpha", "beta", "gamma", "delta"], ROWS), dtype="str"),
            "kind": pd.Categorical(rng.choice(["a", "b", "c"], ROWS)),
            "flag": rng.random(ROWS) < 0.5,
        }
    )
    table = pa.Table.from_pandas(df, preserve_index=False)
    path = scratch / "floor.parquet"
    write_floor = _median(lambda: pq.write_table(table, path))
    read_floor = _median(lambda: pq.read_table(path).to_pandas())
    stores = {
        "local folder": ArtifactStore(scratch / "artifacts"),
        "local, streamed": ArtifactStore(scratch / "streamed", spool_limit=2**20),
        "Azurite": ArtifactStore(azure_env["FLOWBENCH_ARTIFACTS"], env=azure_env),
        "Azurite, streamed": ArtifactStore("az://bench/streamed", env=azure_env, spool_limit=2**20),
    }
    stores["Azurite"].check()
    timings: dict[str, tuple[float, float]] = {}
    print(
        f"\n{ROWS:,}-row table ({table.nbytes / 2**20:.0f} MiB in Arrow, "
        f"{path.stat().st_size / 2**20:.1f} MiB as Parquet), median of {REPEATS}"
    )
    print(
        f"  pyarrow, local file (floor)   write {write_floor * 1000:7.1f} ms   "
        f"read {read_floor * 1000:7.1f} ms"
    )
    for name, store in stores.items():
        ref = store.put_table(df)
        # Every write after the first finds the object and stops: time fresh writes by
        # storing a different table each time (one changed cell).
        variants = iter(range(1, REPEATS + 1))

        def fresh_write(store: ArtifactStore = store, variants=variants) -> None:
            changed = df.copy(deep=False)
            changed.loc[0, "x"] = float(next(variants))
            store.put_table(changed)

        write = _median(fresh_write)
        read = _median(lambda store=store, uri=ref.uri: store.get_table(uri))
        print(
            f"  {name:<18}            write {write * 1000:7.1f} ms "
            f"({write / write_floor:4.2f}x)   read {read * 1000:7.1f} ms "
            f"({read / read_floor:4.2f}x, content hash checked)"
        )
        timings[name] = (write, read)
    return (write_floor, read_floor), timings


def _median(action) -> float:
    return statistics.median(_timed(action) for _ in range(REPEATS))


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _check(detail, reused: bool = False):
    if detail.run.status.value != "completed":
        raise SystemExit(f"run {detail.run.id} ended {detail.run.status.value}: {detail.run.error}")
    if reused and not all(s.reused for s in detail.steps):
        raise SystemExit("the resubmit did not reuse every step")
    return detail


if __name__ == "__main__":
    main()
