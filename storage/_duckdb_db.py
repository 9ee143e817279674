"""The one DuckDB connection of a workspace: per-thread cursors, serialized write transactions,
and DuckDB errors translated into storage errors.

DuckDB lets one process open a database file, so the control plane opens it once and keeps one
connection. A connection must not be shared between threads, so each thread gets its own cursor
(a DuckDB connection to the same database). Writes are serialized by a lock, which makes
read-check-write sequences (status transitions, draft revisions, next version numbers) atomic;
reads run concurrently on their thread's cursor and see committed data.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from storage.errors import AlreadyExistsError, ConflictError, StorageError, WorkspaceLockedError
from storage.migrate import Migration, apply_migrations

Cursor = duckdb.DuckDBPyConnection


@contextmanager
def translated() -> Iterator[None]:
    """Turn DuckDB's exceptions into storage errors, so callers never import duckdb."""
    try:
        yield
    except duckdb.ConstraintException as exc:
        key = re.search(r'duplicate key "([^"]*)"', str(exc), re.IGNORECASE)
        if key:
            raise AlreadyExistsError(f"A record with key ({key[1]}) already exists.") from exc
        raise StorageError(f"The workspace database refused the change: {exc}") from exc
    except duckdb.TransactionException as exc:
        raise ConflictError(f"A concurrent change got there first; try again. ({exc})") from exc
    except duckdb.Error as exc:
        raise StorageError(f"The workspace database failed: {exc}") from exc


def connect(path: Path) -> Cursor:
    """Open the database file, explaining DuckDB's one-process lock when another holds it.

    Raises:
        WorkspaceLockedError: Another process has the file open.
        StorageError: The file cannot be opened.
    """
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise StorageError(f"Cannot open the workspace database {path}: {exc}") from exc
        pid = re.search(r"PID (\d+)", str(exc))
        holder = f" (PID {pid[1]})" if pid else ""
        raise WorkspaceLockedError(
            f"The workspace database {path} is already open in another process{holder}. DuckDB "
            "lets only one process open it: stop that process, or reach the workspace through "
            "the control plane that holds it."
        ) from exc
    except duckdb.Error as exc:
        raise StorageError(f"Cannot open the workspace database {path}: {exc}") from exc


class Database:
    """A migrated DuckDB database shared by threads.

    Args:
        path: The database file; pending schema migrations are applied on opening.
    """

    def __init__(self, path: Path) -> None:
        self._write_lock = threading.Lock()
        self._local = threading.local()
        # Weak, so a finished thread's cursor is closed along with its thread-local storage.
        self._cursors: weakref.WeakSet[Cursor] = weakref.WeakSet()
        self._cursors_lock = threading.Lock()
        self._closed = False
        self._conn = connect(path)
        try:
            with translated():
                self.applied_migrations: tuple[Migration, ...] = tuple(apply_migrations(self._conn))
        except BaseException:
            self._conn.close()
            raise

    def cursor(self) -> Cursor:
        """The calling thread's cursor, created on first use."""
        if self._closed:
            raise StorageError("The workspace store is closed.")
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            with self._cursors_lock:
                cursor = self._conn.cursor()
                self._cursors.add(cursor)
            self._local.cursor = cursor
        return cursor

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        """The thread's cursor for reads, with errors translated."""
        with translated():
            yield self.cursor()

    @contextmanager
    def writing(self) -> Iterator[Cursor]:
        """One write transaction, committed at the end or rolled back on any error."""
        with self._write_lock, translated():
            cursor = self.cursor()
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def close(self) -> None:
        """Close every cursor and the connection; closing twice is harmless."""
        with self._write_lock:  # let a write in flight finish
            if self._closed:
                return
            self._closed = True
            with self._cursors_lock:
                for cursor in list(self._cursors):
                    cursor.close()
            self._conn.close()
