"""Run a user's Python in the sandbox (Execute Python Script, Create Python Model).

The child (`jobs/runtime/python_child.py`) runs with ``python -I -u`` inside the bubblewrap
sandbox of `jobs.runtime.sandbox`: as nobody, without network, without the workspace, with limits
on address space, CPU time, processes, file size and output. The call goes in and the result
comes out as data (`jobs.runtime.wire`: JSON and Arrow IPC), never as a pickle, so nothing the
script returns can make the worker run code. A model the script pickles (Create Python Model)
crosses as opaque bytes, unpickled again only inside a sandbox.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from components.errors import ComponentInputError
from jobs import defaults
from jobs.runtime import wire
from jobs.runtime.sandbox import RESULT_FD, TEMP_PREFIX, Limits, Outcome, run_confined

HERE = Path(__file__).parent
# Inside the sandbox, the child and the wire format sit side by side in /flowbench.
FILES = {
    "/flowbench/python_child.py": HERE / "python_child.py",
    "/flowbench/wire.py": HERE / "wire.py",
}


def remove_leftovers(root: Path | None = None) -> list[Path]:
    """Delete sandbox folders (with their pickled inputs) whose process no longer lives.

    A step killed by its timeout or by cancel, or a worker killed outright, never runs its
    clean-up; the next sandbox run (and each worker's start) removes what it left.
    Returns the folders removed.
    """
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"):
        owner = folder.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if not owner.isdigit() or _alive(int(owner)) or not folder.is_dir():
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def run_python(
    script: str,
    function: str,
    arguments: list[Any],
    *,
    timeout: float | None,
    log: IO[str],
    memory_bytes: int | None = None,
) -> Any:
    """Call `function` of `script` with `arguments` in the sandbox; return its result.

    Arguments and the result may be DataFrames, Series, bytes, numbers, text, lists, tuples and
    dicts. What the script prints is copied to `log`.

    Raises:
        ComponentInputError: the script fails (with the user's traceback, only their frames),
            does not define `function`, runs past `timeout` seconds, exceeds the memory or
            process limits, or returns something that cannot leave the sandbox.
        SandboxUnavailableError: the sandbox cannot be set up (and unconfined runs are not
            allowed), so the script did not run.
    """
    timeout = defaults.PYTHON_TIME_LIMIT_S if timeout is None else timeout
    memory = defaults.PYTHON_MEMORY_LIMIT_BYTES if memory_bytes is None else memory_bytes
    remove_leftovers()
    try:
        call = wire.encode({"script": script, "function": function, "arguments": list(arguments)})
    except wire.WireError as exc:
        raise ComponentInputError(
            f"The Python script's inputs cannot be sent to the sandbox: {exc}"
        ) from exc
    limits = {
        "memory": memory,
        "cpu": math.ceil(timeout) + 1,
        "processes": defaults.PYTHON_MAX_PROCESSES,
        "file_size": defaults.PYTHON_TMP_BYTES,
        "core": 0,
    }
    command = [
        sys.executable,
        "-I",
        "-u",
        "/flowbench/python_child.py",
        RESULT_FD,
        json.dumps(limits),
    ]
    outcome = run_confined(
        command,
        FILES,
        call,
        Limits(
            seconds=timeout,
            tmp_bytes=defaults.PYTHON_TMP_BYTES,
            output_bytes=defaults.PYTHON_MAX_LOG_CHARS,
            result_bytes=defaults.PYTHON_MAX_RESULT_BYTES,
        ),
    )
    _copy_output(outcome, log)
    if outcome.timed_out:
        raise ComponentInputError(
            f"The Python script ran longer than {timeout:g} s and was stopped, with every "
            f"process it started. Make it faster, or work on a sample of the data."
        )
    if outcome.result_too_large:
        raise ComponentInputError(
            f"The Python script returned more than "
            f"{defaults.PYTHON_MAX_RESULT_BYTES // 2**20} MiB and was stopped; return a smaller "
            f"result."
        )
    return _result(outcome, memory)


def _copy_output(outcome: Outcome, log: IO[str]) -> None:
    text = outcome.output.decode("utf-8", errors="replace")
    if outcome.output_cut:
        text += f"\n... (output cut at {defaults.PYTHON_MAX_LOG_CHARS} bytes)\n"
    if text:
        log.write(text if text.endswith("\n") else text + "\n")


def _result(outcome: Outcome, memory: int) -> Any:
    if not outcome.result:
        code = outcome.returncode
        cause = (
            f"was killed by signal {-code}"
            if code is not None and code < 0
            else f"exited with code {code}"
        )
        raise ComponentInputError(
            f"The Python script {cause} before returning (memory limit {memory // 2**20} MiB, "
            f"{defaults.PYTHON_MAX_PROCESSES} processes); see the step log."
        )
    try:
        message = wire.decode(outcome.result)
    except wire.WireError as exc:
        raise ComponentInputError(f"The Python script's result was refused: {exc}.") from exc
    if isinstance(message, dict) and set(message) == {"ok"}:
        return message["ok"]
    error = message.get("error") if isinstance(message, dict) else None
    if not (isinstance(error, dict) and isinstance(error.get("message"), str)):
        raise ComponentInputError(
            "The Python script's result was refused: it is not an outcome the sandbox writes."
        )
    kind, text = error.get("kind"), error["message"]
    if kind == "memory":
        raise ComponentInputError(
            f"The Python script ran out of memory (limit {memory // 2**20} MiB):\n{text}"
        )
    if kind == "definition":
        raise ComponentInputError(text)
    if kind == "result":
        raise ComponentInputError(f"The Python script's return value was refused: {text}.")
    raise ComponentInputError(f"The Python script failed:\n{text}")
