"""`flowbench serve BUNDLE`: fetch (if a URL) and load a bundle, then serve it with uvicorn."""

from __future__ import annotations

import logging
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jobs.inference.bundle import SUFFIX, LoadedBundle, load_bundle
from jobs.inference.errors import BundleError
from jobs.serving.keys import KeyRing, create_keys_file
from jobs.serving.server import DEFAULT_MAX_BODY_BYTES, create_app

log = logging.getLogger(__name__)


def fetch_bundle(location: str, folder: Path) -> Path:
    """A local path for `location`: itself, or the file downloaded from an http(s) URL.

    The download sends ``Authorization: Bearer $FLOWBENCH_BUNDLE_TOKEN`` when that is set.

    Raises:
        BundleError: the download fails.
    """
    if urlparse(location).scheme not in ("http", "https"):
        return Path(location)
    import httpx

    token = os.environ.get("FLOWBENCH_BUNDLE_TOKEN", "")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    name = Path(urlparse(location).path).name
    target = folder / (name if name.endswith(SUFFIX) else f"bundle{SUFFIX}")
    try:
        with httpx.stream(
            "GET", location, headers=headers, timeout=60.0, follow_redirects=True
        ) as response:
            if response.status_code != 200:
                raise BundleError(
                    f"Downloading the bundle from {location} answered {response.status_code}."
                )
            with target.open("wb") as file:
                for chunk in response.iter_bytes():
                    file.write(chunk)
    except httpx.HTTPError as exc:
        raise BundleError(f"Cannot download the bundle from {location}: {exc}") from exc
    return target


def prepare(
    location: str,
    keys_file: str | None,
    *,
    expected_sha256: str | None = None,
    generate_keys: bool = False,
) -> tuple[LoadedBundle, KeyRing]:
    """The loaded bundle and key ring `serve` would use (printing new keys when asked)."""
    keys_path = keys_file or os.environ.get("FLOWBENCH_KEYS_FILE") or None
    if generate_keys:
        if not keys_path:
            raise BundleError("--generate-keys needs --keys-file (where to write the hashes).")
        if not Path(keys_path).exists():
            primary, secondary = create_keys_file(keys_path)
            print(
                f"New keys (shown once; only their hashes are in {keys_path}):\n"
                f"  primary   {primary}\n  secondary {secondary}",
                file=sys.stderr,
            )
    expected = expected_sha256 or os.environ.get("FLOWBENCH_BUNDLE_SHA256") or None
    with tempfile.TemporaryDirectory(prefix="flowbench-bundle-") as folder:
        bundle = load_bundle(fetch_bundle(location, Path(folder)), expected)
    keys = KeyRing(keys_path)
    if keys.problem:
        log.warning("%s: every scoring request will be refused (401)", keys.problem)
    return bundle, keys


def serve(
    location: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    keys_file: str | None = None,
    expected_sha256: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    generate_keys: bool = False,
    fd: int | None = None,
) -> None:
    """Load the bundle at `location` and serve it until interrupted: on `host` and `port`, or
    on the listening socket inherited as file descriptor `fd` (then `port` only names it), so
    that whoever chose the port holds it until the server takes it over."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    bundle, keys = prepare(
        location, keys_file, expected_sha256=expected_sha256, generate_keys=generate_keys
    )
    log.info(
        "serving bundle %s (%s path: %s) on http://%s:%d/score",
        bundle.sha256[:12],
        bundle.engine,
        bundle.fast_path_note,
        host,
        port,
    )
    app = create_app(bundle, keys, max_body_bytes=max_body_bytes)
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "loop": _best("uvloop", "asyncio"),
        "http": _best("httptools", "h11"),
    }
    if fd is None:
        uvicorn.run(app, host=host, port=port, **options)
        return
    # Not uvicorn's own `fd` option: it labels the socket AF_UNIX, which turns TCP_NODELAY off.
    server = uvicorn.Server(uvicorn.Config(app, **options))
    server.run(sockets=[socket.socket(fileno=fd)])
    if not server.started:
        sys.exit(STARTUP_FAILURE)  # as uvicorn.run does


# uvicorn.run's exit code when the server could not start.
STARTUP_FAILURE = 3


def _best(module: str, fallback: str) -> str:
    try:
        __import__(module)
    except ImportError:
        return fallback
    return module
