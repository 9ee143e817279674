"""Import Data's and Export Data's reach outside: the workspace folders and http(s) URLs.

Paths are relative to the import or export folder and may not leave it, whether by `..`, an
absolute path or a symbolic link. URLs are fetched with a timeout and a size limit.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import httpx

from components.errors import ComponentInputError
from jobs.defaults import HTTP_TIMEOUT_S

_CHUNK = 1 << 16


def read_source(
    import_root: Path, location: str, *, max_bytes: int, timeout: float = HTTP_TIMEOUT_S
) -> bytes:
    """The bytes at `location`: a path under `import_root`, or an http(s) URL.

    Raises:
        ComponentInputError: the location leaves the import folder, does not exist, uses
            another scheme, cannot be fetched, or holds more than `max_bytes`.
    """
    scheme = urlsplit(location).scheme.lower()
    if scheme in ("http", "https"):
        return _fetch(location, max_bytes, timeout)
    if "://" in location or (scheme and len(scheme) > 1):
        raise ComponentInputError(
            f"Import Data reads http(s) URLs and files under the import folder; got "
            f"{location!r} (scheme {scheme!r})."
        )
    path = _inside(import_root, location, "import")
    if not path.is_file():
        raise ComponentInputError(f"No file {location!r} in the import folder ({import_root}).")
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ComponentInputError(f"{location!r} is larger than the {max_bytes}-byte limit.")
    return data


def write_export(export_root: Path, relative_path: str, data: bytes) -> str:
    """Write `data` to `relative_path` under `export_root` atomically; return the full path.

    Raises:
        ComponentInputError: the path leaves the export folder or names a folder.
    """
    target = _inside(export_root, relative_path, "export")
    if target.is_dir():
        raise ComponentInputError(f"{relative_path!r} is a folder of the export folder.")
    target.parent.mkdir(parents=True, exist_ok=True)
    # A symbolic link among the new parents could point elsewhere: check again once they exist.
    _inside(export_root, relative_path, "export")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".export-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(target)


def _inside(root: Path, relative: str, folder: str) -> Path:
    pure = PurePosixPath(relative.replace("\\", "/"))
    if not relative.strip() or pure.is_absolute() or ".." in pure.parts or Path(relative).drive:
        raise ComponentInputError(
            f"Expected a path relative to the {folder} folder, without '..'; got {relative!r}."
        )
    base = root.resolve()
    resolved = (base / pure).resolve()
    if not resolved.is_relative_to(base):
        raise ComponentInputError(
            f"{relative!r} leads outside the {folder} folder (through a symbolic link)."
        )
    return resolved


def _fetch(url: str, max_bytes: int, timeout: float) -> bytes:
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise ComponentInputError(
                    f"Fetching {url} failed: HTTP {response.status_code} {response.reason_phrase}."
                )
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise ComponentInputError(
                    f"{url} holds {declared} bytes, more than the {max_bytes}-byte limit."
                )
            chunks, size = [], 0
            for chunk in response.iter_bytes(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise ComponentInputError(f"{url} holds more than the {max_bytes}-byte limit.")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise ComponentInputError(f"Fetching {url} failed: {exc}") from exc
    return b"".join(chunks)
