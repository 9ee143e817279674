"""Settings read once from the environment, with embedded defaults that run out of the box."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def user_config_path() -> Path:
    """Where `flowbench up` records its workspace and API for clients started elsewhere."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "flowbench" / "config.json"


@dataclass(frozen=True)
class Settings:
    """Where the workspace lives and how the processes find each other."""

    home: Path
    redis_url: str | None  # None: not configured (flowbench up then finds or starts one)
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    ui_port: int = 8501
    workers: int = 2
    step_timeout: int = 3600
    # A worker silent this long while it holds a started step is taken for dead.
    worker_stale_after: float = 30.0
    # The API's address as recorded in the per-user config (see load_client_settings).
    configured_api_url: str | None = None

    @property
    def db_path(self) -> Path:
        return self.home / "workspace.duckdb"

    @property
    def artifacts_root(self) -> Path:
        return self.home / "artifacts"

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
    def api_url(self) -> str:
        return os.environ.get("FLOWBENCH_API_URL") or self.configured_api_url or \
            f"http://{self.api_host}:{self.api_port}"

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or DEFAULT_REDIS_URL


def load_settings() -> Settings:
    """Settings from FLOWBENCH_* variables and REDIS_URL; the workspace defaults to ./workspace."""
    env = os.environ
    return Settings(
        home=Path(env.get("FLOWBENCH_HOME", "workspace")).resolve(),
        redis_url=env.get("REDIS_URL") or None,
        api_host=env.get("FLOWBENCH_API_HOST", "127.0.0.1"),
        api_port=int(env.get("FLOWBENCH_API_PORT", "8000")),
        ui_port=int(env.get("FLOWBENCH_UI_PORT", "8501")),
        workers=int(env.get("FLOWBENCH_WORKERS", "2")),
        step_timeout=int(env.get("FLOWBENCH_STEP_TIMEOUT", "3600")),
        worker_stale_after=float(env.get("FLOWBENCH_WORKER_STALE_AFTER", "30")),
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
    for folder in (settings.home, settings.artifacts_root, settings.imports_dir,
                   settings.exports_dir):
        folder.mkdir(parents=True, exist_ok=True)
    if not settings.token_path.exists():
        # Written with 0600 from the start so the token is never readable by others.
        fd = os.open(settings.token_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
    return read_token(settings)


def read_token(settings: Settings) -> str:
    """The workspace token: FLOWBENCH_TOKEN when set, else the one kept in the workspace."""
    token = os.environ.get("FLOWBENCH_TOKEN")
    if token:
        return token
    try:
        return settings.token_path.read_text().strip()
    except FileNotFoundError:
        return ""
