"""Server-side rerun time of UI pages, measured with streamlit's AppTest.

Starts a control plane (and one worker) on a temporary workspace, then times:
  - an empty page (the baseline: AppTest's own cost per run),
  - the designer with a 30-node pipeline open,
  - the runs page with 10,000 runs in the workspace (recorded straight into the store before
    the control plane starts, since submitting 10,000 runs through RQ would take minutes).

Prints median and 90th-percentile milliseconds per rerun, and each page's ratio to the baseline.
Run: .venv/bin/python bench/ui_rerun.py  (REDIS_URL or redis://127.0.0.1:6379/9)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from app.ui import draft_ops as ops  # noqa: E402
from app.ui import state  # noqa: E402
from app.ui.login import SIGNED_IN  # noqa: E402
from tests.conftest import make_stack  # noqa: E402

RUNS = 10_000
REPEAT = 30
EMPTY_PAGE = "import streamlit as st\nst.write('baseline')\n"


def seed_runs(home: Path, count: int) -> None:
    """Record `count` finished runs in the workspace store (the control plane is not up yet)."""
    from storage import DuckDBWorkspaceStore, RunStatus, StepRun

    spec = json.loads((ROOT / "examples" / "automobile_price.json").read_text())
    store = DuckDBWorkspaceStore(home / "workspace.duckdb")
    try:
        for number in range(count):
            steps = [
                StepRun(
                    run_id="",
                    node_id="evaluate",
                    component_id="evaluate_model",
                    component_version=1,
                )
            ]
            run = store.create_run(
                experiment=f"bench-{number % 20}",
                name=f"run {number}",
                spec=spec,
                parameters={},
                source="api",
                force_rerun=False,
                steps=steps,
            )
            store.update_run(run.id, status=RunStatus.RUNNING)
            store.update_step(
                run.id,
                "evaluate",
                status="completed",
                metrics={"Mean_Absolute_Error": number / 100.0, "R2": 0.8},
            )
            store.update_run(run.id, status=RunStatus.COMPLETED)
    finally:
        store.close()


def thirty_node_spec(catalogue: dict) -> dict:
    """A 30-node pipeline: 5 branches of dataset → select → clean → split → train/score/eval."""
    spec = ops.empty_spec("Thirty nodes")
    for branch in range(5):
        spec, cars = ops.add_dataset(spec, "automobile-price")
        spec, select = ops.add_component(spec, catalogue["select_columns_in_dataset"])
        spec = ops.set_input(spec, select, "dataset", f"{cars}.dataset")
        spec, split = ops.add_component(spec, catalogue["split_data"])
        spec = ops.set_input(spec, split, "dataset", f"{select}.results_dataset")
        spec, learner = ops.add_component(spec, catalogue["linear_regression"])
        spec, train = ops.add_component(spec, catalogue["train_model"])
        spec = ops.set_input(spec, train, "untrained_model", f"{learner}.untrained_model")
        spec = ops.set_input(spec, train, "dataset", f"{split}.results_dataset1")
        spec, score = ops.add_component(spec, catalogue["score_model"])
        spec = ops.set_input(spec, score, "trained_model", f"{train}.trained_model")
        spec = ops.set_input(spec, score, "dataset", f"{split}.results_dataset2")
        for item in spec["nodes"][-6:]:
            item["position"] = [branch * 240.0, item["position"][1] - branch * 600.0]
    assert len(spec["nodes"]) == 30
    return spec


def time_reruns(at: AppTest, repeat: int = REPEAT) -> list[float]:
    at.run()
    if at.exception:
        raise RuntimeError(at.exception)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(name: str, times: list[float], baseline: float | None) -> float:
    median = statistics.median(times)
    p90 = sorted(times)[int(len(times) * 0.9) - 1]
    ratio = f"  ({median / baseline:.1f}x the empty page)" if baseline else ""
    print(f"{name:<42} median {median:7.1f} ms   p90 {p90:7.1f} ms{ratio}")
    return median


def run() -> list:
    """Rows for `python -m bench`: the designer page with 30 nodes, the runs page."""
    from bench.common import Row

    figures = main(quiet=True)
    return [
        Row(
            "designer page rerun, 30 nodes",
            figures["designer"],
            figures["empty"],
            "ms",
            "< 150 ms",
            "empty page",
        ),
        Row(
            f"runs page rerun, {RUNS:,} runs",
            figures["runs"],
            figures["empty"],
            "ms",
            "< 300 ms",
            "empty page",
        ),
    ]


def main(quiet: bool = False) -> dict[str, float]:
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "workspace"
        home.mkdir()
        print(f"Recording {RUNS} runs…", flush=True)
        started = time.perf_counter()
        from bench.common import seed_runs as seed_in_bulk

        seed_in_bulk(home, RUNS)  # the same rows in one SQL statement, seconds not minutes
        print(f"  done in {time.perf_counter() - started:.0f} s")
        stack = make_stack(home, redis_url)
        stack.start_api()
        os.environ.update(FLOWBENCH_API_URL=stack.api_url, FLOWBENCH_HOME=str(home))
        try:
            client = stack.client()
            catalogue = {c["id"]: c for c in client.components()}
            draft = client.create_draft("Thirty nodes", thirty_node_spec(catalogue))
            empty = Path(folder) / "empty.py"
            empty.write_text(EMPTY_PAGE)
            baseline = report(
                "empty page (baseline)",
                time_reruns(AppTest.from_file(str(empty), default_timeout=60)),
                None,
            )
            figures = {"empty": baseline}

            designer = AppTest.from_file(str(ROOT / "app/ui/main.py"), default_timeout=60)
            designer.session_state[SIGNED_IN] = True  # else it times the login form
            designer.session_state[state.DRAFT] = {
                "id": draft.id,
                "name": draft.name,
                "spec": draft.spec,
                "revision": draft.revision,
                "source_run_id": None,
            }
            designer.session_state[state.ISSUES] = [
                i.model_dump() for i in client.validate(draft.spec).issues
            ]
            designer.session_state[state.SELECTED] = draft.spec["nodes"][3]["id"]
            designer.switch_page("views/designer.py")
            figures["designer"] = report(
                "designer, 30-node pipeline, a node selected", time_reruns(designer), baseline
            )

            runs = AppTest.from_file(str(ROOT / "app/ui/main.py"), default_timeout=60)
            runs.session_state[SIGNED_IN] = True
            runs.switch_page("views/runs.py")
            figures["runs"] = report(
                f"runs page, {RUNS} runs in the workspace", time_reruns(runs), baseline
            )
            if not quiet:
                print("Targets: designer under 150 ms, runs page under 300 ms.")
        finally:
            stack.stop_all()
    return figures


if __name__ == "__main__":
    main()
