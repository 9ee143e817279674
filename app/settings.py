"""Settings read once from the environment, with embedded defaults that run out of the box."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


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
    def api_url(self) -> str:
        return os.environ.get("FLOWBENCH_API_URL") or f"http://{self.api_host}:{self.api_port}"

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
        artifacts_url=env.get("FLOWBENCH_ARTIFACTS", "").strip() or None,
    )


def ensure_workspace(settings: Settings) -> str:
    """Create the workspace folders and the API token on first start; return the token."""
    for folder in (settings.home, settings.imports_dir, settings.exports_dir):
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
