"""The child process that runs a user's Python script (started by jobs.runtime.python).

Run as ``python -I python_child.py WORKDIR``: reads ``script.py`` and ``call.pkl`` (the function
name and arguments) from WORKDIR, runs the script as module ``user_script`` and calls the
function. On success it writes the pickled return value to ``result.pkl``; on an exception it
writes ``error.json`` with the traceback trimmed to the frames of the user's script. It imports
nothing from the project, so the user's code sees only the standard library and the packages.
"""

from __future__ import annotations

import json
import linecache
import pickle
import sys
import traceback
import types
from pathlib import Path

SCRIPT_NAME = "<script>"
MODULE_NAME = "user_script"


def main(workdir: Path) -> int:
    """Run the call described in `workdir`; 0 when it succeeded, 1 when the user's code failed."""
    script = (workdir / "script.py").read_text(encoding="utf-8")
    with open(workdir / "call.pkl", "rb") as handle:
        function, arguments = pickle.load(handle)
    # Registered so that tracebacks show the user's source lines.
    linecache.cache[SCRIPT_NAME] = (len(script), None, script.splitlines(True), SCRIPT_NAME)
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = SCRIPT_NAME
    # In sys.modules so that objects of the user's classes pickle by reference.
    sys.modules[MODULE_NAME] = module
    try:
        exec(compile(script, SCRIPT_NAME, "exec"), module.__dict__)
        target = getattr(module, function, None)
        if not callable(target):
            _fail(workdir, "definition", f"The script must define a function '{function}'.")
            return 1
        result = target(*arguments)
    except MemoryError:
        _fail(workdir, "memory", _user_traceback())
        return 1
    except BaseException:  # the user's code may raise anything, SystemExit included
        _fail(workdir, "error", _user_traceback())
        return 1
    sys.stdout.flush()
    with open(workdir / "result.pkl", "wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


def _user_traceback() -> str:
    kind, value, trace = sys.exc_info()
    frames = [f for f in traceback.extract_tb(trace) if f.filename == SCRIPT_NAME]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(kind, value)
    return "".join(lines)


def _fail(workdir: Path, kind: str, message: str) -> None:
    (workdir / "error.json").write_text(json.dumps({"kind": kind, "message": message}),
                                        encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
