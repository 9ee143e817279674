"""Rows of the DuckDB workspace and their entities: one converter per table (MLflow's
`to_mlflow_entity`), plus the encoders for what goes in.

Timestamps are stored as UTC in TIMESTAMP columns (naive), JSON documents as text.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any, overload

from storage.entities import (
    ComputeTarget,
    Dataset,
    DatasetSource,
    DatasetVersion,
    Draft,
    Experiment,
    ModelVersion,
    Run,
    RunSource,
    RunStatus,
    StepRun,
    StepStatus,
)

EXPERIMENT_COLUMNS = ("name", "description", "created_at")
RUN_COLUMNS = (
    "id",
    "experiment",
    "name",
    "status",
    "spec",
    "parameters",
    "source",
    "force_rerun",
    "created_at",
    "started_at",
    "finished_at",
    "error",
    "cloned_from",
    "published_pipeline_id",
)
STEP_COLUMNS = (
    "run_id",
    "node_id",
    "component_id",
    "component_version",
    "status",
    "reused",
    "reused_from",
    "cache_key",
    "job_id",
    "queue",
    "outputs",
    "metrics",
    "log_uri",
    "error",
    "started_at",
    "finished_at",
    "duration_s",
)
DATASET_VERSION_COLUMNS = (
    "name",
    "version",
    "uri",
    "content_hash",
    "row_count",
    "columns",
    "source",
    "description",
    "created_at",
)
DRAFT_COLUMNS = ("id", "name", "spec", "revision", "created_at", "updated_at", "source_run_id")
MODEL_VERSION_COLUMNS = ("name", "version", "uri", "run_id", "node_id", "description", "created_at")
COMPUTE_TARGET_COLUMNS = ("name", "queue", "description", "is_default")

_JSON_FIELDS = frozenset({"spec", "parameters", "outputs", "metrics", "columns"})


def select_list(columns: tuple[str, ...], alias: str = "") -> str:
    """`columns` as a SELECT list, each prefixed with `alias.` when given."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + c for c in columns)


@overload
def to_db_time(value: datetime) -> datetime: ...
@overload
def to_db_time(value: None) -> None: ...
def to_db_time(value: datetime | None) -> datetime | None:
    """A naive UTC datetime for a TIMESTAMP column. Naive input is taken as UTC already."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


@overload
def from_db_time(value: datetime) -> datetime: ...
@overload
def from_db_time(value: None) -> None: ...
def from_db_time(value: datetime | None) -> datetime | None:
    """The timezone-aware UTC datetime of a TIMESTAMP column's value."""
    return None if value is None else value.replace(tzinfo=UTC)


def to_db(field: str, value: Any) -> Any:
    """Encode one entity field's value for its column."""
    if field in _JSON_FIELDS:
        return json.dumps(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return to_db_time(value)
    return value


def _record(columns: tuple[str, ...], row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(columns, row, strict=True))


def experiment_from_row(row: tuple[Any, ...]) -> Experiment:
    """An Experiment from (EXPERIMENT_COLUMNS..., run_count, last_status)."""
    name, description, created_at, run_count, last_status = row
    return Experiment(
        name=name,
        description=description,
        created_at=from_db_time(created_at),
        run_count=int(run_count),
        last_status=RunStatus(last_status) if last_status else None,
    )


def run_from_row(row: tuple[Any, ...]) -> Run:
    """A Run from a row of RUN_COLUMNS."""
    r = _record(RUN_COLUMNS, row)
    return Run(
        id=r["id"],
        experiment=r["experiment"],
        name=r["name"],
        status=RunStatus(r["status"]),
        spec=json.loads(r["spec"]),
        parameters=json.loads(r["parameters"]),
        source=RunSource(r["source"]),
        force_rerun=r["force_rerun"],
        created_at=from_db_time(r["created_at"]),
        started_at=from_db_time(r["started_at"]),
        finished_at=from_db_time(r["finished_at"]),
        error=r["error"],
        cloned_from=r["cloned_from"],
        published_pipeline_id=r["published_pipeline_id"],
    )


def step_from_row(row: tuple[Any, ...]) -> StepRun:
    """A StepRun from a row of STEP_COLUMNS."""
    r = _record(STEP_COLUMNS, row)
    return StepRun(
        run_id=r["run_id"],
        node_id=r["node_id"],
        component_id=r["component_id"],
        component_version=r["component_version"],
        status=StepStatus(r["status"]),
        reused=r["reused"],
        reused_from=r["reused_from"],
        cache_key=r["cache_key"],
        job_id=r["job_id"],
        queue=r["queue"],
        outputs=json.loads(r["outputs"]),
        metrics=json.loads(r["metrics"]),
        log_uri=r["log_uri"],
        error=r["error"],
        started_at=from_db_time(r["started_at"]),
        finished_at=from_db_time(r["finished_at"]),
        duration_s=r["duration_s"],
    )


def dataset_from_row(row: tuple[Any, ...]) -> Dataset:
    """A Dataset from (name, description, latest_version, created_at)."""
    name, description, latest_version, created_at = row
    return Dataset(
        name=name,
        description=description,
        latest_version=int(latest_version),
        created_at=from_db_time(created_at),
    )


def dataset_version_from_row(row: tuple[Any, ...]) -> DatasetVersion:
    """A DatasetVersion from a row of DATASET_VERSION_COLUMNS."""
    r = _record(DATASET_VERSION_COLUMNS, row)
    return DatasetVersion(
        name=r["name"],
        version=r["version"],
        uri=r["uri"],
        content_hash=r["content_hash"],
        row_count=r["row_count"],
        columns=json.loads(r["columns"]),
        source=DatasetSource(r["source"]),
        description=r["description"],
        created_at=from_db_time(r["created_at"]),
    )


def draft_from_row(row: tuple[Any, ...]) -> Draft:
    """A Draft from a row of DRAFT_COLUMNS."""
    r = _record(DRAFT_COLUMNS, row)
    return Draft(
        id=r["id"],
        name=r["name"],
        spec=json.loads(r["spec"]),
        revision=r["revision"],
        created_at=from_db_time(r["created_at"]),
        updated_at=from_db_time(r["updated_at"]),
        source_run_id=r["source_run_id"],
    )


def model_version_from_row(row: tuple[Any, ...]) -> ModelVersion:
    """A ModelVersion from a row of MODEL_VERSION_COLUMNS."""
    r = _record(MODEL_VERSION_COLUMNS, row)
    return ModelVersion(
        name=r["name"],
        version=r["version"],
        uri=r["uri"],
        run_id=r["run_id"],
        node_id=r["node_id"],
        description=r["description"],
        created_at=from_db_time(r["created_at"]),
    )


def compute_target_from_row(row: tuple[Any, ...]) -> ComputeTarget:
    """A ComputeTarget from a row of COMPUTE_TARGET_COLUMNS."""
    r = _record(COMPUTE_TARGET_COLUMNS, row)
    return ComputeTarget(
        name=r["name"], queue=r["queue"], description=r["description"], is_default=r["is_default"]
    )
