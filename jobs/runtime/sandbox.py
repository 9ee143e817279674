"""Running a command confined with bubblewrap (`bwrap`): the boundary around user code.

The confined process runs as a uid of its own (no account's; see `sandbox_uid`) with no
capabilities and no new privileges, in its own network namespace (no interface but a down loopback:
no Redis, no control plane, no internet), its own PID namespace (it sees only its own processes,
and killing `bwrap` kills every process inside), its own IPC and UTS namespaces. Its file system is
empty but for read-only binds of /usr, the Python installation and its site-packages, the few files
the caller names, a fresh /proc and /dev, and a private, size-limited /tmp. The workspace, the
token, the artifact store, other steps' files and the worker's environment are not there.

Data goes in on stdin and comes back on a pipe of its own (`RESULT_FD` in the command); both are
read with size caps, and the whole run with a wall-clock limit. When the sandbox cannot be set
up, nothing runs (`SandboxUnavailableError`), unless the operator set
``FLOWBENCH_UNSAFE_UNCONFINED_PYTHON=1``: then the command runs as a plain child process with an
empty environment (no isolation from the worker's files, network or user).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jobs.errors import SandboxUnavailableError

UNCONFINED_SETTING = "FLOWBENCH_UNSAFE_UNCONFINED_PYTHON"
SANDBOX_UID = 65534  # inside an unprivileged (user-namespace) sandbox
# Run as root, each sandbox takes a uid of its own above every real account's: RLIMIT_NPROC
# counts per user, so each sandbox's process limit is its own, and a fork bomb in one step
# cannot starve the sandboxes of other steps. The pid (< 2**22) and a per-process serial
# make the uid unique among the sandboxes running at once, and keep it below 2**31.
SANDBOX_UID_BASE = 1 << 30
_serial = itertools.count()
# Host folders of unconfined runs; the owner's pid follows, so leftovers of a killed worker can
# be told from live ones (jobs.runtime.python.remove_leftovers).
TEMP_PREFIX = "flowbench-py-"
RESULT_FD = "{result_fd}"  # placeholder in a command, replaced by the result pipe's number
# How long to keep reading after the process ended: a grandchild it left behind could hold the
# pipes open forever (bwrap's PID namespace kills it, the unconfined mode does not).
_DRAIN_S = 0.5
_CHUNK = 1 << 16
_SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ENVIRONMENT = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "USER": "sandbox",  # the uid has no account: getpass.getuser() reads this instead
    "LOGNAME": "sandbox",
    "LANG": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


@dataclass(frozen=True)
class Limits:
    """What one confined run may use."""

    seconds: float  # wall clock
    tmp_bytes: int  # size of the private /tmp
    output_bytes: int  # stdout + stderr kept (the rest is read and dropped)
    result_bytes: int  # the result pipe (more stops the run)


@dataclass(frozen=True)
class Outcome:
    """How a confined run ended."""

    returncode: int | None  # None: still running when it was killed
    output: bytes
    output_cut: bool
    result: bytes
    timed_out: bool
    result_too_large: bool


def unconfined_allowed() -> bool:
    """Whether the operator allowed user code to run without the sandbox (unsafe)."""
    return os.environ.get(UNCONFINED_SETTING, "").strip().lower() in ("1", "true", "yes")


@functools.cache
def sandbox_problem() -> str | None:
    """Why the sandbox cannot start here, or None when it can (checked once per process)."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    try:
        done = subprocess.run(
            _bwrap_prefix({}, 1 << 20) + _drop_privileges(sandbox_uid()) + ["/bin/true"],
            capture_output=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not be started ({exc})"
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip() or f"exit code {done.returncode}"
        return f"the sandbox failed to start: {said}"
    return None


def require_sandbox() -> bool:
    """True when the sandbox is usable, False when the operator allowed unconfined runs.

    Raises:
        SandboxUnavailableError: neither, with what is wrong and how to fix it.
    """
    problem = sandbox_problem()
    if problem is None:
        return True
    if unconfined_allowed():
        return False
    raise SandboxUnavailableError(
        f"User Python was not run: the sandbox cannot be set up on this worker ({problem}). "
        "Install bubblewrap (Debian: apt-get install bubblewrap) and run workers as root or "
        "where unprivileged user namespaces are allowed (sysctl "
        "kernel.unprivileged_userns_clone=1; in a container, allow unshare/clone of "
        f"namespaces). Only on a single-user machine you trust: {UNCONFINED_SETTING}=1 runs "
        "user code unconfined, with the worker's files, network and user."
    )


def run_confined(
    command: list[str], files: dict[str, Path], stdin: bytes, limits: Limits
) -> Outcome:
    """Run `command` in the sandbox (or unconfined when allowed) and collect what it says.

    `files` maps paths inside the sandbox to host files bound read-only there. Occurrences of
    `RESULT_FD` in `command` are replaced by the number of the result pipe's write end.

    Raises:
        SandboxUnavailableError: the sandbox cannot be set up and unconfined runs are not allowed.
    """
    confined = require_sandbox()
    read_end, write_end = os.pipe()
    argv = [part.replace(RESULT_FD, str(write_end)) for part in command]
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(_close, read_end)
        if confined:
            full = _bwrap_prefix(files, limits.tmp_bytes) + _drop_privileges(sandbox_uid()) + argv
            cwd, env = "/", {}
        else:
            folder = cleanup.enter_context(
                tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-")
            )
            full = [_unconfined_path(part, files) for part in argv]
            cwd, env = folder, {**_ENVIRONMENT, "HOME": folder, "TMPDIR": folder}
        try:
            process = subprocess.Popen(
                full,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(write_end,),
                cwd=cwd,
                env=env,
                start_new_session=True,
            )
        finally:
            os.close(write_end)
        cleanup.callback(_end, process, confined)
        threading.Thread(
            target=_feed, args=(process, stdin), daemon=True, name="flowbench-sandbox-stdin"
        ).start()
        return _collect(process, read_end, limits)


def _bwrap_prefix(files: dict[str, Path], tmp_bytes: int) -> list[str]:
    command = [
        "bwrap",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--hostname",
        "sandbox",
    ]
    if os.geteuid() != 0:  # unprivileged bwrap maps the caller to 65534 in a user namespace
        command += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    for name, value in _ENVIRONMENT.items():
        command += ["--setenv", name, value]
    command += ["--ro-bind", "/usr", "/usr"]
    for folder in _SYSTEM_DIRS:
        if os.path.islink(folder):
            command += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            command += ["--ro-bind", folder, folder]
    # The private /tmp comes before the binds: a Python installation or venv under /tmp (a
    # clone in a temporary folder) is then bound on top of it instead of hidden beneath it.
    command += ["--size", str(tmp_bytes), "--perms", "1777", "--tmpfs", "/tmp"]
    made, bound = {"/", "/tmp"}, ["/usr"]
    for folder in _python_paths():
        command += _parents(folder, made, bound) + ["--ro-bind", folder, folder]
        bound.append(folder)
    for target, source in files.items():
        command += _parents(target, made, bound) + ["--ro-bind", str(source), target]
    command += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp", "--"]
    return command


def _parents(path: str, made: set[str], bound: list[str]) -> list[str]:
    # bwrap creates missing parents of a mount point as 0700 root folders, which uid 65534
    # could not traverse: create them 0755 first (those inside a bound folder exist already).
    args: list[str] = []
    for parent in reversed(Path(path).parents):
        name = str(parent)
        if name in made or any(name == b or name.startswith(b + "/") for b in bound):
            continue
        args += ["--perms", "0755", "--dir", name]
        made.add(name)
    return args


def _python_paths() -> list[str]:
    """The Python installation and environment to bind: prefixes and the interpreter's folder."""
    paths: list[str] = []
    for path in (sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable))):
        real = os.path.realpath(path)
        for candidate in {path, real}:
            if candidate == "/usr" or candidate.startswith("/usr/"):
                continue
            if candidate not in paths and not any(candidate.startswith(p + "/") for p in paths):
                paths.append(candidate)
    return sorted(paths, key=len)


