"""Runs: the control plane's facade over submitting, the status machine, reconciliation with RQ
and waiting.

Only the control plane uses this module: it is the one process that writes the workspace. The
parts, each in its own module:

- `run_submission.RunSubmitter`: validate, plan, reuse, record and enqueue a run;
- `run_status.StatusMachine`: the one place where a step's or a run's status changes (events,
  RQ's job states, cancel), under one lock that is never held across a Redis call;
- `run_reconciliation.RunReconciler`: sweeps unfinished runs against RQ's job states;
- `run_waiting.RunWaiting`: waiting for a run's end (the long poll), queues without a live
  worker.
"""

from __future__ import annotations

from typing import Any

from redis import Redis

from app.services.run_reconciliation import RunReconciler
from app.services.run_status import INTERRUPTED_AT_SUBMIT, StatusMachine
from app.services.run_submission import RunSubmitter, Validation
from app.services.run_waiting import RunWaiting
from jobs import defaults
from jobs.contract import StepEvent
from storage import ArtifactStore, Draft, Run, WorkspaceStore

__all__ = ["INTERRUPTED_AT_SUBMIT", "RunService", "Validation"]


class RunService:
    """The control plane's run logic, over the workspace store, artifact store and Redis."""

    def __init__(
        self,
        store: WorkspaceStore,
        artifacts: ArtifactStore,
        redis: Redis,
        *,
        step_timeout: int = defaults.DEFAULT_STEP_TIMEOUT,
        worker_stale_after: float = defaults.WORKER_STALE_AFTER,
    ):
        self.store = store
        self.artifacts = artifacts
        self.redis = redis
        self.step_timeout = step_timeout
        self.worker_stale_after = worker_stale_after
        # Keyed by the store's folder as before (or its URL), so a workspace keeps its list.
        self.events_key = defaults.events_key(str(artifacts.root or artifacts.location))
        self.waiting = RunWaiting(store, redis, worker_stale_after=worker_stale_after)
        self.statuses = StatusMachine(store, artifacts, redis, on_run_end=self.waiting.ended)
        self.submitter = RunSubmitter(
            store,
            artifacts,
            redis,
            self.statuses,
            events_key=self.events_key,
            step_timeout=step_timeout,
        )
        self.reconciler = RunReconciler(
            store, redis, self.statuses, worker_stale_after=worker_stale_after
        )

    # -- submitting ------------------------------------------------------------------------

    def validate(self, document: Any, parameters: dict[str, Any] | None = None) -> Validation:
        """Parse and validate a pipeline document against this workspace."""
        return self.submitter.validate(document, parameters)

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
        return self.submitter.submit(
            document,
            experiment=experiment,
            parameters=parameters,
            source=source,
            force_rerun=force_rerun,
            name=name,
            cloned_from=cloned_from,
            published_pipeline_id=published_pipeline_id,
        )

    # -- what workers and RQ report --------------------------------------------------------

    def apply_event(self, event: StepEvent) -> None:
        """Record a step's own report that it ended."""
        self.statuses.apply_event(event)

    def sync(self, run_id: str) -> Run:
        """Bring a run up to date with what RQ knows of its jobs (catches missed events)."""
        return self.reconciler.sync(run_id)

    def sync_active(self) -> None:
        """Write the step ends recorded in memory since the last sweep (so the database is at
        most a sweep behind, whatever Redis does); sync every run that is not finished."""
        self.store.write_unwritten()
        self.reconciler.sync_active()

    # -- user actions and waiting ----------------------------------------------------------

    def cancel(self, run_id: str) -> Run:
        """Stop a run: running steps are stopped, waiting ones canceled."""
        return self.statuses.cancel_run(run_id)

    def clone(self, run_id: str, name: str | None = None) -> Draft:
        """A new draft holding the run's exact spec."""
        run = self.store.get_run(run_id)
        return self.store.create_draft(
            name=name or f"{run.name} (clone)", spec=run.spec, source_run_id=run.id
        )

    def wait(self, run_id: str, timeout: float) -> Run:
        """The run once it ended, or as it is after `timeout` seconds (`GET /runs/{id}?wait=`)."""
        return self.waiting.wait(run_id, timeout)

    def unserved_queues(self, queues: list[str], *, fresh: bool = False) -> list[str]:
        """The queues among `queues` that no live worker listens on (cached for 2 s)."""
        return self.waiting.unserved_queues(queues, fresh=fresh)

    def queue_warnings(self, run_id: str) -> list[str]:
        """A sentence per queue that an unfinished step of the run waits on with no worker."""
        return self.waiting.queue_warnings(run_id)
