"""Each way out of the Python sandbox that an attacker found (issue 9) must now fail.

Real processes throughout: the scripts run in the bubblewrap sandbox as a worker would run them,
and what they could reach is checked from outside (the host's /proc, files, sockets).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import socket
import sys
import threading
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from app.processes import descendants
from components.errors import ComponentInputError
from jobs.runtime import wire
from jobs.runtime.python import run_python
from jobs.runtime.sandbox import SANDBOX_UID, SANDBOX_UID_BASE, sandbox_problem
from tests.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.skipif(
    sandbox_problem() is not None, reason=f"the sandbox cannot run here: {sandbox_problem()}"
)


def call(script: str, *arguments: object, timeout: float = 60) -> object:
    return run_python(script, "main", list(arguments), timeout=timeout, log=io.StringIO())


def processes_with(marker: str) -> list[int]:
    """Host processes whose command line holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and entry.name != str(os.getpid()):
            with contextlib.suppress(OSError):
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def sandbox_descendants() -> list[int]:
    """Processes below this one that belong to a sandbox (the session's stack may run too)."""
    found = []
    for pid in descendants(os.getpid()):
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"bwrap" in command or b"python_child" in command:
                found.append(pid)
    return found


def test_parent_environments_are_out_of_sight(monkeypatch: pytest.MonkeyPatch) -> None:
    """/proc shows only the sandbox's own processes: no worker environ to read secrets from."""
    secret = uuid.uuid4().hex
    monkeypatch.setenv("REDIS_URL", f"redis://:{secret}@127.0.0.1:6379/0")
    monkeypatch.setenv("FLOWBENCH_TOKEN", secret)
    script = f"""
import os
def main():
    seen = {{}}
    for pid in [p for p in os.listdir('/proc') if p.isdigit()] + ['{os.getpid()}', '1']:
        try:
            seen[pid] = open(f'/proc/{{pid}}/environ', 'rb').read().decode('latin-1')
        except OSError as exc:
            seen[pid] = type(exc).__name__
    return {{'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
             'ppid': os.getppid(), 'environ': seen}}
"""
    found = call(script)
    assert secret not in repr(found)
    assert "REDIS_URL" not in repr(found) and "FLOWBENCH" not in repr(found)
    # Its own PID namespace: bwrap's init and the script, nothing of the host.
    assert max(found["pids"]) < 10 and os.getpid() not in found["pids"]


def test_workspace_token_and_artifacts_are_absent(tmp_path: Path) -> None:
    """The workspace's token cannot be read and the artifact store cannot be written."""
    token = tmp_path / "workspace" / "token"
    objects = tmp_path / "workspace" / "artifacts" / "objects"
    objects.mkdir(parents=True)
    token.write_text("s3cret-token\n")
    os.chmod(tmp_path, 0o755)  # even a world-readable workspace is not in the sandbox
    script = f"""
import os
def main():
    outcome = {{}}
    try:
        outcome['token'] = open({str(token)!r}).read()
    except OSError as exc:
        outcome['token'] = type(exc).__name__
    try:
        with open({str(objects / "planted.parquet")!r}, 'wb') as handle:
            handle.write(b'x')
        outcome['write'] = 'written'
    except OSError as exc:
        outcome['write'] = type(exc).__name__
    outcome['root'] = sorted(os.listdir('/'))
    return outcome
"""
    found = call(script)
    assert found["token"] == "FileNotFoundError"
    assert found["write"] in ("FileNotFoundError", "PermissionError", "OSError")
    assert not (objects / "planted.parquet").exists()
    # Only system folders and the top folders of the Python installation and venv, wherever
    # the clone lives (CI clones under /check), may show at the sandbox's root.
    python_tops = {
        Path(os.path.realpath(p)).parts[1] for p in (sys.base_prefix, sys.prefix, sys.executable)
    }
    python_tops |= {Path(p).parts[1] for p in (sys.base_prefix, sys.prefix)}
    allowed = {
        "bin",
        "dev",
        "flowbench",
        "lib",
        "lib32",
        "lib64",
        "libx32",
        "proc",
        "sbin",
        "tmp",
        "usr",
    } | python_tops
    assert set(found["root"]) <= allowed


