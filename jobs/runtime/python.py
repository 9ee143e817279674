"""Run a user's Python in a separate, limited process (Execute Python Script, Create Python Model).

The child (`jobs/runtime/python_child.py`) runs with ``python -I`` (no PYTHON* variables, no user
site, no current directory on the path), in an empty temporary directory, with an environment
built from scratch: no workspace token, no Redis URL, no keys. It gets a CPU-time-independent
wall-clock limit (killed, with its process group, on timeout) and an address-space limit
(``RLIMIT_AS``). Arguments go in by pickle; the result comes back through an unpickler that only
rebuilds plain data (DataFrames, arrays, numbers, text, containers), so a hostile script cannot
make the worker run code by returning a crafted pickle.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from components.errors import ComponentInputError
from jobs import defaults

CHILD = Path(__file__).with_name("python_child.py")
TEMP_PREFIX = "flowbench-python-"


def remove_leftovers(root: Path | None = None) -> list[Path]:
    """Delete sandbox folders (with their pickled inputs) whose process no longer lives.

    A step killed by its timeout or by cancel, or a worker killed outright, never runs its
    clean-up; the next sandbox run (and each worker's start) removes what it left.
    Returns the folders removed.
    """
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"):
        owner = folder.name[len(TEMP_PREFIX):].split("-", 1)[0]
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


def run_python(script: str, function: str, arguments: list[Any], *, timeout: float | None,
               log: IO[str], memory_bytes: int | None = None) -> Any:
    """Call `function` of `script` with `arguments` in a child process; return its result.

    What the script prints is copied to `log`.

    Raises:
        ComponentInputError: the script fails (with the user's traceback, only their frames),
            does not define `function`, runs past `timeout` seconds, exceeds the memory limit,
            or returns something other than plain data.
    """
    timeout = defaults.PYTHON_TIME_LIMIT_S if timeout is None else timeout
    limit = defaults.PYTHON_MEMORY_LIMIT_BYTES if memory_bytes is None else memory_bytes
    remove_leftovers()
    # The owner's pid in the name tells a leftover (its process was killed) from a live one.
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-") as folder:
        workdir = Path(folder)
        home = workdir / "home"
        home.mkdir()
        (workdir / "script.py").write_text(script, encoding="utf-8")
        with open(workdir / "call.pkl", "wb") as handle:
            pickle.dump((function, list(arguments)), handle, protocol=pickle.HIGHEST_PROTOCOL)
        process = subprocess.Popen(
            [sys.executable, "-I", str(CHILD), str(workdir)], cwd=home, env=child_environment(home),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=lambda: _limit_memory(limit))
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            output, _ = process.communicate()
            _copy_output(output, log)
            raise ComponentInputError(
                f"The Python script ran longer than {timeout:g} s and was stopped. Make it "
                f"faster, or work on a sample of the data.") from None
        _copy_output(output, log)
        return _outcome(workdir, process.returncode, limit)


def child_environment(home: Path) -> dict[str, str]:
    """The child's whole environment: a search path, a home, a locale and one-thread math.

    Nothing is inherited, so workspace tokens, FLOWBENCH_* settings, REDIS_URL and any *_KEY
    or *TOKEN* variable of the worker never reach user code.
    """
    return {"PATH": os.defpath, "HOME": str(home), "TMPDIR": str(home), "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _limit_memory(limit: int) -> None:
    # Runs in the child between fork and exec.
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _copy_output(output: bytes, log: IO[str]) -> None:
    text = output.decode("utf-8", errors="replace")
    if len(text) > defaults.PYTHON_MAX_LOG_CHARS:
        text = (text[:defaults.PYTHON_MAX_LOG_CHARS]
                + f"\n... (output cut at {defaults.PYTHON_MAX_LOG_CHARS} characters)\n")
    if text:
        log.write(text if text.endswith("\n") else text + "\n")


def _outcome(workdir: Path, returncode: int, limit: int) -> Any:
    error_file, result_file = workdir / "error.json", workdir / "result.pkl"
    if error_file.exists():
        error = json.loads(error_file.read_text(encoding="utf-8"))
        if error["kind"] == "memory":
            raise ComponentInputError(
                f"The Python script ran out of memory (limit {limit // 2**20} MiB):\n"
                f"{error['message']}")
        if error["kind"] == "definition":
            raise ComponentInputError(error["message"])
        raise ComponentInputError(f"The Python script failed:\n{error['message']}")
    if returncode != 0 or not result_file.exists():
        cause = (f"was killed by signal {-returncode}" if returncode < 0
                 else f"exited with code {returncode}")
        raise ComponentInputError(
            f"The Python script {cause} before returning (memory limit {limit // 2**20} MiB); "
            f"see the step log.")
    try:
        with open(result_file, "rb") as handle:
            return PlainDataUnpickler(handle).load()
    except pickle.UnpicklingError as exc:
        raise ComponentInputError(f"The Python script returned something other than plain "
                                  f"data (DataFrames, arrays, numbers, text): {exc}") from exc


# What plain data needs to be rebuilt (pandas 3 / numpy 2 / pyarrow), and nothing that runs code.
_ALLOWED = {
    "builtins": {"slice", "complex", "set", "frozenset", "bytearray", "range"},
    "collections": {"OrderedDict"},
    "numpy": {"dtype", "ndarray"},
    "numpy._core.multiarray": {"_reconstruct", "scalar"},
    "numpy._core.numeric": {"_frombuffer"},
    "pandas._libs.arrays": {"__pyx_unpickle_NDArrayBacked"},
    "pandas._libs.internals": {"_unpickle_block"},
    "pandas._libs.tslibs.timestamps": {"_unpickle_timestamp"},
    "pandas._libs.tslibs.timedeltas": {"_timedelta_unpickle"},
    "pandas.core.indexes.base": {"_new_Index"},
    "pandas.core.internals.managers": {"BlockManager", "SingleBlockManager"},
    "pyarrow.lib": {"_restore_array", "py_buffer", "type_for_alias"},
}
# Modules whose classes (not functions) may be rebuilt.
_CLASS_MODULES = ("datetime", "numpy.dtypes", "pandas", "pandas.arrays", "pyarrow.lib")


class PlainDataUnpickler(pickle.Unpickler):
    """Unpickles only data types; anything else raises pickle.UnpicklingError."""

    def find_class(self, module: str, name: str) -> Any:
        if name in _ALLOWED.get(module, ()):
            return super().find_class(module, name)
        if module in _CLASS_MODULES:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed")


def loads_plain(data: bytes) -> Any:
    """Unpickle `data` with `PlainDataUnpickler`."""
    return PlainDataUnpickler(io.BytesIO(data)).load()
