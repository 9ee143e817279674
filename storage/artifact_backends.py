"""Where the artifact store keeps its bytes: a local folder, an Azure Blob container or S3.

`storage.artifacts.ArtifactStore` decides names (content addresses, logs) and formats (Parquet,
joblib); a backend only keeps bytes under keys such as ``objects/<sha256>.parquet``, and makes
every write atomic: a reader sees no object or the whole object, never part of one.

- `LocalBackend` (``file:///path``, the embedded default): a temporary file in the same folder,
  fsynced unless the caller says the object is recomputable (`durable=False`), renamed into
  place.
- `FsspecBackend` (``az://container/prefix`` through adlfs, ``s3://bucket/prefix`` through
  s3fs): a small object is one PUT (Azure and S3 commit a PUT whole or not at all); a large one
  is streamed to a staging object (Azure's block list or S3's multipart upload, committed only
  when complete) and then copied server-side to its final name, so the final name never holds
  part of an object.

Credentials come from the environment (see `open_backend`), never from the location string,
and every error message is scrubbed of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from storage.errors import ArtifactError, ArtifactIntegrityError, ArtifactNotFoundError

STAGING = "staging"  # key prefix of objects being streamed, before they get their final name
# Azure: 3-63 lowercase letters, digits and single hyphens; S3: also dots.
_CONTAINER = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PREFIX_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=-]*$")
_SCHEMES = {"az": "az", "abfs": "az", "s3": "s3", "file": "file"}


@dataclass(frozen=True)
class Location:
    """A parsed FLOWBENCH_ARTIFACTS value; `str()` gives it back without anything secret."""

    scheme: str  # "file", "az" or "s3"
    root: str  # file: an absolute path; az: container[/prefix]; s3: bucket[/prefix]

    def __str__(self) -> str:
        return f"file://{self.root}" if self.scheme == "file" else f"{self.scheme}://{self.root}"


def parse_location(text: str | os.PathLike[str]) -> Location:
    """Parse a folder path, ``file:///path``, ``az://container/prefix`` or ``s3://bucket/prefix``.

    Raises:
        ArtifactError: another scheme, a bad container or bucket name, or credentials, a query
            or a fragment in the URL (credentials belong in the environment).
    """
    raw = os.fspath(text)
    if "://" not in raw:
        if not raw.strip():
            raise ArtifactError("The artifact store location is empty.")
        return Location("file", str(Path(raw).resolve()))
    parts = urlsplit(raw)
    scheme = _SCHEMES.get(parts.scheme.lower())
    shown = f"{parts.scheme}://{parts.hostname or ''}{parts.path}"  # never the user info
    if scheme is None:
        raise ArtifactError(
            f"Artifact store {shown!r} has an unknown scheme; use a folder, "
            "file:///path, az://container/prefix or s3://bucket/prefix."
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ArtifactError(
            f"Artifact store {shown!r}: credentials, queries and fragments do not belong in the "
            "location; set AZURE_STORAGE_CONNECTION_STRING (or AZURE_STORAGE_ACCOUNT_NAME and "
            "AZURE_STORAGE_ACCOUNT_KEY), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
        )
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ArtifactError(
                f"Artifact store {shown!r}: a file:// URL names a local folder "
                "(file:///absolute/path)."
            )
        return Location("file", str(Path(unquote(parts.path) or "/").resolve()))
    container = parts.netloc
    pattern, noun = (_CONTAINER, "container") if scheme == "az" else (_BUCKET, "bucket")
    if not pattern.match(container):
        raise ArtifactError(
            f"Artifact store {shown!r}: {container!r} is not a valid {noun} "
            "name (3-63 lowercase letters, digits and hyphens)."
        )
    segments = [s for s in parts.path.split("/") if s]
    bad = [s for s in segments if not _PREFIX_SEGMENT.match(s)]
    if bad:
        raise ArtifactError(
            f"Artifact store {shown!r}: prefix segment {bad[0]!r} is not "
            "allowed (letters, digits, '_', '.', '=', '-')."
        )
    return Location(scheme, "/".join([container, *segments]))


class StagingFile:
    """An object being written in pieces; `commit` gives it its final name, atomically."""

    def write(self, data: bytes | bytearray | memoryview) -> None:
        raise NotImplementedError

    def commit(self, key: str, *, durable: bool = True) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class Backend:
    """Bytes under keys, written atomically. Keys are checked by the caller."""

    location: Location

    def exists(self, key: str) -> bool:
        raise NotImplementedError

    def size(self, key: str) -> int:
        """The object's size in bytes; ArtifactNotFoundError when there is none."""
        raise NotImplementedError

    def open_read(self, key: str) -> IO[bytes]:
        """A seekable binary reader (ranged reads on object stores)."""
        raise NotImplementedError

    def put(self, key: str, data: bytes, *, durable: bool = True) -> None:
        """Write (or replace) the object at `key` whole."""
        raise NotImplementedError

    def open_staging(self) -> StagingFile:
        raise NotImplementedError

    def sync(self, key: str) -> None:
        """Make an object written with `durable=False` durable (object stores: always are)."""
        if not self.exists(key):
            raise ArtifactNotFoundError(f"No artifact exists at 'artifacts://{key}'.")

    def set_aside(self, key: str) -> None:
        """Take a damaged object from its name (so it counts as absent), keeping its bytes
        where no URI reaches them; object stores leave it (their writes are never torn)."""

    def local_path(self, key: str) -> Path | None:
        """The object's file when the backend is a local folder."""
        return None

    def check(self) -> None:
        """Make sure the store can be used (create the container or folder); fail clearly."""

    def redact(self, text: str) -> str:
        return text


