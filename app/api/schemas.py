"""Request and response bodies of the control plane (entities are returned as they are)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from jobs.pipeline import PipelineDocument
from storage import Run, RunSource, RunStatus, StepRun

# Paging: larger offsets overflow the database's integers; nobody pages that far.
MAX_OFFSET = 2**53


# A pipeline spec in a request: the OpenAPI document describes it as jobs.pipeline's document
# (nodes, edges, parameters, settings), but the body only has to be an object here, so that a
# malformed spec gets the validation answer listing every issue (code, node, field) rather than
# a 422 that stops at the first one.
def _as_given(value: Any) -> Any:
    return value


SpecDocument = Annotated[
    dict[str, Any], BeforeValidator(_as_given, json_schema_input_type=PipelineDocument)
]


class IssueOut(BaseModel):
    code: str
    message: str
    node: str | None = None
    field: str | None = None


class ValidateRequest(BaseModel):
    spec: SpecDocument
    parameters: dict[str, Any] = Field(default_factory=dict)


class ValidateResponse(BaseModel):
    valid: bool
    issues: list[IssueOut]
    # What cannot be checked before running (columns not known yet); does not stop a run.
    warnings: list[IssueOut] = Field(default_factory=list)
    # node id -> output port -> the column names known before running.
    columns: dict[str, dict[str, list[str]]] = Field(default_factory=dict)


class SubmitRequest(BaseModel):
    spec: SpecDocument
    experiment: str = Field(min_length=1, max_length=200)
    parameters: dict[str, Any] = Field(default_factory=dict)
    force_rerun: bool = False
    name: str | None = None
    source: RunSource = RunSource.API


class RunList(BaseModel):
    runs: list[Run]
    total: int


class RunSummary(BaseModel):
    """A run in a runs table: its duration and first metrics, without its spec."""

    id: str
    name: str
    experiment: str
    status: RunStatus
    source: RunSource
    created_at: str  # ISO 8601
    duration_s: float | None  # None until it ended
    metrics: dict[str, float]  # its first metrics, in step order


class RunSummaries(BaseModel):
    total: int  # runs that match, on every page
    runs: list[RunSummary]


class Health(BaseModel):
    status: str
    redis: bool  # whether Redis answered


class RunDetail(BaseModel):
    run: Run
    steps: list[StepRun]
    # e.g. a step waits on a queue that no live worker listens on
    warnings: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class SubmittedRun(Run):
    """The run just recorded, with what may keep it from running (no worker on a queue)."""

    warnings: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, run: Run, warnings: list[str]) -> SubmittedRun:
        return cls(**{f.name: getattr(run, f.name) for f in fields(Run)}, warnings=warnings)


class DraftCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    spec: SpecDocument


class DraftSave(BaseModel):
    spec: SpecDocument
    name: str | None = None
    expected_revision: int | None = None


class CloneRequest(BaseModel):
    name: str | None = None


class Preview(BaseModel):
    columns: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    row_count: int
