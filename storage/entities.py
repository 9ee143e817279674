"""The workspace's entities: plain frozen dataclasses that the stores take and return.

Statuses are string enums, so they persist and log as text, and their allowed transitions are
defined here once (rq's `JobStatus`). Timestamps are timezone-aware UTC datetimes. Ids are a
readable prefix and 12 hex digits of a uuid4, e.g. ``run_3f9a1c0b7d2e`` or ``draft_0c1d2e3f4a5b``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from storage.errors import ConflictError


def new_id(prefix: str) -> str:
    """A fresh id such as ``run_3f9a1c0b7d2e``: the prefix, an underscore, 12 hex digits."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def utc_now() -> datetime:
    """The current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


class RunStatus(StrEnum):
    """Where a run is. Completed, failed and canceled are final."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def is_terminal(self) -> bool:
        """Whether the run is over (completed, failed or canceled)."""
        return self in _RUN_TERMINAL

    def can_become(self, new: RunStatus) -> bool:
        """Whether a run in this status may move to `new` (staying put is always allowed)."""
        return new == self or new in _RUN_TRANSITIONS.get(self, frozenset())


class StepStatus(StrEnum):
    """Where a step is. A reused step is `completed` with `reused=True`, not a status of its own."""

    PENDING = "pending"  # waiting for its upstream steps
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def is_terminal(self) -> bool:
        """Whether the step is over (completed, failed or canceled)."""
        return self in _STEP_TERMINAL

    def can_become(self, new: StepStatus) -> bool:
        """Whether a step in this status may move to `new` (staying put is always allowed)."""
        return new == self or new in _STEP_TRANSITIONS.get(self, frozenset())


# Moves only go forward, but may skip a status: the control plane learns results from Redis and
# may see a queued job only once it has finished (after a restart, say).
_RUN_TERMINAL = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED})
_RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.QUEUED: frozenset({RunStatus.RUNNING, *_RUN_TERMINAL}),
    RunStatus.RUNNING: _RUN_TERMINAL,
}
_STEP_TERMINAL = frozenset({StepStatus.COMPLETED, StepStatus.FAILED, StepStatus.CANCELED})
_STEP_TRANSITIONS: dict[StepStatus, frozenset[StepStatus]] = {
    StepStatus.PENDING: frozenset({StepStatus.QUEUED, StepStatus.RUNNING, *_STEP_TERMINAL}),
    StepStatus.QUEUED: frozenset({StepStatus.RUNNING, *_STEP_TERMINAL}),
    StepStatus.RUNNING: _STEP_TERMINAL,
}


# How the UI shows a completed step that reused earlier outputs (not a status of its own).
REUSED = "reused"


def step_state(status: StepStatus | str, reused: bool) -> str:
    """What a step shows: its status, or `REUSED` for a completed step that reused outputs."""
    status = StepStatus(status)
    return REUSED if reused and status is StepStatus.COMPLETED else status.value


_S = TypeVar("_S", RunStatus, StepStatus)


def check_transition(what: str, current: _S, new: _S) -> None:
    """Raise ConflictError unless `current` may become `new`.

    Args:
        what: The thing changing, for the message, e.g. "Run 'run_3f9a1c0b7d2e'".
        current: Its status now.
        new: The status asked for.

    Raises:
        ConflictError: The transition is not allowed.
    """
    if not current.can_become(new):
        final = " (a final status)" if current.is_terminal else ""
        raise ConflictError(f"{what} is {current.value}{final} and cannot become {new.value}.")


class RunSource(StrEnum):
    """Who submitted a run."""

    CLI = "cli"
    UI = "ui"
    API = "api"
    ENDPOINT = "endpoint"  # a published pipeline endpoint
    SCHEDULE = "schedule"  # a schedule of a published pipeline endpoint


class DatasetSource(StrEnum):
    """Where a dataset version came from."""

    SAMPLE = "sample"
    UPLOAD = "upload"
    RUN = "run"  # registered from a run's output


@dataclass(frozen=True)
class Experiment:
    """A named group of runs."""

    name: str
    description: str
    created_at: datetime
    run_count: int = 0
    last_status: RunStatus | None = None  # status of the newest run, None without runs


@dataclass(frozen=True)
class Run:
    """One submission of a pipeline: an immutable snapshot of its spec and parameter values."""

    id: str
    experiment: str
    name: str
    status: RunStatus
    spec: dict[str, Any]
    parameters: dict[str, Any]
    source: RunSource
    force_rerun: bool
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    cloned_from: str | None = None
    published_pipeline_id: str | None = None


@dataclass(frozen=True)
class StepRun:
    """One node of a run: the component it ran, where, and what it produced."""

    run_id: str
    node_id: str
    component_id: str
    component_version: int
    status: StepStatus = StepStatus.PENDING
    reused: bool = False
    reused_from: str | None = None  # the run whose outputs this step reuses
    cache_key: str = ""
    job_id: str | None = None  # the RQ job id
    queue: str = "default"
    outputs: dict[str, str] = field(default_factory=dict)  # output port -> artifact URI
    metrics: dict[str, float] = field(default_factory=dict)
    log_uri: str | None = None
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_s: float | None = None


@dataclass(frozen=True)
class Dataset:
    """A named, versioned dataset."""

    name: str
    description: str
    latest_version: int
    created_at: datetime


@dataclass(frozen=True)
class DatasetVersion:
    """One immutable version of a dataset: a table in the artifact store."""

    name: str
    version: int
    uri: str
    content_hash: str
    row_count: int
    columns: list[dict[str, Any]]  # name, type, categorical, role (components.metadata)
    source: DatasetSource
    description: str
    created_at: datetime


@dataclass(frozen=True)
class Draft:
    """A pipeline being edited. `revision` grows with every save or undo."""

    id: str
    name: str
    spec: dict[str, Any]
    revision: int
    created_at: datetime
    updated_at: datetime
    source_run_id: str | None = None  # the run it was cloned from


@dataclass(frozen=True)
class ModelVersion:
    """One registered version of a trained model, with the run step that produced it."""

    name: str
    version: int
    uri: str
    run_id: str
    node_id: str
    description: str
    created_at: datetime


@dataclass(frozen=True)
class ComputeTarget:
    """A named place to run steps: an RQ queue that some workers listen on."""

    name: str
    queue: str
    description: str
    is_default: bool