def sandbox_uid() -> int:
    """The uid (and gid) the next sandbox of this process runs as, when run by root."""
    return SANDBOX_UID_BASE + (os.getpid() << 8) + next(_serial) % 256


def _drop_privileges(uid: int) -> list[str]:
    if os.geteuid() != 0:
        return []
    # bwrap run by root keeps uid 0 in the sandbox; become an unprivileged uid for real
    # (outside too, so that RLIMIT_NPROC applies and no file of root's is the sandbox's own).
    return [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
    ]


def _unconfined_path(part: str, files: dict[str, Path]) -> str:
    return str(files[part]) if part in files else part


def _feed(process: subprocess.Popen, data: bytes) -> None:
    assert process.stdin is not None  # started with stdin=PIPE
    with contextlib.suppress(OSError, ValueError):  # the process may end without reading
        process.stdin.write(data)
        process.stdin.close()


def _collect(process: subprocess.Popen, result_fd: int, limits: Limits) -> Outcome:
    output, result = bytearray(), bytearray()
    output_cut = timed_out = too_large = False
    deadline = time.monotonic() + limits.seconds
    ended_at: float | None = None
    assert process.stdout is not None  # started with stdout=PIPE
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, "output")
        selector.register(result_fd, selectors.EVENT_READ, "result")
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                break
            if ended_at is None and process.poll() is not None:
                ended_at = now
            if ended_at is not None and now - ended_at > _DRAIN_S:
                break
            for key, _ in selector.select(timeout=min(0.1, deadline - now)):
                chunk = os.read(key.fd, _CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data == "output":
                    room = limits.output_bytes - len(output)
                    output += chunk[: max(room, 0)]
                    output_cut = output_cut or len(chunk) > room
                else:
                    result += chunk
                    if len(result) > limits.result_bytes:
                        too_large = True
                        break
            if too_large:
                break
    returncode = None if timed_out or too_large else process.poll()
    return Outcome(returncode, bytes(output), output_cut, bytes(result), timed_out, too_large)


def _end(process: subprocess.Popen, confined: bool) -> None:
    """Kill the sandbox and everything in it; a no-op when it already ended."""
    if process.poll() is None and not confined:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    if process.poll() is None:
        # Kill the sandbox's PID 1 first: the kernel then kills every process of its namespace
        # and PID 1 is reaped only once they are all gone, so when bwrap (which waits for it)
        # exits, nothing the script started is left. Killing bwrap alone would leave the
        # namespace to die a moment later (--die-with-parent), after we return.
        for child in _children(process.pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(child, signal.SIGKILL)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for stream in (process.stdin, process.stdout):
        with contextlib.suppress(OSError):
            if stream is not None:
                stream.close()


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
