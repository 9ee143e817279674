"""Settings read once from the environment, with embedded defaults that run out of the box."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from jobs import defaults

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def user_config_path() -> Path:
    """Where `flowbench up` records its workspace and API for clients started elsewhere."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "flowbench" / "config.json"


@dataclass(frozen=True)
class Settings:
    """Where the workspace lives and how the processes find each other.

    The control plane's settings; the defaults the workers share with it (step timeout, when a
    worker is taken for dead, queue names) are jobs.defaults', not repeated here.
    """

    home: Path
    redis_url: str | None  # None: not configured (flowbench up then finds or starts one)
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    ui_port: int = 8501
    workers: int = 2
    step_timeout: int = defaults.DEFAULT_STEP_TIMEOUT
    # A worker silent this long while it holds a started step is taken for dead.
    worker_stale_after: float = defaults.WORKER_STALE_AFTER
    # Where the UI listens, and the host names the API and the UI answer to (any other Host
    # header is refused: DNS rebinding). Add the public name when a proxy serves them.
    ui_host: str = "127.0.0.1"
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    # Ports for local scoring servers, e.g. "8920-8929"; None: any free port.
    endpoint_ports: str | None = None

    @property
    def endpoint_port_range(self) -> range | None:
        if not self.endpoint_ports:
            return None
        low, _, high = self.endpoint_ports.partition("-")
        return range(int(low), int(high or low) + 1)

    # The API's address as recorded in the per-user config (see load_client_settings).
    configured_api_url: str | None = None
    # FLOWBENCH_ARTIFACTS: a folder, file:///path, az://container/prefix or s3://bucket/prefix
    # (credentials stay in the environment); None: the workspace's artifacts folder.
    artifacts_url: str | None = None

    @property
    def db_path(self) -> Path:
        return self.home / "workspace.duckdb"

    @property
    def artifacts_root(self) -> Path:
        return self.home / "artifacts"

    @property
    def artifacts(self) -> str:
        """Where the artifact store is (workers read the same FLOWBENCH_ARTIFACTS)."""
        return self.artifacts_url or str(self.artifacts_root)

    @property
    def imports_dir(self) -> Path:
        """Files that Import Data may read."""
        return self.home / "imports"

    @property
    def exports_dir(self) -> Path:
        """Where Export Data writes."""
        return self.home / "exports"

    @property
    def token_path(self) -> Path:
        return self.home / "token"

    @property
    def redis_password_path(self) -> Path:
        """The password of the Redis that `flowbench up` starts (0600)."""
        return self.home / "redis" / "password"

    @property
    def ui_password_path(self) -> Path:
        """The UI's login password, made at first start (0600)."""
        return self.home / "ui-password"

    @property
    def api_url(self) -> str:
        return (
            os.environ.get("FLOWBENCH_API_URL")
            or self.configured_api_url
            or f"http://{self.api_host}:{self.api_port}"
        )

    @property
    def public_api_url(self) -> str:
        """The control plane's URL as Kubernetes pods reach it (for their bundle download)."""
        return os.environ.get("FLOWBENCH_PUBLIC_API_URL") or self.api_url

    @property
    def trusted_hosts(self) -> list[str]:
        """The host names to answer to: FLOWBENCH_ALLOWED_HOSTS, plus the API's and the UI's
        own addresses and the API URLs' hosts (the public one too: Kubernetes pods fetch bundles by
        it) when they are names rather than wildcards."""
        hosts = list(self.allowed_hosts)
        for host in (
            self.api_host,
            self.ui_host,
            urlsplit(self.api_url).hostname or "",
            urlsplit(self.public_api_url).hostname or "",
        ):  # pods fetch bundles by it
            if host and host not in ("0.0.0.0", "::", "*") and host not in hosts:
                hosts.append(host)
        return hosts

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or DEFAULT_REDIS_URL


