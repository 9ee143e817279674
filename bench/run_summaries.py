"""Benchmark: the runs table with metrics (`GET /run-summaries`) at 100,000 runs.

Baseline, same run and workspace: the plain runs list (`GET /runs`), which reads no metrics.
Target (issue 11): under 100 ms per page of 50.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx

from bench.common import Row, bench_redis_url, median, seed_runs, timed
from tests.conftest import make_stack

RUNS = 100_000
REPEAT = 20


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "workspace"
        home.mkdir()
        seed_runs(home, RUNS)
        stack = make_stack(home, bench_redis_url())
        stack.start_api()
        try:
            headers = {"Authorization": f"Bearer {stack.token}"}
            with httpx.Client(base_url=stack.api_url, headers=headers, timeout=60) as http:

                def page(path: str) -> float:
                    http.get(path).raise_for_status()  # warm
                    return (
                        median(
                            [
                                timed(lambda: http.get(path).raise_for_status())
                                for _ in range(REPEAT)
                            ]
                        )
                        * 1000
                    )

                summaries = page("/run-summaries?limit=50")
                listing = page("/runs?limit=50")
                filtered = page("/run-summaries?limit=50&experiment=bench-3")
        finally:
            stack.stop_all()
    return [
        Row(
            f"/run-summaries at {RUNS:,} runs, 50 a page",
            summaries,
            listing,
            "ms",
            "< 100 ms",
            "/runs list",
        ),
        Row(
            f"/run-summaries of one experiment at {RUNS:,} runs",
            filtered,
            listing,
            "ms",
            "< 100 ms",
            "/runs list",
        ),
        Row(f"runs list at {RUNS:,} runs", listing, None, "ms", "keep (17 ms)"),
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