def test_no_network_reaches_redis_the_control_plane_or_outside() -> None:
    """Redis, a listening 'control plane' on the host and the internet are all unreachable."""
    accepted: list[object] = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.2)
        port = server.getsockname()[1]
        stop = threading.Event()

        def accept() -> None:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError, OSError):
                    accepted.append(server.accept())

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        redis_port = int(TEST_REDIS_URL.rsplit(":", 1)[1].split("/")[0])
        script = f"""
import socket
def main():
    outcome = {{}}
    for name, address in (('redis', ('127.0.0.1', {redis_port})),
                          ('control plane', ('127.0.0.1', {port})), ('internet', ('1.1.1.1', 80))):
        try:
            socket.create_connection(address, timeout=3).close()
            outcome[name] = 'connected'
        except OSError as exc:
            outcome[name] = type(exc).__name__
    return outcome
"""
        try:
            found = call(script)
        finally:
            stop.set()
            thread.join()
    assert "connected" not in found.values(), found
    assert accepted == []


def test_subprocess_and_ctypes_run_as_nobody_and_see_nothing() -> None:
    """`id` through subprocess and getuid through ctypes: an unprivileged uid, no capabilities."""
    script = """
import ctypes, subprocess
def main():
    libc = ctypes.CDLL(None)
    status = open('/proc/self/status').read()
    caps = [line for line in status.splitlines() if line.startswith('CapEff')]
    return {'id': subprocess.run(['id'], capture_output=True, text=True).stdout,
            'ctypes_uid': libc.getuid(), 'caps': caps[0],
            'ls_work': subprocess.run(['ls', '-a', '/work'], capture_output=True,
                                      text=True).stdout.split()}
"""
    found = call(script)
    uid = found["ctypes_uid"]
    assert uid not in (0, os.getuid())
    if os.geteuid() == 0:  # a uid of its own, no account's (see sandbox_uid)
        assert uid >= SANDBOX_UID_BASE
    else:
        assert uid == SANDBOX_UID
    assert found["id"].startswith(f"uid={uid}")
    assert found["caps"].split()[-1] == "0000000000000000"
    # At most the folder that holds the Python environment, nothing else of the host's /work.
    environment = {
        Path(p).relative_to("/work").parts[0]
        for p in (sys.prefix, sys.base_prefix)
        if Path(p).is_relative_to("/work")
    }
    assert set(found["ls_work"]) <= {".", ".."} | environment


def test_a_fork_loop_hits_the_process_limit_and_fails_cleanly() -> None:
    """`while True: os.fork()` is stopped by the process limit; the step fails; nothing stays."""
    script = """
import os, time
def main():
    while True:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
"""
    with pytest.raises(ComponentInputError, match=r"BlockingIOError|Resource temporarily"):
        call(script, timeout=120)
    assert sandbox_descendants() == []


@pytest.mark.skipif(os.geteuid() != 0, reason="per-sandbox uids need the sandbox run by root")
def test_a_fork_bomb_in_one_sandbox_leaves_the_others_their_processes() -> None:
    """Each sandbox counts its own processes: while one sandbox holds every process it may
    have, another still starts twenty."""
    bomb = """
import os, time
def main():
    children = 0
    try:
        while True:
            if os.fork() == 0:
                time.sleep(20)
                os._exit(0)
            children += 1
    except OSError:
        pass
    time.sleep(15)  # hold them while the other sandbox starts its own
    return children
"""
    outcome: dict[str, object] = {}

    def run_bomb() -> None:
        try:
            outcome["bomb"] = call(bomb, timeout=60)
        except ComponentInputError as exc:
            outcome["bomb"] = exc

    thread = threading.Thread(target=run_bomb)
    thread.start()
    time.sleep(6)  # the bomb has filled its process count by now (it takes about 2 s)
    other = call(
        """
import subprocess
def main():
    procs = [subprocess.Popen(['sleep', '1']) for _ in range(20)]
    return sum(p.wait() == 0 for p in procs)
""",
        timeout=60,
    )
    thread.join()
    assert other == 20
    assert isinstance(outcome["bomb"], int) and outcome["bomb"] >= 100, outcome["bomb"]
    assert sandbox_descendants() == []


