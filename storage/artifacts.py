"""The artifact store: tables, models, logs and files, addressed by URI, in a folder or a bucket.

Callers hold URIs such as ``artifacts://objects/<sha256>.parquet``, never paths, so the same
URIs work whichever backend keeps the bytes (`storage.artifact_backends`): a local folder (the
embedded default), an Azure Blob container or an S3 bucket, chosen by FLOWBENCH_ARTIFACTS.
Tables, objects and files are content-addressed: the name is the SHA-256 of the bytes, so
writing the same content twice yields the same URI, and every read hashes the bytes it got and
refuses them when they no longer match their name. Every write is atomic (see the backends): a
reader never sees half an object.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import pickle
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import quote

import joblib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from components.metadata import FEATURE, ROLES_ATTR, apply_description, describe_columns, roles
from storage.artifact_backends import Backend, StagingFile, open_backend, parse_location
from storage.errors import ArtifactError, ArtifactIntegrityError, ArtifactNotFoundError

SCHEME = "artifacts://"
# A path segment: starts with a letter or digit (so never "." or ".."), then a safe set. Temp
# files start with "." and are therefore never addressable.
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.%-]*$")
_OBJECT = re.compile(r"^objects/([0-9a-f]{64})\.([a-z0-9]+(?:\.[a-z0-9]+)*)$")
_FILE_SUFFIX = re.compile(r"^[a-z0-9]{1,10}(?:\.[a-z0-9]{1,10}){0,2}$")
# Objects are pickles (protocol 5, the C pickler): for a fitted ensemble of hundreds of trees
# that is about 10x faster both ways than joblib's, whose pickler wraps every array and whose
# unpickler is the pure-Python one. Objects written before with joblib still load.
OBJECT_SUFFIX = "pkl"
_OBJECT_SUFFIXES = {OBJECT_SUFFIX, "joblib"}
_RESERVED_SUFFIXES = {"parquet", "columns.json", *_OBJECT_SUFFIXES}
# Objects up to this size are written with one PUT from memory; larger ones are streamed to a
# staging object (hashed on the way) and then given their name.
SPOOL_LIMIT = 32 * 2**20
# Previews read tables up to this size whole (one request, verified); larger ones by range.
PREVIEW_WHOLE_LIMIT = 8 * 2**20
_CHUNK = 8 * 2**20


def location_from_environment(env: Mapping[str, str] | None = None) -> str:
    """FLOWBENCH_ARTIFACTS, else the workspace's ``artifacts`` folder (FLOWBENCH_HOME)."""
    env = os.environ if env is None else env
    configured = env.get("FLOWBENCH_ARTIFACTS", "").strip()
    if configured:
        return configured
    return str(Path(env.get("FLOWBENCH_HOME", "workspace")).resolve() / "artifacts")


def dump_object(obj: Any) -> bytes:
    """An object's bytes as `put_object` stores them (raises what pickling raises)."""
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def load_object(data: bytes | bytearray, suffix: str) -> Any:
    """The object in bytes stored with `suffix` (``pkl``, or ``joblib`` as written before).

    Unpickling runs code: only for bytes whose hash was checked against where they came from.
    """
    if suffix == "joblib":
        return joblib.load(io.BytesIO(data))
    if suffix != OBJECT_SUFFIX:
        raise ArtifactError(f"Objects are stored as .pkl or .joblib; got {suffix!r}.")
    return pickle.loads(data)


@dataclass(frozen=True)
class TableRef:
    """Where a stored table is and what it holds."""

    uri: str
    content_hash: str  # SHA-256 of the Parquet bytes
    row_count: int
    columns: list[dict[str, Any]]  # components.metadata.describe_columns


