"""Ordered schema migrations for the DuckDB workspace.

Each `storage/migrations/NNNN_name.sql` file runs once, in number order, inside a transaction,
and is recorded in `schema_migrations`, so opening a workspace twice applies nothing the second
time and a half-applied migration leaves no trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from storage.entities import utc_now
from storage.errors import StorageError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One schema migration file."""

    version: int
    name: str
    path: Path


def available_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in `folder`, in version order.

    Raises:
        StorageError: Two files share a version number.
    """
    found: dict[int, Migration] = {}
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            continue
        version = int(match[1])
        if version in found:
            raise StorageError(
                f"Migrations {found[version].path.name} and {path.name} share "
                f"version {version}; renumber one of them."
            )
        found[version] = Migration(version, match[2], path)
    return [found[v] for v in sorted(found)]


def apply_migrations(
    conn: duckdb.DuckDBPyConnection, folder: Path = MIGRATIONS_DIR
) -> list[Migration]:
    """Apply, in order, the migrations not yet recorded in `schema_migrations`.

    Args:
        conn: An open connection to the workspace database.
        folder: Where the migration files are.

    Returns:
        The migrations applied now (empty when the schema was up to date).

    Raises:
        StorageError: The database was migrated by a newer Flowbench than this one.
    """
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations").fetchall()}
    migrations = available_migrations(folder)
    known = {m.version for m in migrations}
    if done - known:
        raise StorageError(
            f"The workspace database has schema version {max(done)}, newer than "
            f"this Flowbench knows ({max(known, default=0)}); upgrade Flowbench."
        )
    applied = []
    for migration in migrations:
        if migration.version in done:
            continue
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(migration.path.read_text(encoding="utf-8"))
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [migration.version, migration.name, utc_now().replace(tzinfo=None)],
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        applied.append(migration)
    return applied
