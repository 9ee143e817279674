"""Benchmark: two workers against one on a pipeline of two independent branches.

The tutorial twice in one pipeline (every node copied with a suffix), its learner a Boosted
Decision Tree Regression with 400 trees so each branch does a second or more of real work;
every step runs (force rerun). Wall time from submit to completion with one worker (the
baseline, same run) and with two; the speed-up is one / two. Target (issue 11): at least 1.8x.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path

from bench.common import ROOT, Row, bench_redis_url, timed
from tests.conftest import make_stack

REPEATS = 3


def two_branches() -> dict:
    tutorial = json.loads((ROOT / "examples" / "automobile_price.json").read_text())
    for node in tutorial["nodes"]:
        if node["id"] == "learner":
            node.update(
                component="boosted_decision_tree_regression", params={"num_trees": 400, "seed": 0}
            )
    spec = {**tutorial, "name": "two branches", "nodes": [], "edges": []}
    for suffix in ("a", "b"):
        spec["nodes"] += [{**node, "id": f"{node['id']}_{suffix}"} for node in tutorial["nodes"]]
        spec["edges"] += [
            {"source": _renamed(e["source"], suffix), "target": _renamed(e["target"], suffix)}
            for e in tutorial["edges"]
        ]
    return spec


def _renamed(reference: str, suffix: str) -> str:
    node, _, port = reference.partition(".")
    return f"{node}_{suffix}.{port}"


def wall_time(workers: int, spec: dict) -> float:
    with tempfile.TemporaryDirectory() as folder:
        stack = make_stack(Path(folder) / "workspace", bench_redis_url())
        stack.start_api()
        for index in range(workers):
            stack.start_worker(f"bench-{index}")
        try:
            client = stack.client()
            client.wait(client.submit(spec, experiment="warm", force_rerun=True).id)

            def once() -> None:
                detail = client.wait(
                    client.submit(spec, experiment="bench", force_rerun=True).id, poll=0.02
                )
                if detail.run.status.value != "completed":
                    raise SystemExit(f"run ended {detail.run.status.value}: {detail.run.error}")

            return statistics.median(timed(once) for _ in range(REPEATS))
        finally:
            stack.stop_all()


def run() -> list[Row]:
    spec = two_branches()
    one, two = wall_time(1, spec), wall_time(2, spec)
    return [
        Row(
            "two independent branches, two workers",
            two * 1000,
            one * 1000,
            "ms",
            ">= 1.8x speed-up",
            "one worker",
            ratio=one / two,
        )
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
