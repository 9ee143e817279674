"""The workspace store's facade: domain verbs that take and return entities (MLflow's
`AbstractStore`), each delegating to the repository of its kind of record.

The repositories live in `storage/records/`, one module per kind, on one shared database
(`DuckDBWorkspaceStore` opens it). New code may take just the repository it needs
(`store.runs`, `store.datasets`, `store.drafts`, `store.models`, `store.compute`, ...); the
facade's methods stay for the callers that use them.

Every method raises `NotFoundError` naming the missing thing, and only storage errors otherwise
(besides `ValueError` for a programmer's mistake, such as an unknown field name). Stores are
thread-safe: one store object serves all of the control plane's threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

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
from storage.records.drafts import DRAFT_HISTORY_LIMIT
from storage.records.runs import (
    RUN_UPDATABLE,
    STEP_UPDATABLE,
    StepInput,
    check_fields,
    coerce_step,
)

if TYPE_CHECKING:
    from storage.records.compute import ComputeTargetRepository, KubeTargetRepository
    from storage.records.datasets import DatasetRepository
    from storage.records.drafts import DraftRepository
    from storage.records.endpoints import EndpointRepository
    from storage.records.models import ModelMetricsRepository, ModelRepository
    from storage.records.pipelines import PipelineRepository
    from storage.records.runs import RunRepository

__all__ = [
    "DRAFT_HISTORY_LIMIT",
    "RUN_UPDATABLE",
    "STEP_UPDATABLE",
    "StepInput",
    "WorkspaceStore",
    "check_fields",
    "coerce_step",
]


class WorkspaceStore:
    """Experiments, runs and their steps, datasets, drafts, models, compute targets, endpoints
    and published pipelines: one repository per kind, set by the backend that opens the
    database. The methods below are shorthands for the repositories' methods of the same name.

    A store is a context manager that closes itself on exit.
    """

    runs: RunRepository
    datasets: DatasetRepository
    drafts: DraftRepository
    models: ModelRepository
    model_metrics: ModelMetricsRepository
    compute: ComputeTargetRepository
    kube_targets: KubeTargetRepository
    endpoints: EndpointRepository
    pipelines: PipelineRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database; later calls raise StorageError. Closing twice is harmless."""
        raise NotImplementedError

    # -- experiments, runs and steps (`RunRepository`) ----------------------------------------

    def get_or_create_experiment(self, name: str, description: str = "") -> Experiment:
        return self.runs.get_or_create_experiment(name, description)

    def get_experiment(self, name: str) -> Experiment:
        return self.runs.get_experiment(name)

    def list_experiments(self) -> list[Experiment]:
        return self.runs.list_experiments()

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
        summary_metrics: dict[str, float] | None = None,
    ) -> Run:
        return self.runs.create_run(
            experiment=experiment,
            name=name,
            spec=spec,
            parameters=parameters,
            source=source,
            force_rerun=force_rerun,
            steps=steps,
            cloned_from=cloned_from,
            published_pipeline_id=published_pipeline_id,
            run_id=run_id,
            status=status,
            summary_metrics=summary_metrics,
        )

    def get_run(self, run_id: str) -> Run:
        return self.runs.get_run(run_id)

    def list_runs(
        self,
        *,
        experiment: str | None = None,
        status: RunStatus | str | None = None,
        limit: int = 100,
        offset: int = 0,
        source: RunSource | str | None = None,
    ) -> list[Run]:
        return self.runs.list_runs(
            experiment=experiment, status=status, limit=limit, offset=offset, source=source
        )

    def count_runs(
        self,
        *,
        experiment: str | None = None,
        status: RunStatus | str | None = None,
        source: RunSource | str | None = None,
    ) -> int:
        return self.runs.count_runs(experiment=experiment, status=status, source=source)

    def list_active_runs(self) -> list[Run]:
        return self.runs.list_active_runs()

    def update_run(self, run_id: str, **fields: Any) -> Run:
        return self.runs.update_run(run_id, **fields)

    def set_summary_metrics(self, run_id: str, metrics: dict[str, float]) -> None:
        self.runs.set_summary_metrics(run_id, metrics)

    def complete_run(self, run_id: str, metrics: dict[str, float], **fields: Any) -> Run:
        return self.runs.complete_run(run_id, metrics, **fields)

    def run_summaries(
        self,
        *,
        experiment: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
        source: RunSource | str | None = None,
    ) -> list[tuple[Run, dict[str, float] | None]]:
        return self.runs.run_summaries(
            experiment=experiment, status=status, limit=limit, offset=offset, source=source
        )

    def step_metrics(self, run_ids: list[str]) -> dict[str, list[dict[str, float]]]:
        return self.runs.step_metrics(run_ids)

    def list_steps(self, run_id: str) -> list[StepRun]:
        return self.runs.list_steps(run_id)

    def get_step(self, run_id: str, node_id: str) -> StepRun:
        return self.runs.get_step(run_id, node_id)

    def run_progress(self, run_id: str) -> tuple[RunStatus, list[StepStatus]]:
        return self.runs.run_progress(run_id)

    def update_step(self, run_id: str, node_id: str, **fields: Any) -> StepRun:
        return self.runs.update_step(run_id, node_id, **fields)

    def update_step_later(self, run_id: str, node_id: str, **fields: Any) -> StepRun:
        return self.runs.update_step_later(run_id, node_id, **fields)

    def write_unwritten(self) -> None:
        self.runs.write_unwritten()

    def find_reusable_step(self, cache_key: str) -> StepRun | None:
        return self.runs.find_reusable_step(cache_key)

    def find_reusable_steps(self, cache_keys: Sequence[str]) -> dict[str, StepRun]:
        return self.runs.find_reusable_steps(cache_keys)

    # -- datasets (`DatasetRepository`) -------------------------------------------------------

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
        return self.datasets.register_dataset_version(
            name=name,
            uri=uri,
            content_hash=content_hash,
            row_count=row_count,
            columns=columns,
            source=source,
            description=description,
        )

    def get_dataset_version(self, name: str, version: int | None = None) -> DatasetVersion:
        return self.datasets.get_dataset_version(name, version)

    def catalog_generation(self) -> int:
        """A number that moves on (never back) whenever a dataset version is registered or a
        compute target is added, changed or removed: what validating a pipeline reads of the
        workspace besides its runs. Equal numbers mean those records are unchanged."""
        return self.datasets.generation + self.compute.generation

    def list_datasets(self) -> list[Dataset]:
        return self.datasets.list_datasets()

    def list_dataset_versions(self, name: str) -> list[DatasetVersion]:
        return self.datasets.list_dataset_versions(name)

    # -- drafts (`DraftRepository`) -----------------------------------------------------------

    def create_draft(
        self, *, name: str, spec: dict[str, Any], source_run_id: str | None = None
    ) -> Draft:
        return self.drafts.create_draft(name=name, spec=spec, source_run_id=source_run_id)

    def get_draft(self, draft_id: str) -> Draft:
        return self.drafts.get_draft(draft_id)

    def list_drafts(self) -> list[Draft]:
        return self.drafts.list_drafts()

    def save_draft(
        self,
        draft_id: str,
        *,
        spec: dict[str, Any],
        name: str | None = None,
        expected_revision: int | None = None,
    ) -> Draft:
        return self.drafts.save_draft(
            draft_id, spec=spec, name=name, expected_revision=expected_revision
        )

    def undo_draft(self, draft_id: str) -> Draft:
        return self.drafts.undo_draft(draft_id)

    def delete_draft(self, draft_id: str) -> None:
        self.drafts.delete_draft(draft_id)

    # -- models (`ModelRepository`) -----------------------------------------------------------

    def register_model_version(
        self, *, name: str, uri: str, run_id: str, node_id: str, description: str = ""
    ) -> ModelVersion:
        return self.models.register_model_version(
            name=name, uri=uri, run_id=run_id, node_id=node_id, description=description
        )

    def list_model_versions(self, name: str | None = None) -> list[ModelVersion]:
        return self.models.list_model_versions(name)

    # -- compute targets (`ComputeTargetRepository`) ------------------------------------------

    def list_compute_targets(self) -> list[ComputeTarget]:
        return self.compute.list_compute_targets()

    def upsert_compute_target(
        self, *, name: str, queue: str, description: str = "", is_default: bool = False
    ) -> ComputeTarget:
        return self.compute.upsert_compute_target(
            name=name, queue=queue, description=description, is_default=is_default
        )

    def default_compute_target(self) -> ComputeTarget:
        return self.compute.default_compute_target()
