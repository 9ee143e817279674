"""The effects a component may ask its runner for, as an interface.

A component stays a pure function: it never opens a file, a socket or a database. The few that
must reach outside (run the user's SQL or Python in a sandbox, read an import, write an export)
declare it with ``needs=("sql",)`` and so on, take a keyword-only ``runtime`` argument, and call
these methods. The step runner passes `jobs.runtime.StepRuntime`, which does the work with the
limits and isolation the workspace sets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

import pandas as pd

from components.errors import ComponentInputError

NEEDS = ("sql", "python", "import", "export", "artifact")


class Runtime(Protocol):
    """What a runner provides to components that declare needs."""

    def run_sql(self, query: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """Run `query` over `tables` (named t1, t2, t3) in a sandbox that reads nothing else.

        Raises:
            ComponentInputError: the query fails, runs too long or uses too much memory.
        """
        ...

    def run_python(
        self, script: str, function: str, arguments: list[Any], timeout: float | None = None
    ) -> Any:
        """Call `function` defined in the user's `script` in a separate, limited process.

        Arguments and the return value travel as data (JSON, Arrow for DataFrames and Series,
        bytes), never by pickle. The script's printed output goes to the step log.

        Raises:
            ComponentInputError: the script fails (with the user's traceback), times out or
                runs out of memory.
        """
        ...

    def read_source(self, location: str, *, max_bytes: int) -> bytes:
        """The bytes of a file under the workspace's import folder, or of an http(s) URL.

        Raises:
            ComponentInputError: the location is outside the import folder, unreachable, or
                larger than `max_bytes`.
        """
        ...

    def write_export(self, relative_path: str, data: bytes) -> str:
        """Write `data` under the workspace's export folder; return where it went.

        Raises:
            ComponentInputError: the path leaves the export folder.
        """
        ...

    def load_artifact(self, uri: str) -> Any:
        """A frozen model or transformation stored earlier (an inference pipeline's MD-/TD- node).

        Raises:
            ComponentInputError: nothing is stored at `uri`, or its bytes fail their hash check.
        """
        ...


# The runtime of the component running now (set by `Component.run`), for objects that travel
# between components and need effects later, such as a Python model trained by Train Model.
_CURRENT: ContextVar[Runtime | None] = ContextVar("flowbench_current_runtime", default=None)


@contextmanager
def using_runtime(runtime: Runtime | None) -> Iterator[None]:
    """Make `runtime` what `current_runtime` returns inside the block (None: no runtime)."""
    token = _CURRENT.set(runtime)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_runtime(purpose: str) -> Runtime:
    """The runtime of the component running now; `purpose` says what needs it.

    Raises:
        ComponentInputError: no runtime was given (outside the step runner, or a caller that
            passed none to `Component.run`).
    """
    runtime = _CURRENT.get()
    if runtime is None:
        raise ComponentInputError(
            f"{purpose} runs user code in the runner's sandbox, and no runtime was given: run "
            f"the component through the step runner or jobs.local.run_locally, or pass a "
            f"runtime (jobs.runtime.StepRuntime) to Component.run."
        )
    return runtime