def test_a_timeout_stops_every_process_the_script_started() -> None:
    """After the time limit, the script, a detached grandchild and a busy child are all gone."""
    marker = str(3_000_000 + uuid.uuid4().int % 1_000_000)
    script = f"""
import os, subprocess, sys
def main():
    subprocess.Popen(['sleep', '{marker}'], start_new_session=True, stdout=sys.stdout)
    if os.fork() == 0:
        os.setsid()
        while True:
            pass
    while True:
        pass
"""
    with pytest.raises(ComponentInputError, match=r"ran longer than 3 s and was stopped"):
        call(script, timeout=3)
    assert processes_with(marker) == []
    assert sandbox_descendants() == []


def test_a_detached_grandchild_holding_the_output_does_not_hang_the_call() -> None:
    """A script that returns while its daemon keeps stdout open still returns, and the daemon
    dies with the sandbox."""
    marker = str(4_000_000 + uuid.uuid4().int % 1_000_000)
    script = f"""
import subprocess, sys
def main():
    subprocess.Popen(['sleep', '{marker}'], start_new_session=True, stdout=sys.stdout,
                     stderr=sys.stderr)
    return 'done'
"""
    assert call(script, timeout=120) == "done"
    assert processes_with(marker) == []


def framed(manifest: bytes, blobs: bytes = b"") -> bytes:
    """A message in the wire format's framing with any manifest."""
    return wire.MAGIC + len(manifest).to_bytes(8, "big") + manifest + blobs


@pytest.mark.parametrize(
    ("forged", "refusal"),
    [
        (pickle.dumps(os.system), r"refused: not a Flowbench wire message"),
        (
            framed(b'{"value":{"ok":{"$":"pickle","blob":0}},"blobs":[]}'),
            r"refused: unknown or malformed tag",
        ),
        (
            framed(
                b'{"value":{"$":"dict","items":[["ok",{"$":"frame","blob":0,"columns":[]}]]},'
                b'"blobs":[3]}',
                b"abc",
            ),
            r"refused: a table is not valid Arrow IPC",
        ),
    ],
)
def test_a_crafted_result_is_refused(forged: bytes, refusal: str, tmp_path: Path) -> None:
    """A script that writes its own bytes to the result pipe gets them refused, never run."""
    script = f"""
import os, sys
def main():
    os.write(int(sys.argv[1]), {forged!r})
    os._exit(0)
"""
    with pytest.raises(ComponentInputError, match=refusal):
        call(script)


def test_the_wire_format_rebuilds_data_only() -> None:
    """Tables, series, bytes and containers round-trip; unknown tags and bad sizes are refused."""
    frame = pd.DataFrame({"a": [1.5, None], 3: ["x", "y"]})
    value = (frame, pd.Series([1, 2], name="label"), b"\x00model", {"k": [1, None, "t"]})
    back = wire.decode(wire.encode(value))
    pd.testing.assert_frame_equal(back[0], frame)
    pd.testing.assert_series_equal(back[1], value[1])
    assert back[2:] == value[2:]
    with pytest.raises(wire.WireError, match="unknown or malformed tag"):
        wire.decode(framed(b'{"value":{"$":"object","name":"os.system"},"blobs":[]}'))
    with pytest.raises(wire.WireError, match="do not add up"):
        wire.decode(framed(b'{"value":{"$":"bytes","blob":0},"blobs":[99]}', b"short"))
    with pytest.raises(wire.WireError, match="cannot leave the sandbox"):
        wire.encode(object())
