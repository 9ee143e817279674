"""The artifact store: tables, models and logs as files under one root, addressed by URI.

Callers hold URIs such as ``artifacts://objects/<sha256>.parquet``, never paths, so a shared
volume or an object store can replace the local folder later. Tables and objects are
content-addressed: the name is the SHA-256 of the bytes, so writing the same content twice
yields the same URI, and a file changed after it was written is detected before it is used.
Every write goes to a temporary file in the same folder, is fsynced (data, not logs), then
renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import joblib
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from components.metadata import FEATURE, ROLES_ATTR, apply_description, describe_columns, roles
from storage.errors import ArtifactError, ArtifactIntegrityError, ArtifactNotFoundError

SCHEME = "artifacts://"
# A path segment: starts with a letter or digit (so never "." or ".."), then a safe set. Temp
# files start with "." and are therefore never addressable.
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.%-]*$")
_OBJECT = re.compile(r"^objects/([0-9a-f]{64})\.(parquet|joblib)$")


@dataclass(frozen=True)
class TableRef:
    """Where a stored table is and what it holds."""

    uri: str
    content_hash: str  # SHA-256 of the Parquet bytes
    row_count: int
    columns: list[dict[str, Any]]  # components.metadata.describe_columns


class ArtifactStore:
    """Tables (Parquet + column sidecar), pickled objects and logs under a root folder.

    Safe to share between threads and processes: files are immutable once renamed into place.

    Args:
        root: The folder holding the artifacts; created if missing.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    # -- URIs ---------------------------------------------------------------------------------

    def path_for(self, uri: str) -> Path:
        """The local file of an artifact URI.

        Raises:
            ArtifactError: The URI has another scheme, or a segment that could leave the root
                (``..``, an absolute path, a backslash, an empty segment).
        """
        if not isinstance(uri, str) or not uri.startswith(SCHEME):
            raise ArtifactError(f"{uri!r} is not an artifact URI; expected "
                                f"'{SCHEME}<folder>/<name>'.")
        parts = uri[len(SCHEME):].split("/")
        bad = [p for p in parts if not _SEGMENT.match(p)]
        if bad:
            raise ArtifactError(f"Artifact URI {uri!r} has an invalid segment {bad[0]!r}; "
                                "segments are letters, digits, '_', '-', '.', '%' and may not "
                                "start with '.'.")
        return self.root.joinpath(*parts)

    def uri_for(self, path: str | Path) -> str:
        """The URI of a file under the root.

        Raises:
            ArtifactError: The path is outside the root.
        """
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(self.root):
            raise ArtifactError(f"{str(path)!r} is outside the artifact store at {self.root}.")
        uri = SCHEME + resolved.relative_to(self.root).as_posix()
        self.path_for(uri)  # refuse names that could not be addressed back
        return uri

    def exists(self, uri: str) -> bool:
        """Whether an artifact is stored at `uri`."""
        return self.path_for(uri).is_file()

    def _existing(self, uri: str) -> Path:
        path = self.path_for(uri)
        if not path.is_file():
            raise ArtifactNotFoundError(f"No artifact exists at '{uri}'.")
        return path

    # -- tables -------------------------------------------------------------------------------

    def put_table(self, df: pd.DataFrame) -> TableRef:
        """Store a table as Parquet with a column-metadata sidecar.

        Category dtypes, missing values and column roles are kept; the index is not (tables
        are addressed by content, and a row index is not part of a designer dataset).

        Returns:
            A `TableRef`; the same table always gets the same URI, and is written only once.

        Raises:
            ArtifactError: Column names are not unique strings, or a column cannot be stored.
        """
        names = list(df.columns)
        if any(not isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ArtifactError(f"Column names must be unique strings to store a table; got "
                                f"{names!r}.")
        frame = df.copy(deep=False)
        # Only the roles go into the file's metadata, so they count in the content hash (the
        # same data with another label column is another table) and other attrs do not.
        frame.attrs = {ROLES_ATTR: {c: r for c, r in roles(df).items() if r != FEATURE}}
        try:
            table = pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise ArtifactError(f"Cannot store the table as Parquet: {exc}") from exc
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        data = buffer.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        uri = f"{SCHEME}objects/{digest}.parquet"
        path = self.path_for(uri)
        columns = describe_columns(df)
        # Sidecar first: a present Parquet file then always has its sidecar.
        sidecar = _sidecar(path)
        if not sidecar.exists():
            _write_atomic(sidecar, json.dumps(columns, indent=1).encode("utf-8"))
        if not path.exists():
            _write_atomic(path, data)
        return TableRef(uri=uri, content_hash=digest, row_count=len(df), columns=columns)

    def get_table(self, uri: str) -> pd.DataFrame:
        """Load a stored table, with its category dtypes and column roles.

        Raises:
            ArtifactNotFoundError: Nothing is stored at `uri`.
            ArtifactError: The file is not readable Parquet.
        """
        path = self._existing(uri)
        data = self._verified(uri, path)
        try:
            df = pq.read_table(pa.BufferReader(data)).to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise ArtifactError(f"Artifact '{uri}' is not a readable table: {exc}") from exc
        columns = _read_sidecar(path)
        return df if columns is None else apply_description(df, columns)

    def table_columns(self, uri: str) -> list[dict[str, Any]]:
        """A stored table's column description (name, type, categorical, role).

        Raises:
            ArtifactNotFoundError: Nothing is stored at `uri`.
        """
        columns = _read_sidecar(self._existing(uri))
        return describe_columns(self.get_table(uri)) if columns is None else columns

    def preview(self, uri: str, limit: int = 100) -> dict[str, Any]:
        """The first rows of a stored table, ready for JSON, without reading the whole file.

        Args:
            uri: The table's URI.
            limit: At most this many rows.

        Returns:
            ``{"columns": [...described...], "rows": [{column: value}, ...], "row_count": n}``
            where missing and non-finite values are None and timestamps are ISO strings.

        Raises:
            ArtifactNotFoundError: Nothing is stored at `uri`.
            ArtifactError: The file is not readable Parquet.
        """
        path = self._existing(uri)
        data = self._verified(uri, path)
        try:
            parquet = pq.ParquetFile(pa.BufferReader(data))
            head = _head(parquet, limit).to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise ArtifactError(f"Artifact '{uri}' is not a readable table: {exc}") from exc
        records = head.to_dict(orient="records")
        return {"columns": self.table_columns(uri),
                "rows": [{str(k): json_safe(v) for k, v in r.items()} for r in records],
                "row_count": parquet.metadata.num_rows}

    # -- objects (models, transformations) ----------------------------------------------------

    def put_object(self, obj: Any) -> str:
        """Store a Python object (a trained model, a fitted transformation) with joblib.

        Returns:
            Its URI, ``artifacts://objects/<sha256>.joblib``.

        Raises:
            ArtifactError: The object cannot be pickled.
        """
        buffer = io.BytesIO()
        try:
            joblib.dump(obj, buffer)
        except Exception as exc:  # pickling raises many types (PicklingError, TypeError, ...)
            raise ArtifactError(f"Cannot store {type(obj).__name__} object: {exc}") from exc
        data = buffer.getvalue()
        uri = f"{SCHEME}objects/{hashlib.sha256(data).hexdigest()}.joblib"
        path = self.path_for(uri)
        if not path.exists():
            _write_atomic(path, data)
        return uri

    def get_object(self, uri: str) -> Any:
        """Load a stored object after checking that its bytes match the hash in its URI.

        Unpickling runs code, so only bytes that this store wrote may be unpickled: the check
        runs on the bytes in memory, and those same bytes are loaded.

        Raises:
            ArtifactError: `uri` is not an object URI.
            ArtifactNotFoundError: Nothing is stored at `uri`.
            ArtifactIntegrityError: The file was changed after it was written.
        """
        match = _OBJECT.match(uri[len(SCHEME):]) if uri.startswith(SCHEME) else None
        if match is None or match[2] != "joblib":
            raise ArtifactError(f"{uri!r} is not an object URI; expected "
                                f"'{SCHEME}objects/<sha256>.joblib'.")
        data = self._verified(uri, self._existing(uri))
        return joblib.load(io.BytesIO(data))

    def _verified(self, uri: str, path: Path) -> bytes:
        """The bytes of a content-addressed artifact, after checking them against its name.

        Everything served or loaded is these same bytes, so a file changed after it was written
        (or a second dataset with the same content) is never read as if it were intact.

        Raises:
            ArtifactIntegrityError: The file's SHA-256 is not the one its name says.
        """
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArtifactError(f"Cannot read artifact '{uri}': {exc}") from exc
        match = _OBJECT.match(uri[len(SCHEME):])
        if match is not None:
            actual = hashlib.sha256(data).hexdigest()
            if actual != match[1]:
                raise ArtifactIntegrityError(
                    f"Artifact '{uri}' was modified after it was written (its SHA-256 is now "
                    f"{actual[:12]}...); refusing to read it. Re-run the step that produced "
                    f"it, or upload the dataset again.")
        return data

    # -- logs ---------------------------------------------------------------------------------

    def log_uri(self, run_id: str, node_id: str) -> str:
        """The URI of a step's log, ``artifacts://logs/<run_id>/<node_id>.log``.

        Ids are percent-encoded, so any node id gives a valid URI inside the store.
        """
        uri = f"{SCHEME}logs/{quote(run_id, safe='')}/{quote(node_id, safe='')}.log"
        self.path_for(uri)
        return uri

    def write_log(self, uri: str, text: str) -> None:
        """Write (replace) a log, atomically."""
        # A log is a diagnosis, not data a later step reads: no fsync.
        _write_atomic(self.path_for(uri), text.encode("utf-8"), durable=False)

    def read_log(self, uri: str) -> str:
        """A log's text, or '' when it has not been written."""
        path = self.path_for(uri)
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


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


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".parquet") + ".columns.json")


def _read_sidecar(path: Path) -> list[dict[str, Any]] | None:
    try:
        return json.loads(_sidecar(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def _write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one.

    `durable` fsyncs the data before the rename, so a name that exists after a power cut has
    its whole content. The folder is not fsynced: a rename lost in a power cut leaves the
    artifact missing, and a missing artifact is never reused (its step runs again), while the
    extra fsync cost every step tens of milliseconds here.

    Raises:
        ArtifactError: The file cannot be written (disk full, permissions, ...).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ArtifactError(f"Cannot write artifact {path.name}: {exc}") from exc
    try:
        os.fchmod(fd, 0o600)  # the workspace's user only: workers run as that user too
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            if durable:
                os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ArtifactError(f"Cannot write artifact {path.name}: {exc}") from exc
        raise


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
