"""From a completed run to what inference needs: the inference pipeline draft of a training run
and the bundle of a real-time inference run (the conversion and the bundle are jobs.inference's;
this module only gathers their inputs from the workspace store).
"""

from __future__ import annotations

from typing import Any

from jobs.pipeline import PipelineSpec
from storage import ArtifactStore, Run, RunStatus, WorkspaceStore

INFERENCE_KINDS = ("realtime", "batch")
SERVICE_INPUT = "web_service_input"


class InferencePipelineError(Exception):
    """The run cannot give what was asked (not completed, not a training or inference run)."""


def _completed(store: WorkspaceStore, run_id: str) -> Run:
    run = store.get_run(run_id)
    if run.status is not RunStatus.COMPLETED:
        raise InferencePipelineError(
            f"Run '{run_id}' is {run.status.value}; only a completed "
            "run can be turned into an inference pipeline or deployed."
        )
    return run


def _outputs(store: WorkspaceStore, run_id: str) -> dict[str, dict[str, str]]:
    return {s.node_id: dict(s.outputs) for s in store.list_steps(run_id)}


def is_realtime_inference(run: Run) -> bool:
    """Whether the run's pipeline takes its rows from a Web Service Input."""
    return any(n.get("component") == SERVICE_INPUT for n in run.spec.get("nodes", []))


def inference_spec(
    store: WorkspaceStore, artifacts: ArtifactStore, run_id: str, kind: str = "realtime"
) -> dict[str, Any]:
    """The draft spec of a real-time or batch inference pipeline made from training run `run_id`.

    Raises:
        InferencePipelineError: The run is not completed, the kind is unknown, or the
            conversion refuses the run (its message says why).
    """
    from jobs.inference.convert import gather_facts, inference_pipeline
    from jobs.inference.errors import ConversionError

    if kind not in INFERENCE_KINDS:
        raise InferencePipelineError(
            f"Unknown inference pipeline kind '{kind}'; choose one of {list(INFERENCE_KINDS)}."
        )
    run = _completed(store, run_id)
    spec = PipelineSpec.from_dict(run.spec)
    dataset_uris = {
        n.id: store.get_dataset_version(n.dataset, n.dataset_version).uri
        for n in spec.nodes
        if n.is_dataset
    }
    try:
        facts = gather_facts(run.spec, _outputs(store, run_id), dataset_uris, artifacts)
        return inference_pipeline(run.spec, facts, kind=kind, run_id=run_id)
    except ConversionError as exc:
        raise InferencePipelineError(str(exc)) from exc


def write_run_bundle(
    store: WorkspaceStore, artifacts: ArtifactStore, run: Run, training_run_id: str | None
) -> Any:
    """Write the bundle of a completed real-time inference run; returns jobs' BundleInfo.

    Raises:
        InferencePipelineError: The run is not completed or not a real-time inference run, or
            its outputs do not make a bundle.
    """
    from jobs.inference.bundle import write_bundle
    from jobs.inference.errors import BundleError, ConversionError

    _completed(store, run.id)
    if not is_realtime_inference(run):
        raise InferencePipelineError(
            f"Run '{run.id}' has no Web Service Input: it is not a real-time inference pipeline. "
            "Deploy a training run to have its inference pipeline made first."
        )
    lineage = {
        "inference_run": run.id,
        "training_run": training_run_id,
        "experiment": run.experiment,
    }
    try:
        return write_bundle(artifacts, run.spec, _outputs(store, run.id), lineage=lineage)
    except (BundleError, ConversionError) as exc:
        raise InferencePipelineError(str(exc)) from exc