class ArtifactStore:
    """Tables (Parquet + column sidecar), pickled objects, opaque files and logs.

    Safe to share between threads and processes: objects are immutable once written.

    Args:
        location: A folder (created if missing), ``file:///path``, ``az://container/prefix``
            or ``s3://bucket/prefix``.
        env: Where credentials are read from (default: the environment).
        spool_limit: Objects larger than this are streamed rather than held in memory.
    """

    def __init__(
        self,
        location: str | Path,
        *,
        env: Mapping[str, str] | None = None,
        spool_limit: int = SPOOL_LIMIT,
    ) -> None:
        self.backend: Backend = open_backend(location, env)
        self.spool_limit = spool_limit
        # The folder of a local store (None for object stores).
        self.root: Path | None = getattr(self.backend, "root", None)

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> ArtifactStore:
        """The store named by FLOWBENCH_ARTIFACTS (or the workspace folder's), as workers use."""
        return cls(location_from_environment(env), env=env)

    @classmethod
    def for_step(cls, location: str | None, env: Mapping[str, str] | None = None) -> ArtifactStore:
        """The store a step job names (`location`, never with credentials), unless the worker's
        environment pins one (FLOWBENCH_ARTIFACTS), which then wins: a job cannot send a worker
        with a configured store elsewhere. Credentials always come from the environment.

        Raises:
            ArtifactError: the job's store is not the one the worker is configured for.
        """
        env = os.environ if env is None else env
        pinned = env.get("FLOWBENCH_ARTIFACTS", "").strip()
        if not location or pinned:
            store = cls.from_environment(env)
            if location and store.location != str(parse_location(location)):
                raise ArtifactError(
                    f"This step's artifacts are in {location}, but this worker is configured "
                    f"for {store.location} (FLOWBENCH_ARTIFACTS): point the worker at the "
                    f"workspace's store."
                )
            return store
        return cls(location, env=env)

    @property
    def location(self) -> str:
        """Where the artifacts are, as a URL without credentials (``file:///...``, ``az://...``)."""
        return str(self.backend.location)

    def check(self) -> None:
        """Make sure the store can be used (creates its container); raise ArtifactError if not."""
        self.backend.check()

    # -- URIs ---------------------------------------------------------------------------------

    def _key(self, uri: str) -> str:
        """The backend key of an artifact URI.

        Raises:
            ArtifactError: The URI has another scheme, or a segment that could leave the root
                (``..``, an absolute path, a backslash, an empty segment).
        """
        if not isinstance(uri, str) or not uri.startswith(SCHEME):
            raise ArtifactError(
                f"{uri!r} is not an artifact URI; expected '{SCHEME}<folder>/<name>'."
            )
        parts = uri[len(SCHEME) :].split("/")
        bad = [p for p in parts if not _SEGMENT.match(p)]
        if bad:
            raise ArtifactError(
                f"Artifact URI {uri!r} has an invalid segment {bad[0]!r}; "
                "segments are letters, digits, '_', '-', '.', '%' and may not "
                "start with '.'."
            )
        return "/".join(parts)

    def path_for(self, uri: str) -> Path:
        """The local file of an artifact URI (local stores only).

        Raises:
            ArtifactError: The URI is invalid (see `_key`), or the store is not a local folder.
        """
        path = self.backend.local_path(self._key(uri))
        if path is None:
            raise ArtifactError(
                f"Artifacts in {self.location} have no local path; read "
                f"'{uri}' through the artifact store."
            )
        return path

    def uri_for(self, path: str | Path) -> str:
        """The URI of a file under the root of a local store.

        Raises:
            ArtifactError: The path is outside the root, or the store is not a local folder.
        """
        if self.root is None:
            raise ArtifactError(f"Artifacts in {self.location} have no local path.")
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(self.root):
            raise ArtifactError(f"{str(path)!r} is outside the artifact store at {self.root}.")
        uri = SCHEME + resolved.relative_to(self.root).as_posix()
        self._key(uri)  # refuse names that could not be addressed back
        return uri

    def exists(self, uri: str) -> bool:
        """Whether an artifact is stored at `uri`."""
        return self.backend.exists(self._key(uri))

    def make_durable(self, uri: str) -> None:
        """Make sure a stored object (and a table's sidecar) survives a power cut: for an
        object written with `durable=False` that the workspace now keeps on its own (a dataset
        version or a model registered from a step's output). A no-op on object stores.

        Raises:
            ArtifactNotFoundError: Nothing is stored at `uri`.
        """
        key = self._key(uri)
        if key.endswith(".parquet") and self.backend.exists(_sidecar_key(key)):
            self.backend.sync(_sidecar_key(key))
        self.backend.sync(key)

    def _damaged(self, uri: str, message: str) -> ArtifactIntegrityError:
        # A content address whose bytes do not match is set aside, so it counts as absent:
        # the next write of that content stores it again and a run does not reuse it (its
        # step runs again). That is how an object torn by a power cut (written without fsync,
        # see put_table) heals; a tampered one is kept aside for inspection.
        with contextlib.suppress(ArtifactError, OSError):
            self.backend.set_aside(self._key(uri))
        return ArtifactIntegrityError(message)

    # -- writing and reading content-addressed bytes --------------------------------------------

    def _put_content(self, data: bytes, suffix: str, *, durable: bool = True) -> tuple[str, str]:
        """Store bytes under their SHA-256 (unless already there); return (digest, key)."""
        digest = hashlib.sha256(data).hexdigest()
        key = f"objects/{digest}.{suffix}"
        if not self.backend.exists(key):
            self.backend.put(key, data, durable=durable)
        return digest, key

    def _check_streamed(self, uri: str, expected: str) -> None:
        """Hash the object as it streams by, holding one chunk at a time; refuse a mismatch."""
        digest = hashlib.sha256()
        try:
            with self.backend.open_read(self._key(uri)) as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
        except OSError as exc:
            raise ArtifactError(
                f"Cannot read artifact '{uri}': {self.backend.redact(str(exc))}"
            ) from None
        if digest.hexdigest() != expected:
            raise self._damaged(
                uri, f"Artifact '{uri}' was modified after it was written; refusing to use it."
            )

    def _read_verified(self, uri: str, expected: str) -> bytearray:
        """The object's bytes, hashed as they stream in and refused when they do not match."""
        key = self._key(uri)
        with self.backend.open_read(key) as opened:
            # Local files and fsspec's files are buffered readers: they read into a buffer.
            handle = cast(io.BufferedIOBase, opened)
            size = _size_of(opened)
            data = bytearray(size) if size is not None else bytearray()
            view, digest, offset = memoryview(data), hashlib.sha256(), 0
            try:
                while True:
                    if size is not None:
                        if offset >= size:
                            break
                        count = handle.readinto(view[offset : offset + _CHUNK])
                        if not count:
                            raise ArtifactError(f"Artifact '{uri}' ended early while reading.")
                        digest.update(view[offset : offset + count])
                        offset += count
                    else:
                        chunk = handle.read(_CHUNK)
                        if not chunk:
                            break
                        digest.update(chunk)
                        data += chunk
            except OSError as exc:
                raise ArtifactError(
                    f"Cannot read artifact '{uri}': {self.backend.redact(str(exc))}"
                ) from None
            finally:
                view.release()
        actual = digest.hexdigest()
        if actual != expected:
            raise self._damaged(
                uri,
                f"Artifact '{uri}' was modified after it was written (its SHA-256 is now "
                f"{actual[:12]}...); refusing to use it. Re-run the step that produced it.",
            )
        return data

    # -- tables -------------------------------------------------------------------------------

    def put_table(self, df: pd.DataFrame, *, durable: bool = True) -> TableRef:
        """Store a table as Parquet with a column-metadata sidecar.

        Category dtypes, missing values and column roles are kept; the index is not (tables
        are addressed by content, and a row index is not part of a designer dataset). A large
        table is streamed to the store as Parquet is written, not assembled in memory first.
        `durable=False` skips the fsync of a local store (a step's output, which is
        recomputable: see `make_durable` and docs/architecture.md).

        Returns:
            A `TableRef`; the same table always gets the same URI, and is written only once.

        Raises:
            ArtifactError: Column names are not unique strings, or a column cannot be stored.
        """
        names = list(df.columns)
        if any(not isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ArtifactError(
                f"Column names must be unique strings to store a table; got {names!r}."
            )
        frame = df.copy(deep=False)
        # Only the roles go into the file's metadata, so they count in the content hash (the
        # same data with another label column is another table) and other attrs do not.
        frame.attrs = {ROLES_ATTR: {c: r for c, r in roles(df).items() if r != FEATURE}}
        try:
            table = pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise ArtifactError(f"Cannot store the table as Parquet: {exc}") from exc
        columns = describe_columns(df)
        sidecar = json.dumps(columns, indent=1).encode("utf-8")
        if table.nbytes <= self.spool_limit:
            buffer = pa.BufferOutputStream()
            pq.write_table(table, buffer)
            data = buffer.getvalue().to_pybytes()
            digest = hashlib.sha256(data).hexdigest()
            key = f"objects/{digest}.parquet"
            if not self.backend.exists(key):
                # Sidecar first: a present Parquet object then always has its sidecar.
                self.backend.put(_sidecar_key(key), sidecar, durable=durable)
                self.backend.put(key, data, durable=durable)
        else:
            sink = _HashingSink(self.backend, self.spool_limit)
            try:
                with pa.PythonFile(sink, mode="w") as handle:
                    pq.write_table(table, handle)
                digest = sink.hexdigest()
                key = f"objects/{digest}.parquet"
                if self.backend.exists(key):
                    sink.abort()
                else:
                    self.backend.put(_sidecar_key(key), sidecar, durable=durable)
                    sink.commit(key, durable=durable)
            except BaseException:
                sink.abort()
                raise
        return TableRef(uri=SCHEME + key, content_hash=digest, row_count=len(df), columns=columns)

    def get_table(self, uri: str) -> pd.DataFrame:
        """Load a stored table, with its category dtypes and column roles, after checking it.

        Raises:
            ArtifactNotFoundError: Nothing is stored at `uri`.
            ArtifactIntegrityError: The bytes no longer match the hash in the URI.
            ArtifactError: The URI is not a table's, or the object is not readable Parquet.
        """
        digest = self._object_digest(uri, "parquet", "table")
        data = self._read_verified(uri, digest)
        try:
            # ParquetFile reads the one file directly; read_table goes through the dataset
            # layer (discovery, a thread pool), about 1.5 ms more per table of a few rows.
            parquet = pq.ParquetFile(pa.BufferReader(pa.py_buffer(data)))
            df = parquet.read(use_threads=False).to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise ArtifactError(f"Artifact '{uri}' is not a readable table: {exc}") from exc
        columns = self._read_sidecar(uri)
        return df if columns is None else apply_description(df, columns)

    def table_columns(self, uri: str) -> list[dict[str, Any]]:
        """A stored table's column description (name, type, categorical, role).

        Raises:
            ArtifactNotFoundError: Nothing is stored at `uri`.
        """
        columns = self._read_sidecar(uri)
        if columns is None:
            return describe_columns(self.get_table(uri))
        if not self.exists(uri):
            raise ArtifactNotFoundError(f"No artifact exists at '{uri}'.")
        return columns

    def preview(self, uri: str, limit: int = 100) -> dict[str, Any]:
        """The first rows of a stored table, ready for JSON, without reading a large table whole.

        A table up to PREVIEW_WHOLE_LIMIT bytes is read in one request and checked against its
        content hash. A larger one is first hashed as it streams by (never held in memory
        whole), then read by range (footer, then the first row groups): a tampered table is
        refused, never shown.

        Args:
            uri: The table's URI.
            limit: At most this many rows.

        Returns:
            ``{"columns": [...described...], "rows": [{column: value}, ...], "row_count": n}``
            where missing and non-finite values are None and timestamps are ISO strings.

        Raises:
            ArtifactNotFoundError: Nothing is stored at `uri`.
            ArtifactIntegrityError: The table no longer matches its hash.
            ArtifactError: The object is not readable Parquet.
        """
        digest = self._object_digest(uri, "parquet", "table")
        key = self._key(uri)
        handle: IO[bytes] | None = None
        try:
            if self.backend.size(key) <= PREVIEW_WHOLE_LIMIT:
                source: Any = pa.BufferReader(pa.py_buffer(self._read_verified(uri, digest)))
            else:
                self._check_streamed(uri, digest)
                source = handle = self.backend.open_read(key)
            parquet = pq.ParquetFile(source)
            head = _head(parquet, limit).to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise ArtifactError(
                f"Artifact '{uri}' is not a readable table: {self.backend.redact(str(exc))}"
            ) from None
        finally:
            if handle is not None:
                handle.close()
        records = head.to_dict(orient="records")
        # The object was just read, so only a missing sidecar needs the table itself.
        columns = self._read_sidecar(uri)
        return {
            "columns": columns if columns is not None else self.table_columns(uri),
            "rows": [{str(k): json_safe(v) for k, v in r.items()} for r in records],
            "row_count": parquet.metadata.num_rows,
        }

    def _read_sidecar(self, uri: str) -> list[dict[str, Any]] | None:
        try:
            with self.backend.open_read(_sidecar_key(self._key(uri))) as handle:
                return json.loads(handle.read())
        except ArtifactNotFoundError:
            return None

    def _object_digest(self, uri: str, suffix: str | None, what: str) -> str:
        match = (
            _OBJECT.match(uri[len(SCHEME) :])
            if isinstance(uri, str) and uri.startswith(SCHEME)
            else None
        )
        if match is None or (suffix is not None and match[2] != suffix):
            shape = f"{SCHEME}objects/<sha256>.{suffix or '<suffix>'}"
            raise ArtifactError(
                f"{uri!r} is not {'an' if what[0] in 'aeiou' else 'a'} "
                f"{what} URI; expected '{shape}'."
            )
        return match[1]

    # -- objects (models, transformations) ----------------------------------------------------

    def put_object(self, obj: Any, *, durable: bool = True) -> str:
        """Store a Python object (a trained model, a fitted transformation) as a pickle;
        `durable` as for `put_table`.

        Returns:
            Its URI, ``artifacts://objects/<sha256>.pkl``.

        Raises:
            ArtifactError: The object cannot be pickled.
        """
        try:
            data = dump_object(obj)
        except Exception as exc:  # pickling raises many types (PicklingError, TypeError, ...)
            raise ArtifactError(f"Cannot store {type(obj).__name__} object: {exc}") from exc
        return SCHEME + self._put_content(data, OBJECT_SUFFIX, durable=durable)[1]

    def get_object(self, uri: str) -> Any:
        """Load a stored object (``.pkl``, or ``.joblib`` as written before) after checking
        that its bytes match the hash in its URI.

        Unpickling runs code, so only bytes that this store wrote may be unpickled: the check
        runs on the bytes in memory, and those same bytes are loaded.

        Raises:
            ArtifactError: `uri` is not an object URI.
            ArtifactNotFoundError: Nothing is stored at `uri`.
            ArtifactIntegrityError: The object was changed after it was written.
        """
        suffix = uri.rpartition(".")[2] if isinstance(uri, str) else ""
        digest = self._object_digest(uri, suffix if suffix in _OBJECT_SUFFIXES else "pkl", "object")
        return load_object(self._read_verified(uri, digest), suffix)

    # -- opaque files (endpoint bundles, ...) ------------------------------------------------

    def put_file(self, source: bytes | str | Path | IO[bytes], suffix: str = "bin") -> str:
        """Store an opaque file by content: bytes, a local file's path, or a binary reader.

        Large files are streamed (hashed on the way), never held in memory whole.

        Returns:
            ``artifacts://objects/<sha256>.<suffix>``.

        Raises:
            ArtifactError: The suffix is not a short lowercase extension (or is one of the
                store's own: parquet, pkl, joblib), or the file cannot be read or written.
        """
        if not _FILE_SUFFIX.match(suffix) or suffix in _RESERVED_SUFFIXES:
            raise ArtifactError(
                f"File suffix {suffix!r} is not allowed: use a short lowercase "
                "extension such as 'bin' or 'tar.gz' (not parquet, pkl or joblib)."
            )
        if isinstance(source, bytes | bytearray | memoryview):
            return SCHEME + self._put_content(bytes(source), suffix)[1]
        sink = _HashingSink(self.backend, self.spool_limit)
        try:
            with (
                open(source, "rb") if isinstance(source, str | Path) else _borrowed(source)
            ) as handle:
                while chunk := handle.read(_CHUNK):
                    sink.write(chunk)
            key = f"objects/{sink.hexdigest()}.{suffix}"
            if self.backend.exists(key):
                sink.abort()
            else:
                sink.commit(key)
        except OSError as exc:
            sink.abort()
            raise ArtifactError(f"Cannot read the file to store: {exc}") from exc
        except BaseException:
            sink.abort()
            raise
        return SCHEME + key

    def get_bytes(self, uri: str) -> bytes:
        """A stored file's bytes, checked against the hash in its URI.

        Raises:
            ArtifactNotFoundError, ArtifactIntegrityError, ArtifactError: as `get_object`.
        """
        return bytes(self._read_verified(uri, self._object_digest(uri, None, "file")))

    def get_file(self, uri: str, destination: str | Path) -> Path:
        """Copy a stored file to a local path, streamed and checked; the path appears only once
        the whole file matched its hash.

        Raises:
            ArtifactNotFoundError, ArtifactIntegrityError, ArtifactError: as `get_object`.
        """
        expected = self._object_digest(uri, None, "file")
        target = Path(destination)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out, self.backend.open_read(self._key(uri)) as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != expected:
                raise self._damaged(
                    uri, f"Artifact '{uri}' was modified after it was written; refusing to use it."
                )
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    # -- logs ---------------------------------------------------------------------------------

    def log_uri(self, run_id: str, node_id: str) -> str:
        """The URI of a step's log, ``artifacts://logs/<run_id>/<node_id>.log``.

        Ids are percent-encoded, so any node id gives a valid URI inside the store.
        """
        uri = f"{SCHEME}logs/{quote(run_id, safe='')}/{quote(node_id, safe='')}.log"
        self._key(uri)
        return uri

    def write_log(self, uri: str, text: str) -> None:
        """Write (replace) a log, atomically."""
        # A log is a diagnosis, not data a later step reads: no fsync.
        self.backend.put(self._key(uri), text.encode("utf-8"), durable=False)

    def read_log(self, uri: str) -> str:
        """A log's text, or '' when it has not been written."""
        try:
            with self.backend.open_read(self._key(uri)) as handle:
                return handle.read().decode("utf-8", errors="replace")
        except ArtifactNotFoundError:
            return ""


class _HashingSink:
    """Where a large object is written: every byte is hashed, and the bytes go to memory until
    `limit`, then to a staging object; `commit` gives them their content address."""

    def __init__(self, backend: Backend, limit: int) -> None:
        self.backend, self.limit = backend, limit
        self._digest = hashlib.sha256()
        self._buffer = bytearray()
        self._staging: StagingFile | None = None
        self._size = 0
        self.closed = False

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._digest.update(view)
        self._size += len(view)
        if self._staging is not None:
            self._staging.write(view)
        else:
            self._buffer += view
            if len(self._buffer) > self.limit:
                self._staging = self.backend.open_staging()
                self._staging.write(self._buffer)
                self._buffer = bytearray()
        return len(view)

    def tell(self) -> int:
        return self._size

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def close(self) -> None:  # pyarrow closes its file; the sink is committed separately
        self.closed = True

    def hexdigest(self) -> str:
        return self._digest.hexdigest()

    def commit(self, key: str, *, durable: bool = True) -> None:
        if self._staging is None:
            self.backend.put(key, bytes(self._buffer), durable=durable)
        else:
            self._staging.commit(key, durable=durable)
            self._staging = None

    def abort(self) -> None:
        if self._staging is not None:
            self._staging.abort()
            self._staging = None


class _borrowed:
    """A context manager over a caller's file that leaves it open."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle

    def __enter__(self) -> IO[bytes]:
        return self.handle

    def __exit__(self, *_: object) -> None:
        return None


def _size_of(handle: IO[bytes]) -> int | None:
    size = getattr(handle, "size", None)  # fsspec files know their size
    if isinstance(size, int):
        return size
    try:
        return os.fstat(handle.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        return None


def _sidecar_key(key: str) -> str:
    return key.removesuffix(".parquet") + ".columns.json"


def is_table_uri(uri: str) -> bool:
    """Whether `uri` names a table (``artifacts://objects/<sha256>.parquet``), not an object or
    a file; it says nothing about whether the table exists."""
    match = _OBJECT.match(uri[len(SCHEME) :]) if uri.startswith(SCHEME) else None
    return match is not None and match[2] == "parquet"


def _head(parquet: pq.ParquetFile, limit: int) -> pa.Table:
    """The first `limit` rows, reading no further than needed."""
    batches: list[pa.RecordBatch] = []
    taken = 0
    # Batches end at row-group boundaries, so one batch may hold fewer rows than asked for.
    for batch in parquet.iter_batches(batch_size=limit) if limit > 0 else ():
        batches.append(batch.slice(0, limit - taken))
        taken += batches[-1].num_rows
        if taken >= limit:
            break
    return pa.Table.from_batches(batches) if batches else parquet.schema_arrow.empty_table()


def json_safe(value: Any) -> Any:
    """A JSON-serializable form of one cell: missing and non-finite become None, times ISO."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta | pd.Timedelta):
        return str(value)
    if isinstance(value, Decimal):
        return json_safe(float(value))
    return str(value)
