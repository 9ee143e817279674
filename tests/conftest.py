"""Shared fixtures: a real Redis, and a real Flowbench stack (control plane + worker processes).

Redis: FLOWBENCH_TEST_REDIS_URL, else redis://127.0.0.1:6379/11 (a database of its own, flushed
before use). `.ci/run` starts a server where none answers. `make test` runs the suite on
pytest-xdist workers; each worker is a session of its own with a database of its own (see
`worker_redis_url`) and its own stack.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from redis import Redis
from redis.exceptions import RedisError

from app import processes
from jobs.defaults import DEFAULT_QUEUE

ROOT = Path(__file__).parents[1]
# Databases kept for benchmarks (bench/ uses 12 and 9 by default; 13 is kept for them too): a
# test worker passes over them.
BENCHMARK_DBS = frozenset({9, 12, 13})
# pytest-xdist's name and count of this worker process ("gw0", "gw1", ...); unset when serial.
XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
XDIST_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))


def worker_redis_url(url: str, worker: int) -> str:
    """The URL of test worker `worker`'s database: the `worker`th one above `url`'s, passing over
    the benchmarks' (11, 14, 15 for the default URL; 3, 4, 5 for .../3)."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    for _ in range(worker):
        db += 1
        while db in BENCHMARK_DBS:
            db += 1
    return urlunsplit(parts._replace(path=f"/{db}"))


TEST_REDIS_URL = worker_redis_url(
    os.environ.get("FLOWBENCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/11"), XDIST_WORKER
)

# Ports free_port hands out: below the kernel's ephemeral range (32768-60999 by default), where
# bind(("", 0)) and outgoing connections take theirs, split into one slice per test worker.
TEST_PORTS = range(20000, 32768)
_ports_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port that nothing is bound to now, for a server the test starts next.

    Never the same one twice in a session, and from this worker's own slice of TEST_PORTS: no
    other test worker, nor a server that picks the kernel's free port, takes it before the
    server binds it.
    """
    size = len(TEST_PORTS) // XDIST_WORKERS
    mine = TEST_PORTS[XDIST_WORKER * size : (XDIST_WORKER + 1) * size]
    for _ in range(1000):
        port = random.choice(mine)
        if port in _ports_handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _ports_handed_out.add(port)
        return port
    raise RuntimeError(f"no free port found in {mine}")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of a Redis that answers, with its database emptied once per session."""
    try:
        client = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
        client.flushdb()
    except (RedisError, OSError) as exc:
        pytest.fail(
            f"No Redis answers at {TEST_REDIS_URL} ({exc}); start one "
            f"(.ci/run does) or set FLOWBENCH_TEST_REDIS_URL."
        )
    return TEST_REDIS_URL