def load_settings() -> Settings:
    """Settings from FLOWBENCH_* variables and REDIS_URL; the workspace defaults to ./workspace."""
    env = os.environ
    return Settings(
        home=Path(env.get("FLOWBENCH_HOME", "workspace")).resolve(),
        redis_url=env.get("REDIS_URL") or None,
        api_host=env.get("FLOWBENCH_API_HOST", Settings.api_host),
        api_port=int(env.get("FLOWBENCH_API_PORT", Settings.api_port)),
        ui_port=int(env.get("FLOWBENCH_UI_PORT", Settings.ui_port)),
        workers=int(env.get("FLOWBENCH_WORKERS", Settings.workers)),
        step_timeout=int(env.get("FLOWBENCH_STEP_TIMEOUT", Settings.step_timeout)),
        worker_stale_after=float(
            env.get("FLOWBENCH_WORKER_STALE_AFTER", Settings.worker_stale_after)
        ),
        endpoint_ports=env.get("FLOWBENCH_ENDPOINT_PORTS") or None,
        ui_host=env.get("FLOWBENCH_UI_HOST", Settings.ui_host),
        allowed_hosts=tuple(
            h.strip()
            for h in env.get("FLOWBENCH_ALLOWED_HOSTS", ",".join(Settings.allowed_hosts)).split(",")
            if h.strip()
        ),
        artifacts_url=env.get("FLOWBENCH_ARTIFACTS", "").strip() or None,
    )


def load_client_settings() -> tuple[Settings, list[str]]:
    """Settings for a client (the CLI, notebooks) started from any folder, and where it looked.

    The workspace is FLOWBENCH_HOME when set; else ./workspace, or the current folder when it
    is a workspace itself; else the one the last `flowbench up` recorded in the per-user config
    (~/.config/flowbench/config.json), whose API address is used too unless
    FLOWBENCH_API_URL or FLOWBENCH_API_PORT says otherwise.
    """
    settings = load_settings()
    looked = []
    if "FLOWBENCH_HOME" in os.environ:
        return settings, [f"FLOWBENCH_HOME={os.environ['FLOWBENCH_HOME']}"]
    for folder in (settings.home, Path.cwd()):
        looked.append(str(folder / "token"))
        if (folder / "token").exists():
            return replace(settings, home=folder.resolve()), looked
    config = user_config_path()
    looked.append(str(config))
    try:
        recorded = json.loads(config.read_text())
        home = Path(recorded["home"])
    except (OSError, ValueError, KeyError, TypeError):
        return settings, looked
    api_url = None if "FLOWBENCH_API_PORT" in os.environ else recorded.get("api_url")
    return replace(settings, home=home, configured_api_url=api_url), looked


def ensure_workspace(settings: Settings) -> str:
    """Create the workspace folders and the API token on first start; return the token."""
    restrict_new_files()
    for folder in (settings.home, settings.imports_dir, settings.exports_dir):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.home.chmod(0o700)  # a workspace made before files were private
    if not settings.token_path.exists():
        # Written with 0600 from the start so the token is never readable by others.
        fd = os.open(settings.token_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
    return read_token(settings)


def ensure_ui_password(settings: Settings) -> str:
    """The UI's login password: FLOWBENCH_UI_PASSWORD, else the one kept in the workspace
    (made at first start, 0600)."""
    password = os.environ.get("FLOWBENCH_UI_PASSWORD")
    if password:
        return password
    path = settings.ui_password_path
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # two processes starting at once
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(18) + "\n")
    return path.read_text().strip()


def restrict_new_files() -> None:
    """Make what this process creates from now on readable by its own user only (0600/0700).

    Called by every server process (control plane, workers, UI, `flowbench up`), so the
    database, artifacts, logs and secrets are never world-readable.
    """
    os.umask(0o077)


def read_token(settings: Settings) -> str:
    """The workspace token: FLOWBENCH_TOKEN when set, else the one kept in the workspace."""
    token = os.environ.get("FLOWBENCH_TOKEN")
    if token:
        return token
    try:
        return settings.token_path.read_text().strip()
    except FileNotFoundError:
        return ""
