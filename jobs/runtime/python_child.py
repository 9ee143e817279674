"""The process that runs a user's Python script inside the sandbox (started by jobs.runtime.python).

Run as ``python -I python_child.py RESULT_FD LIMITS`` with this file and `wire.py` bound
read-only beside each other. It first lowers its own limits (LIMITS is JSON: address space, CPU
seconds, processes, file size), which the unprivileged user code cannot raise again; then reads
the call (a wire message: script, function name, arguments) from stdin, runs the script as
module ``user_script`` and calls the function. The outcome goes to RESULT_FD as a wire message:
``{"ok": value}``, or ``{"error": {"kind": ..., "message": ...}}`` with the traceback trimmed to
the frames of the user's script. It imports nothing from the project.
"""

from __future__ import annotations

import json
import linecache
import os
import resource
import sys
import traceback
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wire  # noqa: E402  (bound beside this file)

SCRIPT_NAME = "<script>"
MODULE_NAME = "user_script"
_LIMITS = {
    "memory": resource.RLIMIT_AS,
    "cpu": resource.RLIMIT_CPU,
    "processes": resource.RLIMIT_NPROC,
    "file_size": resource.RLIMIT_FSIZE,
    "core": resource.RLIMIT_CORE,
}


def main(result_fd: int, limits: dict[str, int]) -> int:
    """Run the call read from stdin; 0 when it succeeded, 1 when the user's code failed."""
    for name, value in limits.items():
        resource.setrlimit(_LIMITS[name], (value, value))
    me = os.getpid()
    call = wire.decode(sys.stdin.buffer.read())
    sys.stdin.close()
    script, function, arguments = call["script"], call["function"], call["arguments"]
    # Registered so that tracebacks show the user's source lines.
    linecache.cache[SCRIPT_NAME] = (len(script), None, script.splitlines(True), SCRIPT_NAME)
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = SCRIPT_NAME
    # In sys.modules so that objects of the user's classes pickle by reference (inside here).
    sys.modules[MODULE_NAME] = module
    try:
        exec(compile(script, SCRIPT_NAME, "exec"), module.__dict__)
        target = getattr(module, function, None)
        if not callable(target):
            return _reply(
                result_fd,
                me,
                {
                    "error": {
                        "kind": "definition",
                        "message": f"The script must define a function '{function}'.",
                    }
                },
            )
        result = target(*arguments)
    except MemoryError:
        return _reply(result_fd, me, {"error": {"kind": "memory", "message": _user_traceback()}})
    except BaseException:  # the user's code may raise anything, SystemExit included
        return _reply(result_fd, me, {"error": {"kind": "error", "message": _user_traceback()}})
    try:
        message = wire.encode({"ok": result})
    except wire.WireError as exc:
        return _reply(result_fd, me, {"error": {"kind": "result", "message": str(exc)}})
    return _reply(result_fd, me, message)


def _reply(result_fd: int, me: int, outcome: dict | bytes) -> int:
    if os.getpid() != me:  # a process the script forked: only the script's own process answers
        os._exit(1)
    sys.stdout.flush()
    sys.stderr.flush()
    data = outcome if isinstance(outcome, bytes) else wire.encode(outcome)
    with open(result_fd, "wb", closefd=True) as out:
        out.write(data)
    return 0 if isinstance(outcome, bytes) else 1


def _user_traceback() -> str:
    kind, value, trace = sys.exc_info()
    frames = [f for f in traceback.extract_tb(trace) if f.filename == SCRIPT_NAME]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(kind, value)
    return "".join(lines)


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), json.loads(sys.argv[2])))
