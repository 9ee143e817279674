"""The workspace store's contract: domain verbs that take and return entities (MLflow's
`AbstractStore`). `DuckDBWorkspaceStore` is the one backend today.

Every method raises `NotFoundError` naming the missing thing, and only storage errors otherwise
(besides `ValueError` for a programmer's mistake, such as an unknown field name). Stores are
thread-safe: one store object serves all of the control plane's threads.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Self

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

# The fields `update_run` and `update_step` may change; the rest of a run is its snapshot.
RUN_UPDATABLE = frozenset(
    {"name", "status", "started_at", "finished_at", "error", "published_pipeline_id"}
)
STEP_UPDATABLE = frozenset(
    {
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
    }
)
# `undo_draft` can go back this many saves; older specs are dropped.
DRAFT_HISTORY_LIMIT = 50

StepInput = StepRun | Mapping[str, Any]


def coerce_step(run_id: str, step: StepInput) -> StepRun:
    """A `StepRun` of run `run_id` from a `StepRun` or a dict of its fields.

    A dict needs `node_id`, `component_id` and `component_version`; other fields take the
    `StepRun` defaults. Any `run_id` in the input is replaced.

    Raises:
        ValueError: A required field is missing or a field is unknown.
    """
    if isinstance(step, StepRun):
        return dataclasses.replace(step, run_id=run_id, status=StepStatus(step.status))
    known = {f.name for f in dataclasses.fields(StepRun)}
    unknown = sorted(set(step) - known)
    if unknown:
        raise ValueError(f"Unknown step field(s) {unknown}; expected some of {sorted(known)}.")
    missing = [k for k in ("node_id", "component_id", "component_version") if k not in step]
    if missing:
        raise ValueError(f"A step needs {missing}; got fields {sorted(step)}.")
    status = StepStatus(step.get("status", StepStatus.PENDING))
    return StepRun(**{**step, "run_id": run_id, "status": status})


def check_fields(kind: str, fields: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """Raise ValueError naming any field of `fields` outside `allowed`."""
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValueError(
            f"Cannot update {kind} field(s) {unknown}; updatable fields are {sorted(allowed)}."
        )


class WorkspaceStore(ABC):
    """Experiments, runs and their steps, datasets, drafts, models and compute targets.

    A store is a context manager that closes itself on exit.
    """

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- experiments --------------------------------------------------------------------------

    @abstractmethod
    def get_or_create_experiment(self, name: str, description: str = "") -> Experiment:
        """Fetch the experiment called `name`, creating it if it does not exist.

        Args:
            name: The experiment's name (non-blank).
            description: Used only when the experiment is created.

        Returns:
            The experiment, with its run count and the status of its newest run.
        """

    @abstractmethod
    def get_experiment(self, name: str) -> Experiment:
        """Fetch an experiment by name.

        Returns:
            The experiment, with its run count and the status of its newest run.

        Raises:
            NotFoundError: No experiment has that name.
        """

    @abstractmethod
    def list_experiments(self) -> list[Experiment]:
        """Every experiment, by name, each with its run count and the status of its newest run."""

    # -- runs and steps -----------------------------------------------------------------------

    @abstractmethod
    def create_run(
        self,
        *,
        experiment: str,
        name: str,
        spec: dict[str, Any],
        parameters: dict[str, Any],
        source: RunSource | str,
        force_rerun: bool,
        steps: Sequence[StepInput],
        cloned_from: str | None = None,
        published_pipeline_id: str | None = None,
        run_id: str | None = None,
        status: RunStatus = RunStatus.QUEUED,
    ) -> Run:
        """Record a new queued run and all its steps at once: either everything or nothing.

        Args:
            experiment: The experiment's name; it is created if it does not exist.
            name: A display name for the run.
            spec: The pipeline spec, stored as an immutable snapshot.
            parameters: The pipeline parameter values of this run.
            source: Who submitted it: cli, ui, api or endpoint.
            force_rerun: Whether reuse of earlier step outputs was turned off.
            steps: One `StepRun` or dict per node (see `coerce_step`), in execution order.
            cloned_from: The run this one was cloned from, if any.
            published_pipeline_id: The published pipeline that started it, if any.
            run_id: The id to give the run (from `new_id("run")`); a fresh one when None, so
                that callers can name things after the run (its RQ jobs) before recording it.
            status: queued (default) or running (its started_at is then now).

        Returns:
            The new run, with a fresh id such as ``run_3f9a1c0b7d2e``.

        Raises:
            AlreadyExistsError: Two steps share a node id.
            ValueError: `source` is unknown or a step lacks a required field.
        """

    @abstractmethod
    def get_run(self, run_id: str) -> Run:
        """Fetch a run by id.

        Raises:
            NotFoundError: No run has that id.
        """

    @abstractmethod
    def list_runs(
        self,
        *,
        experiment: str | None = None,
        status: RunStatus | str | None = None,
        limit: int = 100,
        offset: int = 0,
        source: RunSource | str | None = None,
    ) -> list[Run]:
        """Runs, newest first, optionally of one experiment, in one status, from one source.

        Args:
            experiment: Only runs of this experiment.
            status: Only runs in this status.
            source: Only runs submitted this way (cli, ui, api, endpoint, schedule).
            limit: At most this many runs.
            offset: Skip this many runs first (for paging).

        Returns:
            The runs, newest first.
        """

    @abstractmethod
    def count_runs(
        self,
        *,
        experiment: str | None = None,
        status: RunStatus | str | None = None,
        source: RunSource | str | None = None,
    ) -> int:
        """How many runs `list_runs` would page through with the same filters."""

    @abstractmethod
    def list_active_runs(self) -> list[Run]:
        """Queued and running runs, oldest first (what the monitor must follow)."""

    @abstractmethod
    def update_run(self, run_id: str, **fields: Any) -> Run:
        """Change some of a run's fields (see `RUN_UPDATABLE`).

        A status change must be an allowed transition. Moving to running sets `started_at`, and
        moving to a final status sets `finished_at`, unless given.

        Args:
            run_id: The run to change.
            **fields: New values, e.g. ``status=RunStatus.FAILED, error="..."``.

        Returns:
            The run as updated.

        Raises:
            NotFoundError: No run has that id.
            ConflictError: The status transition is not allowed (e.g. completed to running).
            ValueError: A field cannot be updated.
        """

    def set_summary_metrics(self, run_id: str, metrics: dict[str, float]) -> None:
        """Keep a completed run's first metrics on the run, for runs tables. Stores that keep
        none leave this a no-op: `run_summaries` then reads the steps."""
        return None

    def run_summaries(
        self,
        *,
        experiment: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
        source: RunSource | str | None = None,
    ) -> list[tuple[Run, dict[str, float] | None]]:
        """A page of runs, newest first, each with its summary metrics (None: not kept)."""
        return [
            (run, None)
            for run in self.list_runs(
                experiment=experiment, status=status, limit=limit, offset=offset, source=source
            )
        ]

    def step_metrics(self, run_ids: list[str]) -> dict[str, list[dict[str, float]]]:
        """Each run's steps' metrics, in step order, for many runs at once (runs tables).

        Runs with no metrics are left out. Stores override this with one query.
        """
        found: dict[str, list[dict[str, float]]] = {}
        for run_id in run_ids:
            metrics = [s.metrics for s in self.list_steps(run_id) if s.metrics]
            if metrics:
                found[run_id] = metrics
        return found

    @abstractmethod
    def list_steps(self, run_id: str) -> list[StepRun]:
        """A run's steps in the order they were created.

        Raises:
            NotFoundError: No run has that id.
        """

    @abstractmethod
    def get_step(self, run_id: str, node_id: str) -> StepRun:
        """Fetch one step of a run.

        Raises:
            NotFoundError: The run has no step for that node.
        """

    @abstractmethod
    def update_step(self, run_id: str, node_id: str, **fields: Any) -> StepRun:
        """Change some of a step's fields (see `STEP_UPDATABLE`).

        A status change must be an allowed transition. Moving to running sets `started_at`, and
        moving to a final status sets `finished_at` (and `duration_s` when the step has a start
        time), unless given.

        Returns:
            The step as updated.

        Raises:
            NotFoundError: The run has no step for that node.
            ConflictError: The status transition is not allowed.
            ValueError: A field cannot be updated.
        """

    @abstractmethod
    def find_reusable_step(self, cache_key: str) -> StepRun | None:
        """The latest completed step with this cache key whose outputs are recorded.

        The step may itself be a reused one. Whether its artifacts still exist is the caller's
        check.

        Returns:
            The step, or None when no step qualifies.
        """

    # -- datasets -----------------------------------------------------------------------------

    @abstractmethod
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

    @abstractmethod
    def get_dataset_version(self, name: str, version: int | None = None) -> DatasetVersion:
        """Fetch a dataset version; `version=None` means the latest.

        Raises:
            NotFoundError: No such dataset or version.
        """

    @abstractmethod
    def list_datasets(self) -> list[Dataset]:
        """Every dataset, by name, with its latest version number."""

    @abstractmethod
    def list_dataset_versions(self, name: str) -> list[DatasetVersion]:
        """A dataset's versions, oldest first.

        Raises:
            NotFoundError: No dataset has that name.
        """

    # -- drafts -------------------------------------------------------------------------------

    @abstractmethod
    def create_draft(
        self, *, name: str, spec: dict[str, Any], source_run_id: str | None = None
    ) -> Draft:
        """Create a draft at revision 1.

        Args:
            name: The draft's display name.
            spec: The pipeline spec being edited.
            source_run_id: The run it was cloned from, if any.

        Returns:
            The new draft, with a fresh id such as ``draft_0c1d2e3f4a5b``.
        """

    @abstractmethod
    def get_draft(self, draft_id: str) -> Draft:
        """Fetch a draft by id.

        Raises:
            NotFoundError: No draft has that id.
        """

    @abstractmethod
    def list_drafts(self) -> list[Draft]:
        """Every draft, most recently saved first."""

    @abstractmethod
    def save_draft(
        self,
        draft_id: str,
        *,
        spec: dict[str, Any],
        name: str | None = None,
        expected_revision: int | None = None,
    ) -> Draft:
        """Autosave: replace the spec (and name), keep the previous spec for undo, bump revision.

        Args:
            draft_id: The draft to save.
            spec: The new spec.
            name: A new name, or None to keep it.
            expected_revision: The revision the editor started from; when given and stale, the
                save is refused instead of overwriting someone else's change.

        Returns:
            The saved draft.

        Raises:
            NotFoundError: No draft has that id.
            ConflictError: `expected_revision` is not the current revision.
        """

    @abstractmethod
    def undo_draft(self, draft_id: str) -> Draft:
        """Restore the spec saved before the latest save (the revision still grows).

        Raises:
            NotFoundError: No draft has that id.
            ConflictError: There is nothing to undo.
        """

    @abstractmethod
    def delete_draft(self, draft_id: str) -> None:
        """Delete a draft and its undo history.

        Raises:
            NotFoundError: No draft has that id.
        """

    # -- models -------------------------------------------------------------------------------

    @abstractmethod
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

    @abstractmethod
    def list_model_versions(self, name: str | None = None) -> list[ModelVersion]:
        """Model versions by name then version; only those of `name` when given.

        Raises:
            NotFoundError: `name` is given and no model has it.
        """

    # -- compute targets ----------------------------------------------------------------------

    @abstractmethod
    def list_compute_targets(self) -> list[ComputeTarget]:
        """Every compute target, by name."""

    @abstractmethod
    def upsert_compute_target(
        self, *, name: str, queue: str, description: str = "", is_default: bool = False
    ) -> ComputeTarget:
        """Create or replace a compute target; `is_default=True` makes it the only default.

        Raises:
            ConflictError: The call would leave no default target (it is the default and
                `is_default` is False).
        """

    @abstractmethod
    def default_compute_target(self) -> ComputeTarget:
        """The compute target used by nodes that name none.

        Raises:
            NotFoundError: No target is the default.
        """

    # -- lifecycle ----------------------------------------------------------------------------

    @abstractmethod
    def close(self) -> None:
        """Release the database; later calls raise StorageError. Closing twice is harmless."""
