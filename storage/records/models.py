"""Registered models: their versions, and the metrics measured by the run that trained each."""

from __future__ import annotations

import json
from typing import Any

from storage import _duckdb_rows as rows
from storage._duckdb_db import Database
from storage.entities import ModelVersion, utc_now
from storage.errors import NotFoundError
from storage.records._sql import aggregate, placeholders, require_name


class ModelRepository:
    """Model versions on the workspace database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def register_model_version(
        self, *, name: str, uri: str, run_id: str, node_id: str, description: str = ""
    ) -> ModelVersion:
        """Register a trained model (latest version + 1, or 1 for a new name).

        Args:
            name: The model's name.
            uri: The artifact URI of the model object.
            run_id: The run that trained it.
            node_id: The step of that run that output it.
            description: Free text.

        Returns:
            The new model version.
        """
        require_name("model", name)
        now = utc_now()
        with self._db.writing() as cur:
            latest = aggregate(
                cur, "SELECT max(version) FROM model_versions WHERE name = ?", [name]
            )
            if latest is None:
                cur.execute(
                    "INSERT OR IGNORE INTO models VALUES (?, ?)", [name, rows.to_db_time(now)]
                )
            model = ModelVersion(
                name=name,
                version=(latest or 0) + 1,
                uri=uri,
                run_id=run_id,
                node_id=node_id,
                description=description,
                created_at=now,
            )
            values = [rows.to_db(c, getattr(model, c)) for c in rows.MODEL_VERSION_COLUMNS]
            cur.execute(f"INSERT INTO model_versions VALUES ({placeholders(len(values))})", values)
        return model

    def list_model_versions(self, name: str | None = None) -> list[ModelVersion]:
        """Model versions by name then version; only those of `name` when given.

        Raises:
            NotFoundError: `name` is given and no model has it.
        """
        where, params = (" WHERE name = ?", [name]) if name is not None else ("", [])
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.MODEL_VERSION_COLUMNS)} "
                f"FROM model_versions{where} ORDER BY name, version",
                params,
            )
            versions = [rows.model_version_from_row(r) for r in found.fetchall()]
        if name is not None and not versions:
            raise NotFoundError(f"No model '{name}' exists.")
        return versions


class ModelMetricsRepository:
    """Metrics of registered model versions (kept beside `model_versions`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def set(self, name: str, version: int, metrics: dict[str, Any]) -> None:
        with self._db.writing() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO model_version_metrics VALUES (?, ?, ?)",
                [name, version, json.dumps(metrics)],
            )

    def all(self) -> dict[tuple[str, int], dict[str, Any]]:
        """{(name, version): metrics} for every version that has some."""
        with self._db.reading() as cur:
            found = cur.execute(
                "SELECT name, version, metrics FROM model_version_metrics"
            ).fetchall()
        return {(n, v): json.loads(m) for n, v, m in found}
