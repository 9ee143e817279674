"""Datasets and their immutable versions."""

from __future__ import annotations

from typing import Any

from storage import _duckdb_rows as rows
from storage._duckdb_db import Database
from storage.entities import Dataset, DatasetSource, DatasetVersion, utc_now
from storage.errors import NotFoundError
from storage.records._memo import Memo
from storage.records._sql import aggregate, placeholders, require_name


class DatasetRepository:
    """Datasets and their versions on the workspace database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # (name, version or None for the latest) -> the version's row, or the NotFoundError to
        # raise; forgotten whenever a version is registered (the only write of these tables).
        self._versions: Memo[tuple[str, int | None], tuple[Any, ...] | NotFoundError] = Memo()

    def register_dataset_version(
        self,
        *,
        name: str,
        uri: str,
        content_hash: str,
        row_count: int,
        columns: list[dict[str, Any]],
        source: DatasetSource | str,
        description: str = "",
    ) -> DatasetVersion:
        """Add a new immutable version (latest + 1) of a dataset, creating it at version 1.

        Args:
            name: The dataset's name.
            uri: The artifact URI of the table.
            content_hash: The table's content hash (from the artifact store).
            row_count: Number of rows.
            columns: The column description (name, type, categorical, role).
            source: sample, upload or run.
            description: The version's description; a non-blank one also becomes the
                dataset's description.

        Returns:
            The new version.
        """
        require_name("dataset", name)
        now = utc_now()
        with self._db.writing() as cur:
            latest = aggregate(
                cur, "SELECT max(version) FROM dataset_versions WHERE name = ?", [name]
            )
            if latest is None:
                cur.execute(
                    "INSERT OR IGNORE INTO datasets VALUES (?, ?, ?)",
                    [name, description, rows.to_db_time(now)],
                )
            elif description.strip():
                cur.execute(
                    "UPDATE datasets SET description = ? WHERE name = ?", [description, name]
                )
            version = DatasetVersion(
                name=name,
                version=(latest or 0) + 1,
                uri=uri,
                content_hash=content_hash,
                row_count=int(row_count),
                columns=columns,
                source=DatasetSource(source),
                description=description,
                created_at=now,
            )
            cur.execute(
                f"INSERT INTO dataset_versions VALUES "
                f"({placeholders(len(rows.DATASET_VERSION_COLUMNS))})",
                [rows.to_db(c, getattr(version, c)) for c in rows.DATASET_VERSION_COLUMNS],
            )
        self._versions.written()
        return version

    def get_dataset_version(self, name: str, version: int | None = None) -> DatasetVersion:
        """Fetch a dataset version; `version=None` means the latest.

        Raises:
            NotFoundError: No such dataset or version.
        """
        kept, answer = self._versions.get((name, version))
        if not kept:
            generation = self._versions.generation
            try:
                answer = self._read_version(name, version)
            except NotFoundError as exc:
                answer = exc
            self._versions.keep(generation, {(name, version): answer})
        if isinstance(answer, NotFoundError):
            raise NotFoundError(str(answer))
        assert answer is not None
        # Made from the row each time: its column list is mutable, each caller gets its own.
        return rows.dataset_version_from_row(answer)

    @property
    def generation(self) -> int:
        """A number that moves on whenever a dataset version is registered."""
        return self._versions.generation

    def _read_version(self, name: str, version: int | None) -> tuple[Any, ...]:
        select = f"SELECT {rows.select_list(rows.DATASET_VERSION_COLUMNS)} FROM dataset_versions"
        with self._db.reading() as cur:
            if version is None:
                row = cur.execute(
                    f"{select} WHERE name = ? ORDER BY version DESC LIMIT 1", [name]
                ).fetchone()
            else:
                row = cur.execute(
                    f"{select} WHERE name = ? AND version = ?", [name, version]
                ).fetchone()
            if row is not None:
                return tuple(row)
            latest = aggregate(
                cur, "SELECT max(version) FROM dataset_versions WHERE name = ?", [name]
            )
        if latest is None:
            raise NotFoundError(f"No dataset '{name}' exists.")
        raise NotFoundError(f"Dataset '{name}' has no version {version} (the latest is {latest}).")

    def list_datasets(self) -> list[Dataset]:
        """Every dataset, by name, with its latest version number."""
        with self._db.reading() as cur:
            found = cur.execute(
                "SELECT d.name, d.description, max(v.version), d.created_at "
                "FROM datasets d JOIN dataset_versions v ON v.name = d.name "
                "GROUP BY d.name, d.description, d.created_at ORDER BY d.name"
            )
            return [rows.dataset_from_row(r) for r in found.fetchall()]

    def list_dataset_versions(self, name: str) -> list[DatasetVersion]:
        """A dataset's versions, oldest first.

        Raises:
            NotFoundError: No dataset has that name.
        """
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.DATASET_VERSION_COLUMNS)} "
                "FROM dataset_versions WHERE name = ? ORDER BY version",
                [name],
            )
            versions = [rows.dataset_version_from_row(r) for r in found.fetchall()]
        if not versions:
            raise NotFoundError(f"No dataset '{name}' exists.")
        return versions
