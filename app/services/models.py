"""Registering a run's trained model as a model version, with the metrics its run measured."""

from __future__ import annotations

import contextlib

from app.services.errors import ConflictError, InvalidRequestError
from jobs.pipeline import MODEL_PORT
from storage import ArtifactNotFoundError, ArtifactStore, ModelVersion, StepStatus, WorkspaceStore


def register_step_model(
    store: WorkspaceStore,
    *,
    name: str,
    run_id: str,
    node_id: str,
    description: str = "",
    artifacts: ArtifactStore | None = None,
) -> ModelVersion:
    """Register the trained model of a completed step as the model's next version.

    The version keeps the metrics the run's other steps measured (run records never change).
    With `artifacts`, the model's object is made durable first: its step wrote it without
    fsync, as a recomputable output, and a registered model is kept on its own.

    Raises:
        InvalidRequestError: The step has no trained model output (not a Train Model step).
        ConflictError: The step has not completed.
        NotFoundError: No such run or step (from the store).
    """
    step = store.get_step(run_id, node_id)
    uri = step.outputs.get(MODEL_PORT)
    if uri is None:
        raise InvalidRequestError(
            f"Step '{node_id}' of run '{run_id}' has no '{MODEL_PORT}' output; register a "
            "Train Model step."
        )
    if step.status is not StepStatus.COMPLETED:
        raise ConflictError(
            f"Step '{node_id}' is {step.status.value}; only a completed step's model can be "
            "registered."
        )
    if artifacts is not None:
        with contextlib.suppress(ArtifactNotFoundError):  # registering never needed the bytes
            artifacts.make_durable(uri)
    version = store.register_model_version(
        name=name, uri=uri, run_id=run_id, node_id=node_id, description=description
    )
    metrics = {
        f"{s.node_id}.{k}": v
        for s in store.list_steps(run_id)
        if s.node_id != node_id
        for k, v in s.metrics.items()
        if isinstance(v, int | float)
    }
    store.model_metrics.set(version.name, version.version, metrics)
    return version
