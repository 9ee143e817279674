"""Benchmark: two workers against one on a pipeline of two independent branches.

The tutorial twice in one pipeline (every node copied with a suffix), its learner a Boosted
Decision Tree Regression, so each branch does real work; every step runs (force rerun). Wall
time from submit to completion with one worker (the baseline) and with two; the speed-up is
one / two. Target (issue 11): at least 1.8x. Measured twice: with 400 trees (a branch takes
about 0.3 s in process on a 2-core Xeon, as much as the steps' fixed costs allow) and with
2,000 (about 1.3 s, a training step of real size), since what two workers gain depends on how
much of a branch is work rather than each step's fixed cost.

Both stacks run side by side (each with its own workspace and Redis database) and the runs
alternate between them, so a slower minute of a shared machine weighs on both figures alike.

The machine's own ceiling is printed next to it: the same two branches run in process (the
components called one after another, no Flowbench around them), once both in one process and
once each in a process of its own at the same time. No scheduler gets more out of two cores
than that ratio.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import multiprocessing
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT, Row, bench_redis_url, timed
from tests.conftest import make_stack

REPEATS = int(os.environ.get("BENCH_REPEATS", "7"))


TREES = (400, 2000)


def two_branches(trees: int = 400) -> dict:
    tutorial = json.loads((ROOT / "examples" / "automobile_price.json").read_text())
    for node in tutorial["nodes"]:
        if node["id"] == "learner":
            node.update(
                component="boosted_decision_tree_regression",
                params={"num_trees": trees, "seed": 0},
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


def _next_db(redis_url: str) -> str:
    """The same Redis server, the next database: the two stacks' queues must not meet."""
    base, _, db = redis_url.rpartition("/")
    return f"{base}/{int(db) + 1}" if db.isdigit() else f"{redis_url.rstrip('/')}/1"


def wall_times(spec: dict) -> tuple[float, float]:
    """Median wall time of the pipeline with one worker and with two, runs alternating."""
    with tempfile.TemporaryDirectory() as folder:
        stacks = []
        try:
            for workers, redis_url in ((1, bench_redis_url()), (2, _next_db(bench_redis_url()))):
                stack = make_stack(Path(folder) / f"workspace-{workers}", redis_url)
                stacks.append(stack)
                stack.start_api()
                for index in range(workers):
                    stack.start_worker(f"bench-{index}")
            clients = [stack.client() for stack in stacks]
            for client in clients:  # the first run of a stack warms its workers up
                client.wait(client.submit(spec, experiment="warm", force_rerun=True).id)
            times: list[list[float]] = [[], []]
            for _ in range(REPEATS):
                for index, client in enumerate(clients):
                    times[index].append(timed(lambda client=client: _run(client, spec)))
            return statistics.median(times[0]), statistics.median(times[1])
        finally:
            for stack in stacks:
                stack.stop_all()


def _run(client, spec: dict) -> None:  # noqa: ANN001 - the tests' client
    detail = client.wait(client.submit(spec, experiment="bench", force_rerun=True).id, poll=0.02)
    if detail.run.status.value != "completed":
        raise SystemExit(f"run ended {detail.run.status.value}: {detail.run.error}")


def ceiling(trees: int) -> tuple[float, float]:
    """Median wall time of both branches in one process, and of each in a process of its own
    at once (forked with the data loaded and the components warm).

    With one math thread, as a worker runs steps: limited at run time, not by OMP_NUM_THREADS,
    which OpenMP reads once when it is loaded (under `python -m bench` an earlier benchmark has
    loaded it already), and for the whole measurement, so that the processes forked inherit it
    and no thread pool exists to fork."""
    from threadpoolctl import threadpool_limits

    context = multiprocessing.get_context("fork")
    with threadpool_limits(limits=1):
        _branch(trees)  # imports, data and first calls, before forking
        both, apart = [], []
        for _ in range(REPEATS):
            both.append(timed(lambda: _in_processes(context, trees, [2])))
            apart.append(timed(lambda: _in_processes(context, trees, [1, 1])))
    return statistics.median(both), statistics.median(apart)


def _in_processes(context, trees: int, branches: list[int]) -> None:  # noqa: ANN001 - a context
    processes = [context.Process(target=_branch, args=(trees, count)) for count in branches]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"an in-process branch failed (exit code {process.exitcode})")


@functools.cache
def _one_branch(trees: int) -> tuple[Any, Any]:
    """The tutorial branch of `two_branches` as a pipeline, and its dataset."""
    from jobs.pipeline import PipelineSpec
    from storage.samples import load_sample

    spec = two_branches(trees)
    branch = {
        **spec,
        "nodes": [n for n in spec["nodes"] if n["id"].endswith("_a")],
        "edges": [e for e in spec["edges"] if e["source"].split(".")[0].endswith("_a")],
    }
    return PipelineSpec.from_dict(branch), load_sample("automobile-price")


def _branch(trees: int, count: int = 1) -> None:
    """Run the branch `count` times in this process."""
    from jobs.local import run_locally

    pipeline, data = _one_branch(trees)
    with contextlib.redirect_stdout(io.StringIO()):  # components narrate for the step log
        for _ in range(count):
            run_locally(pipeline, lambda _name, _version: data)


def run() -> list[Row]:
    rows = []
    for trees in TREES:
        one, two = wall_times(two_branches(trees))
        both, apart = ceiling(trees)
        rows += [
            Row(
                f"two independent branches ({trees} trees), two workers",
                two * 1000,
                one * 1000,
                "ms",
                ">= 1.8x speed-up",
                "one worker",
                ratio=one / two,
            ),
            Row(
                f"the machine's ceiling: the same branches ({trees} trees) in process, two "
                "processes",
                apart * 1000,
                both * 1000,
                "ms",
                "(no scheduler does better)",
                "one process",
                ratio=both / apart,
            ),
        ]
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
