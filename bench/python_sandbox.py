"""The start-up cost of the Python sandbox.

Prints the time of one Execute-Python-Script-sized call (a 1,000-row DataFrame in and out) in the
bubblewrap sandbox, next to the same call run unconfined (the child process without bwrap, as
FLOWBENCH_UNSAFE_UNCONFINED_PYTHON=1 runs it), measured in the same run, and the ratio.
"""

from __future__ import annotations

import io
import os
import statistics
import time

import numpy as np
import pandas as pd

from jobs.runtime import sandbox
from jobs.runtime.python import run_python

CALLS = 5
SCRIPT = "def main(frame):\n    return frame.assign(z=frame['x'] * 2),\n"


def timed(confined: bool, frame: pd.DataFrame) -> float:
    sandbox.sandbox_problem.cache_clear()
    original = sandbox.sandbox_problem
    if not confined:
        os.environ[sandbox.UNCONFINED_SETTING] = "1"
        sandbox.sandbox_problem = lambda: "benchmark: unconfined on purpose"
    try:
        times = []
        for _ in range(CALLS):
            started = time.perf_counter()
            run_python(SCRIPT, "main", [frame], timeout=120, log=io.StringIO())
            times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        sandbox.sandbox_problem = original
        os.environ.pop(sandbox.UNCONFINED_SETTING, None)


def main() -> None:
    frame = pd.DataFrame({"x": np.arange(1000.0), "s": ["a", "b"] * 500})
    problem = sandbox.sandbox_problem()
    if problem is not None:
        raise SystemExit(f"The sandbox cannot run here: {problem}")
    unconfined = timed(False, frame)
    confined = timed(True, frame)
    print(
        f"median of {CALLS} calls: sandboxed {confined:.3f} s, unconfined {unconfined:.3f} s, "
        f"ratio {confined / unconfined:.2f}x (+{(confined - unconfined) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
