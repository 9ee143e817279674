"""The effects a component may ask its runner for, as an interface.

A component stays a pure function: it never opens a file, a socket or a database. The few that
must reach outside (run the user's SQL or Python in a sandbox, read an import, write an export)
declare it with ``needs=("sql",)`` and so on, take a keyword-only ``runtime`` argument, and call
these methods. The step runner passes `jobs.runtime.StepRuntime`, which does the work with the
limits and isolation the workspace sets.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

NEEDS = ("sql", "python", "import", "export")


class Runtime(Protocol):
    """What a runner provides to components that declare needs."""

    def run_sql(self, query: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
        """Run `query` over `tables` (named t1, t2, t3) in a sandbox that reads nothing else.

        Raises:
            ComponentInputError: the query fails, runs too long or uses too much memory.
        """
        ...

    def run_python(self, script: str, function: str, arguments: list[Any],
                   timeout: float | None = None) -> Any:
        """Call `function` defined in the user's `script` in a separate, limited process.

        Arguments and the return value travel by pickle. The script's printed output goes to
        the step log.

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
