"""Submitting runs: validate a pipeline against the workspace, plan it, choose reuse, record the
run and hand its steps to RQ.

The run is recorded `queued` and marked as being submitted (`StatusMachine.record_run`); the
jobs are enqueued with no lock held; then the run becomes `running` (`StatusMachine.submitted`).
A control plane that dies in between leaves the run `queued`, which the next sweep settles
(`app.services.run_reconciliation`).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis import Redis

from app.services.lru import Lru
from app.services.run_status import StatusMachine, initial_run_status, initial_step_status
from jobs import defaults
from jobs.columns import column_names, has_column_rule, infer_columns
from jobs.errors import InvalidPipelineError, SchedulingError, SpecFormatError
from jobs.pipeline import PipelineSpec
from jobs.plan import ResolvedDataset, RunPlan, StepPlan, choose_reuse, plan_run
from jobs.scheduler import enqueue_steps
from jobs.validate import Issue, validate_pipeline
from storage import (
    ArtifactStore,
    ComputeTarget,
    DatasetVersion,
    NotFoundError,
    Run,
    StepRun,
    WorkspaceStore,
    new_id,
)


@dataclass(frozen=True)
class Validation:
    """A parsed spec (None when its shape is wrong) and every issue found."""

    spec: PipelineSpec | None
    issues: list[Issue]
    warnings: list[Issue] = field(default_factory=list)
    # node id -> output port -> column names, where known before running (jobs.columns)
    columns: dict[str, dict[str, list[str]]] = field(default_factory=dict)


class RunSubmitter:
    """Validates, plans and enqueues runs."""

    # Threads validating or planning at once (measured with the submissions benchmark: 2 beat
    # 1 and 40, on two cores).
    WORKERS = 2

    def __init__(
        self,
        store: WorkspaceStore,
        artifacts: ArtifactStore,
        redis: Redis,
        machine: StatusMachine,
        *,
        events_key: str,
        step_timeout: int = defaults.DEFAULT_STEP_TIMEOUT,
    ):
        self.store = store
        self.artifacts = artifacts
        self.redis = redis
        self.machine = machine
        self.events_key = events_key
        self.step_timeout = step_timeout
        # Outcomes of validating the same document against the same workspace state (see
        # `_validation_key`), and the column descriptions of stored tables: content-addressed,
        # so a URI's columns never change.
        self._validations = Lru[tuple[Any, ...], Validation](256)
        self._table_columns = Lru[str, str](1024)
        # Validating and planning are pure Python: under the GIL, a second core does not speed
        # them up. Left to the 40 threads of the request pool at once, they make every thread
        # that comes back from DuckDB (the one committing a shared write above all) wait
        # several switch intervals for the GIL; so at most WORKERS threads do this part at a
        # time, and the others wait on the semaphore, not for the GIL. Recording is outside it.
        self._working = threading.BoundedSemaphore(self.WORKERS)

    def validate(
        self,
        document: Any,
        parameters: dict[str, Any] | None = None,
        *,
        view: WorkspaceView | None = None,
    ) -> Validation:
        """Parse and validate a pipeline document against this workspace (as `view` reads it;
        a fresh one when None)."""
        with self._working:
            return self._validate(document, parameters, view=view)

    def _validate(
        self,
        document: Any,
        parameters: dict[str, Any] | None = None,
        *,
        view: WorkspaceView | None = None,
    ) -> Validation:
        view = view or WorkspaceView(self.store, self.artifacts)
        try:
            spec = PipelineSpec.from_dict(document)
        except SpecFormatError as exc:
            return Validation(None, [Issue("spec_format", str(exc))])
        known = self._columns_of_earlier_steps(spec, parameters or {}, view)
        key = _validation_key(document, parameters or {}, known, view.generation)
        found = self._validations.get(key) if key is not None else None
        if found is not None:  # the same document against the same workspace: same outcome
            return Validation(spec, list(found.issues), list(found.warnings), _copy(found.columns))
        targets = {t.name for t in view.compute_targets()}
        inferred = infer_columns(
            spec,
            view.dataset_columns,
            known=known,
            parameter_values=parameters or {},
        )
        warnings: list[Issue] = []
        issues = validate_pipeline(
            spec,
            dataset_exists=view.dataset_exists,
            compute_targets=targets,
            parameter_values=parameters or {},
            columns=inferred,
            warnings=warnings,
        )
        checked = Validation(spec, issues, warnings, column_names(inferred))
        if key is not None:
            kept = Validation(None, list(issues), list(warnings), _copy(checked.columns))
            self._validations.put(key, kept)
        return checked

    def submit(
        self,
        document: Any,
        *,
        experiment: str,
        parameters: dict[str, Any] | None = None,
        source: str = "api",
        force_rerun: bool = False,
        name: str | None = None,
        cloned_from: str | None = None,
        published_pipeline_id: str | None = None,
    ) -> Run:
        """Validate, plan and enqueue a run; raise InvalidPipelineError with every issue."""
        # One view of the workspace for the whole submit: each dataset, the compute targets
        # and the reusable steps are read once (every query costs a millisecond or more).
        with self._working:
            view = WorkspaceView(self.store, self.artifacts)
            checked = self._validate(document, parameters, view=view)
            if checked.issues:
                raise InvalidPipelineError(checked.issues)
            plan = self._plan(checked.spec, parameters or {}, view)
            if not force_rerun:
                view.look_up_reusable(
                    s.cache_key for s in plan.steps if s.deterministic and not s.regenerate
                )
            reused = choose_reuse(plan, force_rerun=force_rerun, find_outputs=view.reusable)
            run_id = new_id("run")
            steps = [self._initial_step(step, reused, run_id) for step in plan.steps]
            to_run = [s for s in plan.steps if s.node_id not in reused]
            outputs = {node: dict(step.outputs) for node, step in reused.items()}
        fields: dict[str, Any] = {
            "experiment": experiment,
            "name": name or plan.spec.name,
            "spec": plan.spec.to_dict(),
            "parameters": plan.parameters,
            "source": source,
            "force_rerun": force_rerun,
            "cloned_from": cloned_from,
            "published_pipeline_id": published_pipeline_id,
            "steps": steps,
            "run_id": run_id,
        }
        if not to_run:  # every step reused: the run is complete as it is recorded
            return self.machine.record_reused_run(**fields)
        run = self.machine.record_run(**fields, status=initial_run_status(has_jobs=True))
        try:
            enqueue_steps(
                self.redis,
                run_id=run.id,
                steps=to_run,
                reused_outputs=outputs,
                log_uri_for=lambda node: self.artifacts.log_uri(run.id, node),
                events_key=self.events_key,
                artifacts=self.artifacts.location,
            )
        except SchedulingError as exc:
            self.machine.submit_failed(run.id, [s.node_id for s in to_run], str(exc))
            raise
        except BaseException:
            self.machine.forget_submit(run.id)
            raise
        return self.machine.submitted(run.id)

    def _plan(self, spec: PipelineSpec, parameters: dict[str, Any], view: WorkspaceView) -> RunPlan:
        """The plan of `spec` with `parameters` (made once per view: validation's column hints
        and the submit share it)."""
        if view.plan is not None and view.plan[0] is spec and view.plan[1] == parameters:
            return view.plan[2]
        queues = {t.name: t.queue for t in view.compute_targets()}
        plan = plan_run(
            spec,
            resolve_dataset=view.resolve_dataset,
            queue_for=queues.__getitem__,
            parameter_values=parameters,
            default_timeout=self.step_timeout,
            nonce=uuid.uuid4().hex,
        )
        view.plan = (spec, dict(parameters), plan)
        return plan

    def _initial_step(self, step: StepPlan, reused: dict[str, StepRun], run_id: str) -> StepRun:
        earlier = reused.get(step.node_id)
        status = initial_step_status(
            reused=earlier is not None,
            waits_for_upstream=any(up not in reused for up in step.upstream),
        )
        common = {
            "run_id": run_id,
            "node_id": step.node_id,
            "component_id": step.component,
            "component_version": step.version,
            "cache_key": step.cache_key,
            "queue": step.queue,
            "job_id": None if earlier else defaults.job_id(run_id, step.node_id),
            "status": status,
        }
        if earlier is not None:
            return StepRun(
                **common,
                reused=True,
                reused_from=earlier.reused_from or earlier.run_id,
                outputs=dict(earlier.outputs),
                metrics=dict(earlier.metrics),
                log_uri=earlier.log_uri,
                error=None,
                started_at=_now(),
                finished_at=_now(),
                duration_s=0.0,
            )
        return StepRun(
            **common,
            reused=False,
            reused_from=None,
            outputs={},
            metrics={},
            log_uri=None,
            error=None,
            started_at=None,
            finished_at=None,
            duration_s=None,
        )

    def _columns_of_earlier_steps(
        self, spec: PipelineSpec, parameters: dict[str, Any], view: WorkspaceView
    ) -> dict[str, dict[str, Any]]:
        """Output columns of finished steps with the cache keys this pipeline would have, for
        components that cannot say their columns before running."""
        rules = {n.id for n in spec.nodes if not n.is_dataset and has_column_rule(n)}
        if all(n.is_dataset or n.id in rules for n in spec.nodes):
            return {}
        try:
            plan = self._plan(spec, parameters, view)
        except Exception:  # noqa: BLE001 - a draft may not plan yet (unknown parts); no hints
            return {}
        # Every deterministic step's key is the same in the submit's own plan (only the others
        # take the plan's nonce): look them all up now, in the one query of the submit.
        view.look_up_reusable(s.cache_key for s in plan.steps if s.deterministic)
        wanted = [s for s in plan.steps if s.node_id not in rules and s.deterministic]
        found: dict[str, dict[str, Any]] = {}
        for step in wanted:
            earlier = view.reusable(step.cache_key)
            if earlier is not None:
                found[step.node_id] = {
                    port: self._columns_of_table(uri)
                    for port, uri in earlier.outputs.items()
                    if uri.endswith(".parquet")
                }
        return found

    def _columns_of_table(self, uri: str) -> list[dict[str, Any]]:
        """A stored table's columns (a fresh list for each caller)."""
        kept = self._table_columns.get(uri)
        if kept is None:
            kept = json.dumps(self.artifacts.table_columns(uri))
            self._table_columns.put(uri, kept)
        columns: list[dict[str, Any]] = json.loads(kept)
        return columns


