"""Benchmark: the tutorial pipeline through Redis and two workers, against the in-process floor.

Prints, in one run:
- floor: the same components called one after another in this process on the same data;
- queued: wall time from submit to completion through the control plane, Redis and two worker
  processes (every step executed: force rerun), with forking workers (the default) and with
  `--no-fork` workers;
- overhead per step = (queued - floor) / steps, and the ratio queued / floor;
- reused: wall time of an unchanged resubmit (every step reused).
Targets (issue 11): overhead under 30 ms per step forking, under 15 ms with --no-fork; a
fully reused run kept around 50-85 ms. `run()` gives the rows of `python -m bench`.

Uses REDIS_URL if set, else redis://127.0.0.1:6379/12 (flushed), and a temporary workspace.
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

from redis import Redis  # noqa: E402

from jobs.local import run_locally  # noqa: E402
from jobs.pipeline import PipelineSpec  # noqa: E402
from storage.samples import load_sample  # noqa: E402
from tests.conftest import make_stack  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))


def run() -> list:
    """Rows for `python -m bench`."""
    from bench.common import Row

    steps, floor, figures = measure()
    rows = []
    for fork, (queued, reused) in figures.items():
        label = "forking workers" if fork else "--no-fork workers"
        target = "< 30 ms" if fork else "< 15 ms"
        rows.append(
            Row(
                f"tutorial, submit to completion, {label}",
                queued * 1000,
                floor * 1000,
                "ms",
                f"overhead {target}/step",
                "in-process floor",
            )
        )
        rows.append(
            Row(f"per-step overhead, {label}", (queued - floor) / steps * 1000, None, "ms", target)
        )
        rows.append(
            Row(
                f"fully reused resubmit, {label}",
                reused * 1000,
                floor * 1000,
                "ms",
                "keep (51-84 ms)",
                "in-process floor",
            )
        )
    return rows


def measure() -> tuple[int, float, dict[bool, tuple[float, float]]]:
    """Steps, the in-process floor, and per worker kind (forking or not) queued and reused."""
    document = json.loads((ROOT / "examples" / "automobile_price.json").read_text())
    spec = PipelineSpec.from_dict(document)
    steps = sum(1 for n in spec.nodes if not n.is_dataset)
    data = load_sample("automobile-price")
    with contextlib.redirect_stdout(io.StringIO()):  # components narrate for the step log
        run_locally(spec, lambda n, v: data)  # warm imports
        floor = statistics.median(
            _timed(lambda: run_locally(spec, lambda n, v: data)) for _ in range(REPEATS)
        )
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
    if "REDIS_URL" not in os.environ:
        Redis.from_url(redis_url).flushdb()
    figures = {fork: _queued(document, redis_url, fork) for fork in (True, False)}
    return steps, floor, figures


def main() -> None:
    steps, floor, figures = measure()
    print(f"tutorial pipeline, {steps} steps, median of {REPEATS}")
    print(f"  floor (in-process, no I/O)        {floor * 1000:8.1f} ms")
    for fork, (queued, reused) in figures.items():
        label = "forking workers" if fork else "--no-fork workers"
        print(
            f"  {label}: submit to completion {queued * 1000:8.1f} ms   "
            f"ratio {queued / floor:5.2f}x   overhead per step "
            f"{(queued - floor) / steps * 1000:6.1f} ms (target < {30 if fork else 15})"
        )
        print(f"  {label}: unchanged resubmit   {reused * 1000:8.1f} ms")


def _queued(document: dict, redis_url: str, fork: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as home:
        stack = make_stack(Path(home), redis_url)
        stack.start_api()
        stack.start_worker("bench-1", fork=fork)
        stack.start_worker("bench-2", fork=fork)
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
