"""The process launcher that `flowbench up`, the tests and the benchmarks share."""

import os
import signal
import sys
import time

import pytest

from app import processes


def _python(code: str, tmp_path, name: str = "child"):
    return processes.start([sys.executable, "-c", code], tmp_path / f"{name}.log")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_child_leads_its_own_group_and_writes_to_its_log(tmp_path):
    process = _python("import os; print('group', os.getpgid(0) == os.getpid())", tmp_path)
    assert process.wait(timeout=30) == 0
    assert (tmp_path / "child.log").read_text().strip() == "group True"


def test_wait_until_ready_returns_once_ready_and_tells_an_exit_from_a_timeout(tmp_path):
    marker = tmp_path / "ready"
    slow = _python(
        f"import time, pathlib; pathlib.Path({str(marker)!r}).touch(); time.sleep(60)", tmp_path
    )
    try:
        processes.wait_until_ready(slow, marker.exists, timeout=30, interval=0.02)
        with pytest.raises(processes.ProcessNotReady):
            processes.wait_until_ready(slow, lambda: False, timeout=0.2, interval=0.02)
    finally:
        processes.stop(slow, grace=5)
    failing = _python("raise SystemExit(3)", tmp_path, "failing")
    with pytest.raises(processes.ProcessExited, match="code 3"):
        processes.wait_until_ready(failing, lambda: False, timeout=30)


def test_stop_reaches_the_whole_group_and_kills_what_ignores_sigterm(tmp_path):
    # The child ignores SIGTERM and starts a grandchild in its group, which does too.
    code = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "grandchild = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)'])\n"
        "print(grandchild.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    process = _python(code, tmp_path)
    log = tmp_path / "child.log"
    processes.wait_until_ready(process, lambda: log.read_text().strip() != "", timeout=30)
    grandchild = int(log.read_text().split()[0])
    started = time.monotonic()
    processes.stop(process, grace=0.5)
    assert process.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 10
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_stop_all_gives_every_child_sigterm_and_one_grace_period(tmp_path):
    children = [_python("import time; time.sleep(60)", tmp_path, f"c{n}") for n in range(3)]
    started = time.monotonic()
    processes.stop_all(children, grace=5)
    assert [c.returncode for c in children] == [-signal.SIGTERM] * 3
    assert time.monotonic() - started < 5
