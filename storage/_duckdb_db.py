"""The one DuckDB connection of a workspace: per-thread cursors, serialized write transactions,
and DuckDB errors translated into storage errors.

DuckDB lets one process open a database file, so the control plane opens it once and keeps one
connection. A connection must not be shared between threads, so each thread gets its own cursor
(a DuckDB connection to the same database). Writes are serialized by a lock, which makes
read-check-write sequences (status transitions, draft revisions, next version numbers) atomic;
reads run concurrently on their thread's cursor and see committed data. Recording a run
(`write_shared`) lets the writes of concurrent callers share one transaction and its commit.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import duckdb

from storage.errors import AlreadyExistsError, ConflictError, StorageError, WorkspaceLockedError
from storage.migrate import Migration, apply_migrations

Cursor = duckdb.DuckDBPyConnection
T = TypeVar("T")


Combine = Callable[[Cursor, list[Any]], list[Any]]


class _SharedWrite:
    """One caller's work for a shared write transaction, and what came of it."""

    def __init__(self, work: Callable[[Cursor], Any], combine: Combine | None) -> None:
        self.work = work
        self.combine = combine
        self.done = False
        self.result: Any = None
        self.error: Exception | None = None


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


# One DuckDB thread. The control plane's statements are small (a row or a page): a second
# thread only hands each one over and back, about 5 ms of CPU per run of the two-branch
# pipeline, taken from the workers' steps; and the largest reads (run pages at 100,000 runs)
# measured as fast with one thread as with two.
CONFIG: dict[str, str | bool | int | float | list[str]] = {"threads": 1}


def connect(path: Path) -> Cursor:
    """Open the database file, explaining DuckDB's one-process lock when another holds it.

    Raises:
        WorkspaceLockedError: Another process has the file open.
        StorageError: The file cannot be opened.
    """
    try:
        return duckdb.connect(str(path), config=CONFIG)
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
        # Work of `write_shared` waiting for the write lock, taken by whichever thread gets it.
        self._shared: list[_SharedWrite] = []
        self._shared_lock = threading.Lock()
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
        with self._write_lock:
            actions: list[Callable[[], None]] = []
            self._local.after_commit = actions
            try:
                with translated():
                    cursor = self.cursor()
                    cursor.execute("BEGIN TRANSACTION")
                    try:
                        yield cursor
                    except BaseException:
                        cursor.execute("ROLLBACK")
                        raise
                    cursor.execute("COMMIT")
            finally:
                self._local.after_commit = None
            for action in actions:
                action()

    @contextmanager
    def serialized(self) -> Iterator[None]:
        """The write lock without a transaction: for changes kept in memory before they are
        written, which must be ordered with the writes."""
        with self._write_lock:
            if self._closed:
                raise StorageError("The workspace store is closed.")
            yield

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the calling thread's `writing()` transaction commits, still under
        the write lock (so what writers keep in memory changes in the order of their commits);
        dropped when it rolls back."""
        actions = getattr(self._local, "after_commit", None)
        if actions is None:
            raise RuntimeError("after_commit() is only for use inside writing().")
        actions.append(action)

    def write_shared(
        self,
        work: Callable[[Cursor], T],
        *,
        combine: Combine | None = None,
    ) -> T:
        """Run `work` in a write transaction that other threads' `write_shared` work waiting
        for the write lock may join: one commit for them all (a commit waits for the disk).

        `work` must only write through the cursor it is given and may run in another thread.
        When any work in a shared transaction fails, everything is rolled back and each one
        runs again in a transaction of its own, so a failure is its own caller's alone.

        `combine(cursor, works)`, when given, does the work of several callers that passed the
        same `combine` at once (e.g. one INSERT of many rows instead of one per caller: each
        statement costs about a millisecond) and returns their results in order.
        """
        item = _SharedWrite(work, combine)
        with self._shared_lock:
            self._shared.append(item)
        with self._write_lock:
            if not item.done:
                with self._shared_lock:
                    batch, self._shared = self._shared, []
                if item not in batch:  # the thread that took it was interrupted
                    batch.append(item)
                self._commit_shared(batch)
        if item.error is not None:
            raise item.error
        return cast(T, item.result)

    def _commit_shared(self, batch: list[_SharedWrite]) -> None:
        cursor = self.cursor()
        if len(batch) > 1:
            try:
                with translated():
                    cursor.execute("BEGIN TRANSACTION")
                    try:
                        results = _run_batch(cursor, batch)
                    except BaseException:
                        cursor.execute("ROLLBACK")
                        raise
                    cursor.execute("COMMIT")
            except Exception:  # noqa: BLE001 - each runs again alone and keeps its own error
                pass
            else:
                for item, result in zip(batch, results, strict=True):
                    item.result, item.done = result, True
                return
        for item in batch:
            try:
                with translated():
                    cursor.execute("BEGIN TRANSACTION")
                    try:
                        item.result = item.work(cursor)
                    except BaseException:
                        cursor.execute("ROLLBACK")
                        raise
                    cursor.execute("COMMIT")
            except Exception as exc:  # noqa: BLE001 - raised in the caller's thread
                item.error = exc
            item.done = True

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


def _run_batch(cursor: Cursor, batch: list[_SharedWrite]) -> list[Any]:
    """The results of every work in `batch`, in order; the works of consecutive items with the
    same `combine` done by one call of it."""
    results: list[Any] = []
    start = 0
    while start < len(batch):
        combine = batch[start].combine
        end = start + 1
        while combine is not None and end < len(batch) and batch[end].combine == combine:
            end += 1
        if combine is None or end - start == 1:
            results.append(batch[start].work(cursor))
        else:
            done = combine(cursor, [item.work for item in batch[start:end]])
            if len(done) != end - start:
                raise RuntimeError("A combined write must return one result per work.")
            results.extend(done)
        start = end
    return results