@dataclass
class Stack:
    """A running control plane and workers on a temporary workspace."""

    home: Path
    env: dict[str, str]
    api_url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def token(self) -> str:
        return (self.home / "token").read_text().strip()

    def client(self):
        from app.client import FlowbenchClient

        return FlowbenchClient(self.api_url, self.token)

    def start_api(self) -> None:
        self.processes["api"] = self._start("api", [sys.executable, "-m", "app.cli", "api"])
        try:
            processes.wait_until_ready(
                self.processes["api"], processes.answers_http(f"{self.api_url}/health"), timeout=60
            )
        except processes.ProcessExited:
            raise RuntimeError((self.home / "api.log").read_text()) from None
        except processes.ProcessNotReady:
            raise RuntimeError("control plane did not start") from None

    def start_worker(
        self, name: str, *queues: str, burst: bool = False, fork: bool = True
    ) -> subprocess.Popen:
        command = [
            sys.executable,
            "-m",
            "app.cli",
            "worker",
            "--name",
            name,
            "--queues",
            *(queues or (DEFAULT_QUEUE,)),
        ]
        if burst:
            command.append("--burst")
        if not fork:
            command.append("--no-fork")
        process = self._start(name, command)
        self.processes[name] = process
        return process

    def start_ui(self, options: list[str] | None = None) -> str:
        """Start the Streamlit UI against this control plane; return its URL.

        `options` are `streamlit run`'s; by default the ones `flowbench up` gives (XSRF on,
        only the local host names allowed) for a free port.
        """
        from app.settings import Settings
        from app.supervisor import ui_options

        port = free_port()
        if options is None:
            options = ui_options(Settings(home=self.home, redis_url=None, ui_port=port))
        else:
            options = [*options, "--server.port", str(port)]
        command = [sys.executable, "-m", "streamlit", "run", "app/ui/main.py", *options]
        process = self._start("ui", command, PYTHONPATH=str(ROOT))
        self.processes["ui"] = process
        url = f"http://127.0.0.1:{port}"
        try:
            processes.wait_until_ready(
                process, processes.answers_http(f"{url}/_stcore/health"), timeout=60
            )
        except processes.ProcessStartError:
            self.stop("ui", signal.SIGKILL)
            raise RuntimeError(
                f"streamlit did not start: {(self.home / 'ui.log').read_text()[-2000:]}"
            ) from None
        return url

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Signal a process's group; with SIGKILL also its descendants (an RQ work horse sits in
        a process group of its own and would outlive its worker)."""
        processes.stop(self.processes.pop(name), sig=sig, grace=20)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def _start(self, name: str, command: list[str], **extra_env: str) -> subprocess.Popen:
        env = {**self.env, **extra_env}
        return processes.start(command, self.home / f"{name}.log", env=env, cwd=ROOT)


def make_stack(home: Path, redis_url: str, **extra_env: str) -> Stack:
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "FLOWBENCH_HOME": str(home),
        "REDIS_URL": redis_url,
        "FLOWBENCH_API_PORT": str(port),
        "FLOWBENCH_API_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    env.pop("FLOWBENCH_TOKEN", None)
    return Stack(home=home, env=env, api_url=f"http://127.0.0.1:{port}")


@pytest.fixture(scope="session")
def stack(tmp_path_factory, redis_url) -> Stack:
    """A control plane and two workers on the default queue, shared by the session's tests."""
    running = make_stack(
        tmp_path_factory.mktemp("workspace"), redis_url, FLOWBENCH_WORKER_STALE_AFTER="8"
    )
    running.start_api()
    running.start_worker("worker-1")
    running.start_worker("worker-2")
    yield running
    running.stop_all()


@pytest.fixture
def client(stack):
    """A client of the session's control plane."""
    with_client = stack.client()
    yield with_client
    with_client.close()


# -- Azurite: a real Azure Blob Storage API ----------------------------------------------------

# Azurite's documented development account; the key is public and works only against Azurite.
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


@dataclass
class Azurite:
    """A running Azurite blob service."""

    host: str
    port: int
    process: subprocess.Popen

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://{self.host}:{self.port}/{AZURITE_ACCOUNT};"
        )

    def stop(self) -> None:
        processes.stop(self.process, grace=10)


def azurite_command() -> str:
    """The azurite-blob launcher: FLOWBENCH_AZURITE, the one .ci/run installs, or PATH's."""
    import shutil

    for candidate in (
        os.environ.get("FLOWBENCH_AZURITE"),
        str(ROOT / ".ci" / "azurite" / "node_modules" / ".bin" / "azurite-blob"),
        shutil.which("azurite-blob"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail(
        "Azurite is not installed: run `npm install --prefix .ci/azurite "
        "azurite@3.37.0` (.ci/run does) or set FLOWBENCH_AZURITE."
    )


def start_azurite(
    folder: Path, host: str = "127.0.0.1", port: int | None = None, wrapper: tuple[str, ...] = ()
) -> Azurite:
    """Start Azurite's blob service in memory on `host`:`port` (free by default); `wrapper`
    prefixes the command (e.g. ``ip netns exec NAME``)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log = folder / "azurite.log"
    # --skipApiVersionCheck: the Azure SDK asks for a newer API version than Azurite knows.
    # It runs in `folder`, where it may leave files of its own.
    with open(log, "ab") as handle:
        process = subprocess.Popen(
            [
                *wrapper,
                azurite_command(),
                "--blobHost",
                host,
                "--blobPort",
                str(port),
                "--inMemoryPersistence",
                "--loose",
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--silent",
                "--extentMemoryLimit",
                "2048",
            ],
            cwd=folder,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while "successfully listens" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            raise RuntimeError(f"Azurite did not start: {log.read_text(errors='replace')}")
        time.sleep(0.1)
    return Azurite(host, port, process)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory) -> Azurite:
    """Azurite's blob service on a free loopback port, for the session."""
    running = start_azurite(tmp_path_factory.mktemp("azurite"))
    yield running
    running.stop()
