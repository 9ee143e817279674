"""Starting, awaiting and stopping child processes: the one way `flowbench up`, tests and bench do.

A child starts in a session of its own, so it leads its own process group: a terminal's Ctrl-C
reaches only whoever started it (which stops its children in order), and stopping a child
signals its whole group, helpers it started included. Its output is appended to a log file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import httpx

# How long a stopped child may take to exit on SIGTERM before it gets SIGKILL.
STOP_GRACE = 10.0


class ProcessStartError(RuntimeError):
    """A child did not become ready."""


class ProcessExited(ProcessStartError):
    """A child exited before it was ready."""


class ProcessNotReady(ProcessStartError):
    """A child was still not ready when the time was up."""


def start(
    command: list[str],
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    pass_fds: tuple[int, ...] = (),
) -> subprocess.Popen:
    """Start `command` in a session of its own, its stdout and stderr appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=pass_fds,
        )


def answers_http(url: str, timeout: float = 1.0) -> Callable[[], bool]:
    """A readiness check: `url` answers 200."""

    def answers() -> bool:
        try:
            return httpx.get(url, timeout=timeout).status_code == 200
        except httpx.TransportError:
            return False

    return answers


def wait_until_ready(
    process: subprocess.Popen,
    ready: Callable[[], bool],
    *,
    timeout: float,
    interval: float = 0.1,
) -> None:
    """Return once `ready()` is true.

    Raises:
        ProcessExited: the process exited first.
        ProcessNotReady: `timeout` seconds passed.
    """
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ProcessExited(f"process {process.pid} exited with code {process.returncode}")
        if ready():
            return
        if time.monotonic() > deadline:
            raise ProcessNotReady(f"process {process.pid} was not ready within {timeout:.0f} s")
        time.sleep(interval)


def signal_group(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Send `sig` to the process group a running child leads."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)


def stop(
    process: subprocess.Popen, *, sig: int = signal.SIGTERM, grace: float = STOP_GRACE
) -> None:
    """Signal the child's group, wait up to `grace` seconds, then SIGKILL the group.

    With `sig` SIGKILL, processes below the child that sit in groups of their own (an RQ work
    horse) are killed too, else they would outlive it.
    """
    doomed = descendants(process.pid) if sig == signal.SIGKILL and process.poll() is None else []
    signal_group(process, sig)
    for pid in doomed:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _wait_or_kill(process, grace)


def stop_all(processes: Iterable[subprocess.Popen], grace: float = STOP_GRACE) -> None:
    """SIGTERM every child's group in the given order, then give them `grace` seconds in all."""
    processes = list(processes)
    for process in processes:
        signal_group(process)
    deadline = time.monotonic() + grace
    for process in processes:
        _wait_or_kill(process, max(0.1, deadline - time.monotonic()))


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], list(children.get(pid, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children.get(child, []))
    return found


def _wait_or_kill(process: subprocess.Popen, timeout: float) -> None:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        signal_group(process, signal.SIGKILL)
        process.wait()
