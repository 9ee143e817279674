"""Benchmark: submitting runs, concurrently and sustained, through the control plane's HTTP API.

- 100 concurrent submissions (100 threads, one POST /runs each) of the tutorial with every step
  reused: submit latency p50 and p95. Baseline, same stack and concurrency: 100 concurrent
  POST /pipelines/validate of the same spec (parsing and validation, nothing recorded).
- Submissions per second sustained for SUSTAIN_S seconds by 8 clients; baseline: validations
  per second the same way.
Targets (issue 11): p95 under 500 ms.
"""

from __future__ import annotations

import concurrent.futures
import json
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.common import ROOT, Row, bench_redis_url, percentile, timed
from tests.conftest import make_stack

CONCURRENT = 100
SUSTAIN_S = 10.0
CLIENTS = 8


def run() -> list[Row]:
    spec = json.loads((ROOT / "examples" / "automobile_price.json").read_text())
    with tempfile.TemporaryDirectory() as folder:
        stack = make_stack(Path(folder) / "workspace", bench_redis_url())
        stack.start_api()
        stack.start_worker("bench-1", fork=False)
        try:
            headers = {"Authorization": f"Bearer {stack.token}"}
            submit = {"spec": spec, "experiment": "bench"}
            with httpx.Client(base_url=stack.api_url, headers=headers, timeout=120) as http:
                first = http.post("/runs", json=submit).json()["id"]  # warm: steps run once
                while http.get(f"/runs/{first}").json()["run"]["status"] not in (
                    "completed",
                    "failed",
                ):
                    time.sleep(0.2)

            def burst(path: str, body: dict) -> list[float]:
                start = threading.Barrier(CONCURRENT)

                def one(_: int) -> float:
                    with httpx.Client(
                        base_url=stack.api_url, headers=headers, timeout=120
                    ) as client:
                        start.wait()
                        return timed(lambda: client.post(path, json=body).raise_for_status())

                with concurrent.futures.ThreadPoolExecutor(CONCURRENT) as pool:
                    return list(pool.map(one, range(CONCURRENT)))

            validate = {"spec": spec}
            checked = burst("/pipelines/validate", validate)
            submitted = burst("/runs", submit)
            rate = sustained("/runs", submit, stack.api_url, headers)
            validate_rate = sustained("/pipelines/validate", validate, stack.api_url, headers)
        finally:
            stack.stop_all()
    ms = 1000
    return [
        Row(
            f"{CONCURRENT} concurrent submissions: submit latency p50",
            percentile(submitted, 0.5) * ms,
            percentile(checked, 0.5) * ms,
            "ms",
            "",
            "validate only",
        ),
        Row(
            f"{CONCURRENT} concurrent submissions: submit latency p95",
            percentile(submitted, 0.95) * ms,
            percentile(checked, 0.95) * ms,
            "ms",
            "< 500 ms",
            "validate only",
        ),
        Row(
            "submissions per second, sustained (8 clients)",
            rate,
            validate_rate,
            "/s",
            "",
            "validations /s",
        ),
    ]


def sustained(path: str, body: dict, url: str, headers: dict) -> float:
    """Requests per second that CLIENTS threads complete in SUSTAIN_S seconds."""
    stop = time.monotonic() + SUSTAIN_S
    counts = [0] * CLIENTS

    def client(index: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as http:
            while time.monotonic() < stop:
                http.post(path, json=body).raise_for_status()
                counts[index] += 1

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    return sum(counts) / (time.monotonic() - started)


if __name__ == "__main__":
    for row in run():
        print(row)