# -- local folder -------------------------------------------------------------------------------


class LocalBackend(Backend):
    """A folder: temporary files renamed into place, data fsynced before the rename when the
    write is `durable`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.location = Location("file", str(self.root))

    def local_path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def exists(self, key: str) -> bool:
        return self.local_path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self.local_path(key).stat().st_size
        except FileNotFoundError:
            raise self._missing(key) from None

    def open_read(self, key: str) -> IO[bytes]:
        try:
            return self.local_path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise self._missing(key) from None

    def _missing(self, key: str) -> ArtifactError:
        # An object set aside as damaged is absent to writers and to reuse, but a reader is
        # told why it is gone rather than only that it is.
        path = self.local_path(key)
        aside = sorted(path.parent.glob(f".damaged-*-{path.name}"))
        if aside:
            return ArtifactIntegrityError(
                f"Artifact 'artifacts://{key}' was modified after it was written (set aside as "
                f"{aside[-1].name}); refusing to use it. Re-run the step that produced it."
            )
        return ArtifactNotFoundError(f"No artifact exists at 'artifacts://{key}'.")

    def put(self, key: str, data: bytes, *, durable: bool = True) -> None:
        staging = self.open_staging(self.local_path(key).parent)
        try:
            staging.write(data)
            staging.commit(key, durable=durable)
        except BaseException:
            staging.abort()
            raise

    def open_staging(self, folder: Path | None = None) -> _LocalStaging:
        return _LocalStaging(self, folder or self.root)

    def sync(self, key: str) -> None:
        try:
            fd = os.open(self.local_path(key), os.O_RDONLY)
        except FileNotFoundError:
            raise ArtifactNotFoundError(f"No artifact exists at 'artifacts://{key}'.") from None
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def set_aside(self, key: str) -> None:
        path = self.local_path(key)
        # A dot-named file: no URI can address it (see ArtifactStore._key).
        os.replace(path, path.with_name(f".damaged-{uuid.uuid4().hex[:8]}-{path.name}"))


class _LocalStaging(StagingFile):
    """A temporary file named with a leading dot, so no URI can address it."""

    def __init__(self, backend: LocalBackend, folder: Path) -> None:
        self.backend = backend
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, self.path = tempfile.mkstemp(dir=folder, prefix=".staging-", suffix=".tmp")
        except OSError as exc:
            raise ArtifactError(f"Cannot write an artifact under {folder}: {exc}") from exc
        os.fchmod(fd, 0o600)  # the workspace's user only: workers run as that user too
        self.file = os.fdopen(fd, "wb")

    def write(self, data: bytes | bytearray | memoryview) -> None:
        try:
            self.file.write(data)
        except OSError as exc:
            raise ArtifactError(f"Cannot write an artifact: {exc}") from exc

    def commit(self, key: str, *, durable: bool = True) -> None:
        # `durable` fsyncs the data before the rename, so a name that exists after a power cut
        # has its whole content. Without it (a step's outputs) a power cut may leave the name
        # with torn bytes, which the hash check on read refuses and sets aside (see
        # ArtifactStore._damaged). The rename stays either way: a writer killed midway leaves
        # no object under a final name. The folder is not fsynced: a rename lost in a power
        # cut leaves the artifact missing, and a missing artifact is never reused (its step
        # runs again), while the extra fsync cost every step tens of milliseconds.
        target = self.backend.local_path(key)
        try:
            self.file.flush()
            if durable:
                os.fsync(self.file.fileno())
            self.file.close()
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.path, target)
        except OSError as exc:
            self.abort()
            raise ArtifactError(f"Cannot write artifact {target.name}: {exc}") from exc

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


# -- object stores through fsspec ---------------------------------------------------------------


class FsspecBackend(Backend):
    """An fsspec file system under a container (bucket) and prefix."""

    def __init__(self, location: Location, fs: Any, secrets: list[str]) -> None:
        self.location = location
        self.fs = fs
        self._secrets = sorted((s for s in secrets if s and len(s) >= 6), key=len, reverse=True)

    def _path(self, key: str) -> str:
        return f"{self.location.root}/{key}"

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return re.sub(r"(?i)(AccountKey|SharedAccessSignature|sig)=[^;&\s]+", r"\1=***", text)

    def _error(self, action: str, key: str, exc: BaseException) -> ArtifactError:
        return ArtifactError(
            f"Cannot {action} 'artifacts://{key}' in {self.location}: "
            f"{self.redact(f'{type(exc).__name__}: {exc}')}"
        )

    def exists(self, key: str) -> bool:
        try:
            return bool(self.fs.exists(self._path(key)))
        except Exception as exc:  # the SDKs raise many types (HTTP, auth, connection)
            raise self._error("look up", key, exc) from None

    def size(self, key: str) -> int:
        try:
            return int(self.fs.size(self._path(key)))
        except FileNotFoundError:
            raise ArtifactNotFoundError(f"No artifact exists at 'artifacts://{key}'.") from None
        except Exception as exc:
            raise self._error("read", key, exc) from None

    def open_read(self, key: str) -> IO[bytes]:
        try:
            # No read-ahead cache: Parquet reads the footer, then whole column chunks.
            return self.fs.open(self._path(key), "rb", cache_type="none")
        except FileNotFoundError:
            raise ArtifactNotFoundError(f"No artifact exists at 'artifacts://{key}'.") from None
        except Exception as exc:
            raise self._error("read", key, exc) from None

    def put(self, key: str, data: bytes, *, durable: bool = True) -> None:
        try:
            self.fs.pipe_file(self._path(key), data)
        except Exception as exc:
            raise self._error("write", key, exc) from None

    def open_staging(self) -> StagingFile:
        return _RemoteStaging(self, f"{STAGING}/{uuid.uuid4().hex}")

    def promote(self, staging: str, key: str) -> None:
        """Give a committed staging object its final name (a server-side copy), then drop it."""
        self.fs.copy(self._path(staging), self._path(key))

    def check(self) -> None:
        container = self.location.root.split("/", 1)[0]
        try:
            if not self.fs.exists(container):
                self.fs.mkdir(container)
        except Exception as exc:
            raise ArtifactError(
                f"Cannot use the artifact store {self.location}: "
                f"{self.redact(f'{type(exc).__name__}: {exc}')}"
            ) from None


class AzureBackend(FsspecBackend):
    """Azure Blob Storage through adlfs."""

    def check(self) -> None:
        # adlfs's exists() assumes a container exists when asking fails (a wrong key, say):
        # ask the service directly.
        from fsspec.asyn import sync

        try:
            sync(
                self.fs.loop,
                _ensure_container,
                self.fs.service_client,
                self.location.root.split("/", 1)[0],
            )
        except Exception as exc:
            raise ArtifactError(
                f"Cannot use the artifact store {self.location}: "
                f"{self.redact(f'{type(exc).__name__}: {exc}')}"
            ) from None

    def promote(self, staging: str, key: str) -> None:
        super().promote(staging, key)
        # Copy Blob may answer "pending" (it never does within one account in practice, nor
        # in Azurite): wait until the copy is done before the name is used.
        from fsspec.asyn import sync

        container, _, blob = self._path(key).partition("/")
        sync(self.fs.loop, _wait_for_copy, self.fs.service_client, container, blob)


async def _ensure_container(service: Any, container: str) -> None:
    from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

    async with service.get_container_client(container) as client:
        try:
            await client.get_container_properties()
        except ResourceNotFoundError:
            with contextlib.suppress(ResourceExistsError):  # another process was quicker
                await client.create_container()


async def _wait_for_copy(service: Any, container: str, blob: str) -> None:
    async with service.get_blob_client(container, blob) as client:
        for _ in range(3000):
            properties = await client.get_blob_properties()
            status = properties.copy.status
            if status in (None, "success"):
                return
            if status in ("failed", "aborted"):
                raise ArtifactError(
                    f"Copying to {blob} ended {status}: {properties.copy.status_description}"
                )
            await asyncio.sleep(0.1)
    raise ArtifactError(f"Copying to {blob} did not finish within 5 minutes.")


class _RemoteStaging(StagingFile):
    """A staging object that the service makes visible only when its upload is committed."""

    def __init__(self, backend: FsspecBackend, key: str) -> None:
        self.backend, self.key = backend, key
        try:
            self.file = backend.fs.open(backend._path(key), "wb", block_size=8 * 2**20)
        except Exception as exc:
            raise backend._error("write", key, exc) from None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        try:
            self.file.write(data)
        except Exception as exc:
            self.abort()
            raise self.backend._error("write", self.key, exc) from None

    def commit(self, key: str, *, durable: bool = True) -> None:
        try:
            self.file.close()  # commits the block list / completes the multipart upload
            self.backend.promote(self.key, key)
        except ArtifactError:
            raise
        except Exception as exc:
            raise self.backend._error("write", key, exc) from None
        finally:
            with contextlib.suppress(Exception):
                self.backend.fs.rm_file(self.backend._path(self.key))

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.file.discard()  # S3: aborts the multipart upload; Azure: blocks stay uncommitted
        self.file.closed = True  # so that garbage collection does not commit it


def open_backend(
    location: str | os.PathLike[str] | Location, env: Mapping[str, str] | None = None
) -> Backend:
    """The backend for `location`, with credentials from `env` (default: the environment).

    Azure: AZURE_STORAGE_CONNECTION_STRING; or AZURE_STORAGE_ACCOUNT_NAME with
    AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN; or AZURE_STORAGE_ACCOUNT_NAME alone,
    which signs in with azure-identity's DefaultAzureCredential (managed or workload identity).
    S3: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN), AWS_REGION or
    AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for S3-compatible services;
    without keys, botocore's usual chain (instance profile, ...).

    Raises:
        ArtifactError: the location is invalid or its backend cannot be configured.
    """
    parsed = location if isinstance(location, Location) else parse_location(location)
    env = os.environ if env is None else env
    if parsed.scheme == "file":
        return LocalBackend(parsed.root)
    options, secrets = _azure_options(env, parsed) if parsed.scheme == "az" else _s3_options(env)
    try:
        import fsspec

        fs = fsspec.filesystem(
            "abfs" if parsed.scheme == "az" else "s3", use_listings_cache=False, **options
        )
    except Exception as exc:  # configuration errors of the SDKs
        probe = FsspecBackend(parsed, None, secrets)
        raise ArtifactError(
            f"Cannot open the artifact store {parsed}: "
            f"{probe.redact(f'{type(exc).__name__}: {exc}')}"
        ) from None
    return (AzureBackend if parsed.scheme == "az" else FsspecBackend)(parsed, fs, secrets)


def _azure_options(env: Mapping[str, str], location: Location) -> tuple[dict, list[str]]:
    connection = env.get("AZURE_STORAGE_CONNECTION_STRING", "")
    name = env.get("AZURE_STORAGE_ACCOUNT_NAME", "")
    key = env.get("AZURE_STORAGE_ACCOUNT_KEY", "")
    sas = env.get("AZURE_STORAGE_SAS_TOKEN", "")
    if connection:
        found = re.search(r"(?i)AccountKey=([^;]+)", connection)
        return {"connection_string": connection}, [connection, found[1] if found else ""]
    if name and key:
        return {"account_name": name, "account_key": key}, [key]
    if name and sas:
        return {"account_name": name, "sas_token": sas}, [sas]
    if name:
        return {"account_name": name, "anon": False}, []
    raise ArtifactError(
        f"The artifact store {location} needs Azure credentials: set "
        "AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT_NAME with "
        "AZURE_STORAGE_ACCOUNT_KEY (or AZURE_STORAGE_SAS_TOKEN, or an Azure identity)."
    )


def _s3_options(env: Mapping[str, str]) -> tuple[dict, list[str]]:
    options: dict[str, Any] = {}
    secret = env.get("AWS_SECRET_ACCESS_KEY", "")
    token = env.get("AWS_SESSION_TOKEN", "")
    if env.get("AWS_ACCESS_KEY_ID") and secret:
        options.update(key=env["AWS_ACCESS_KEY_ID"], secret=secret)
        if token:
            options["token"] = token
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["endpoint_url"] = endpoint
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        options["client_kwargs"] = {"region_name": region}
    return options, [secret, token]
