"""From a wire dropped on the designer's canvas to the draft saved, measured in the browser.

Starts a control plane and the Streamlit UI on a temporary workspace, opens a draft with a
dataset and seven Apply SQL Transformation nodes (21 free inputs) in Debian's chromium, then
drags 20 wires from the dataset's output to an input, one at a time. Each is timed inside the
canvas, from the moment the canvas reports the wire (on drop) to the moment the saved,
revalidated draft comes back to it (a new revision drawn). The baseline, in the same run: a
click on a node (the same round trip through Streamlit, with nothing saved).

Prints the median and 90th percentile of each, and their ratio. Target: median under 300 ms.
Run: .venv/bin/python bench/canvas_wire.py  (REDIS_URL or redis://127.0.0.1:6379/9), or as part of
`python -m bench` (`run()`).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.ui import draft_ops as ops  # noqa: E402
from tests.app.ui.test_browser import log_in  # noqa: E402
from tests.conftest import make_stack  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CANVAS = "iframe[title='app.ui.canvas.flowbench_canvas']"
WIRES = 20
PORTS = ("t1", "t2", "t3")


def bench_spec(catalogue: dict) -> dict:
    spec = ops.empty_spec("Canvas bench")
    spec, _ = ops.add_dataset(spec, "iris", node_id="data", position=[0, 300])
    for number in range(7):
        spec, _ = ops.add_component(
            spec,
            catalogue["apply_sql_transformation"],
            node_id=f"sql{number}",
            position=[420 + 260 * (number % 2), 110 * number],
        )
    return spec


# Streamlit's options for this measurement (the port is added by the stack).
UI_OPTIONS = [
    "--server.address",
    "127.0.0.1",
    "--server.headless",
    "true",
    "--browser.gatherUsageStats",
    "false",
    "--client.toolbarMode",
    "minimal",
]


def round_trip(page, frame, gesture) -> float:
    """Milliseconds from the canvas's event to the next revision it draws."""
    canvas = next(f for f in page.frames if "flowbench_canvas" in f.url)
    before = canvas.evaluate("() => window.__flowbench.emitted.length")
    gesture()
    canvas.wait_for_function(
        """(n) => { const fb = window.__flowbench; if (fb.emitted.length <= n) return false;
                    const sent = fb.emitted[fb.emitted.length - 1].t;
                    return fb.revisions.some((r) => r.t > sent); }""",
        arg=before,
        timeout=30_000,
    )
    return canvas.evaluate(
        """() => { const fb = window.__flowbench; const sent = fb.emitted[fb.emitted.length - 1].t;
                   return fb.revisions.find((r) => r.t > sent).t - sent; }"""
    )


def drag(page, source, target) -> None:
    a, b = source.bounding_box(), target.bounding_box()
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=8)
    page.mouse.up()


def report(name: str, times: list[float], baseline: float | None = None) -> float:
    median = statistics.median(times)
    p90 = sorted(times)[int(len(times) * 0.9) - 1]
    ratio = f"  ({median / baseline:.1f}x the baseline)" if baseline else ""
    print(f"{name:<44} median {median:7.1f} ms   p90 {p90:7.1f} ms{ratio}")
    return median


def measure() -> tuple[list[float], list[float]]:
    """Milliseconds of 10 node clicks (the baseline) and of WIRES wires, in one browser session."""
    from playwright.sync_api import sync_playwright

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "workspace"
        home.mkdir()
        stack = make_stack(home, redis_url)
        stack.start_api()
        try:
            client = stack.client()
            catalogue = {c["id"]: c for c in client.components()}
            client.create_draft("Canvas bench", bench_spec(catalogue))
            url = stack.start_ui(UI_OPTIONS)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
                )
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.set_default_timeout(60_000)
                page.goto(f"{url}/designer")
                log_in(page, stack.token)
                page.get_by_role("button", name="Open draft").click()
                frame = page.frame_locator(CANVAS)
                frame.locator(".react-flow__node[data-id='sql6']").wait_for()
                time.sleep(1.5)  # the first fit
                clicks = []
                for number in range(10):
                    node = frame.locator(f".react-flow__node[data-id='sql{number % 7}'] .fb-head")
                    clicks.append(round_trip(page, frame, node.click))
                wires = []
                source = frame.locator(
                    ".react-flow__node[data-id='data'] .react-flow__handle.source"
                )
                for number in range(WIRES):
                    target = frame.locator(
                        f".react-flow__node[data-id='sql{number // 3}'] "
                        f".react-flow__handle.target[data-handleid='{PORTS[number % 3]}']"
                    )
                    wires.append(
                        round_trip(page, frame, lambda target=target: drag(page, source, target))
                    )
                browser.close()
            return clicks, wires
        finally:
            stack.stop_all()


def run() -> list:
    """Rows for `python -m bench`: a wire's round trip, next to a node click's."""
    from bench.common import Row

    clicks, wires = measure()
    return [
        Row(
            f"canvas wire dropped -> draft saved (median of {WIRES})",
            statistics.median(wires),
            statistics.median(clicks),
            "ms",
            "< 300 ms",
            "node click (rerun, nothing saved)",
        )
    ]


def main() -> None:
    clicks, wires = measure()
    baseline = report("click on a node (rerun, nothing saved)", clicks)
    report(f"wire dropped -> draft saved ({WIRES} wires)", wires, baseline)
    print("Target: wire to saved draft under 300 ms (median).")


if __name__ == "__main__":
    main()