class WorkspaceView:
    """What one validation or submit reads of the workspace, each thing read once: dataset
    versions, compute targets, and the latest reusable step of each cache key (looked up many
    keys in one query)."""

    def __init__(self, store: WorkspaceStore, artifacts: ArtifactStore):
        self.store = store
        self.artifacts = artifacts
        # Read before anything else: what the view reads is at least this recent.
        self.generation = store.catalog_generation()
        self.plan: tuple[PipelineSpec, dict[str, Any], RunPlan] | None = None
        self._datasets: dict[tuple[str, int | None], DatasetVersion | None] = {}
        self._targets: list[ComputeTarget] | None = None
        self._steps: dict[str, StepRun | None] = {}
        self._present: dict[str, bool] = {}

    def dataset(self, name: str, version: int | None) -> DatasetVersion | None:
        """The dataset version (the latest when `version` is None); None when there is none."""
        key = (name, version)
        if key not in self._datasets:
            try:
                self._datasets[key] = self.store.get_dataset_version(name, version)
            except NotFoundError:
                self._datasets[key] = None
        return self._datasets[key]

    def dataset_exists(self, name: str, version: int | None) -> bool:
        return self.dataset(name, version) is not None

    def dataset_columns(self, name: str, version: int | None) -> list[dict[str, Any]] | None:
        found = self.dataset(name, version)
        return None if found is None else found.columns

    def resolve_dataset(self, name: str, version: int | None) -> ResolvedDataset:
        found = self.dataset(name, version)
        if found is None:  # the store's own message
            found = self.store.get_dataset_version(name, version)
        return ResolvedDataset(found.name, found.version, found.uri, found.content_hash)

    def compute_targets(self) -> list[ComputeTarget]:
        if self._targets is None:
            self._targets = self.store.list_compute_targets()
        return self._targets

    def look_up_reusable(self, cache_keys: Iterable[str]) -> None:
        """Read the latest reusable step of every key not read yet, in one query."""
        keys = [key for key in dict.fromkeys(cache_keys) if key not in self._steps]
        if not keys:
            return
        found = self.store.find_reusable_steps(keys)
        for key in keys:
            self._steps[key] = found.get(key)

    def reusable(self, cache_key: str) -> StepRun | None:
        """The latest finished step with this key whose outputs all still exist, else None."""
        self.look_up_reusable([cache_key])
        step = self._steps[cache_key]
        if step is None or not all(self._exists(uri) for uri in step.outputs.values()):
            return None
        return step

    def _exists(self, uri: str) -> bool:
        if uri not in self._present:
            self._present[uri] = self.artifacts.exists(uri)
        return self._present[uri]


def _now() -> datetime:
    return datetime.now(UTC)


def _copy(columns: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
    return {
        node: {port: list(names) for port, names in ports.items()}
        for node, ports in columns.items()
    }


def _validation_key(
    document: Any, parameters: dict[str, Any], known: dict[str, Any], generation: int
) -> tuple[Any, ...] | None:
    """What a validation's outcome depends on: the document and parameters, the columns that
    earlier steps give to components without a column rule, and the datasets and compute
    targets (by their generation). None when the document is not plain JSON."""
    try:
        return (
            json.dumps([document, parameters, known], sort_keys=True, allow_nan=False),
            generation,
        )
    except (TypeError, ValueError):
        return None
