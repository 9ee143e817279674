"""Local scoring servers: one `flowbench serve` process per endpoint, outliving the control plane.

Each server starts in a session of its own (so a control plane that dies or restarts does not
take it along), bound to 127.0.0.1 on a free port. What is needed to find it again is written
beside its keys in `endpoints/<name>/server.json` (pid, port, command); a control plane that
starts reads it, adopts a server that still runs and restarts one that does not. Output goes to
`endpoints/<name>/server.log`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from app.services.endpoint_keys import KEYS_FILE

PROJECT_ROOT = Path(__file__).parents[2]
SERVER_FILE = "server.json"
STOP_GRACE = 10.0


@dataclass(frozen=True)
class ServerProcess:
    """A started scoring server: its pid and port, and the command line it runs."""

    pid: int
    port: int
    command: list[str]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _listen(port: int) -> socket.socket | None:
    """A socket listening on 127.0.0.1:`port` (0: the kernel's choice); None when taken."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(2048)  # uvicorn's backlog
    except OSError:
        sock.close()
        return None
    return sock


def _running(pid: int, command: list[str]) -> bool:
    """Whether `pid` is a live (not zombie) process running `command` (a reused pid is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
        return False
    return [part.decode(errors="replace") for part in cmdline if part] == command


class LocalServers:
    """Start, find, check and stop the scoring servers of the endpoints under `root`.

    Args:
        root: The workspace's `endpoints/` folder (one subfolder per endpoint).
        serve_command: The command that runs a scoring server, before its arguments.
        ports: Where to choose ports (FLOWBENCH_ENDPOINT_PORTS); any free port when None.
    """

    def __init__(
        self, root: Path, serve_command: list[str] | None = None, ports: range | None = None
    ) -> None:
        self.root = root
        self.ports = ports
        self.serve_command = serve_command or [sys.executable, "-m", "app.cli", "serve"]
        self._children: dict[int, subprocess.Popen] = {}  # ours to reap

    def folder(self, name: str) -> Path:
        return self.root / name

    def start(self, name: str, bundle: Path, port: int | None = None) -> ServerProcess:
        """Start the server of endpoint `name` on `port` (when still free) or a free port.

        The port is bound here and the listening socket handed to the server (`flowbench serve
        --fd`): no other process can take the port between its choice and the server's start.
        """
        folder = self.folder(name)
        folder.mkdir(parents=True, exist_ok=True)
        listening = (port is not None and _listen(port)) or self._listen_on_a_free_port()
        port = listening.getsockname()[1]
        command = [
            *self.serve_command,
            str(bundle),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--fd",
            str(listening.fileno()),
            "--keys-file",
            str(folder / KEYS_FILE),
        ]
        env = {k: v for k, v in os.environ.items() if k != "FLOWBENCH_TOKEN"}
        env["PYTHONUNBUFFERED"] = "1"
        with listening, open(folder / "server.log", "ab") as log:
            process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                pass_fds=(listening.fileno(),),
            )
        # Forget children that ended (kept until now for their exit code).
        self._children = {pid: c for pid, c in self._children.items() if c.poll() is None}
        self._children[process.pid] = process
        server = ServerProcess(pid=process.pid, port=port, command=command)
        tmp = folder / f".{SERVER_FILE}.tmp"
        tmp.write_text(json.dumps(asdict(server)))
        os.replace(tmp, folder / SERVER_FILE)
        return server

    def _listen_on_a_free_port(self) -> socket.socket:
        for port in self.ports if self.ports is not None else (0,):
            listening = _listen(port)
            if listening is not None:
                return listening
        raise OSError(
            f"No free port left in {self.ports.start}-{self.ports.stop - 1} "
            "(FLOWBENCH_ENDPOINT_PORTS) for another scoring server."
        )

    def read(self, name: str) -> ServerProcess | None:
        """The server last started for `name`, alive or not; None when none was."""
        try:
            return ServerProcess(**json.loads((self.folder(name) / SERVER_FILE).read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def alive(self, server: ServerProcess) -> bool:
        """Whether the server runs: for our own child, its exit status says; for a server a
        previous control plane started, its pid must still run its command line."""
        child = self._children.get(server.pid)
        if child is not None:
            # Not /proc: just after exec the kernel shows an empty command line for a moment
            # (the new program's arguments are not mapped yet), which looked like a dead server.
            return child.poll() is None
        return _running(server.pid, server.command)

    def exit_code(self, server: ServerProcess) -> int | None:
        """The exit code of a server this object started and that ended; else None."""
        child = self._children.get(server.pid)
        return None if child is None else child.poll()

    def healthy(self, server: ServerProcess, timeout: float = 2.0) -> bool:
        """Whether the server answers its health route."""
        try:
            return httpx.get(f"{server.base_url}/health", timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_healthy(self, server: ServerProcess, timeout: float = 120.0) -> bool:
        """Wait until the server is healthy; False when it died or the time ran out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive(server):
                return False
            if self.healthy(server, timeout=1.0):
                return True
            time.sleep(0.1)
        return False

    def stop(self, name: str) -> None:
        """Stop the server of `name` (SIGTERM, then SIGKILL after a grace period)."""
        server = self.read(name)
        if server is None or not self.alive(server):
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while self.alive(server) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.alive(server):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
        child = self._children.pop(server.pid, None)
        if child is not None:
            child.wait()

    def stop_all(self) -> None:
        """Stop every endpoint's server (what `flowbench up` does when it stops)."""
        if self.root.is_dir():
            for folder in sorted(self.root.iterdir()):
                if (folder / SERVER_FILE).exists():
                    self.stop(folder.name)
