"""Fixtures for inference tests: pipelines run step by step through a real artifact store.

`run_in_store` does what a worker does for each step (load inputs from the store, run the
component with the runner's runtime, store the outputs), in this process and in plan order,
so that conversions and bundles get the same URIs a real run would give them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

import components
from components.spec import PortKind
from jobs.pipeline import PipelineSpec
from jobs.plan import ResolvedDataset, plan_run
from jobs.runtime import StepRuntime
from jobs.validate import validate_pipeline
from storage.artifacts import ArtifactStore
from storage.samples import load_sample

EXAMPLES = Path(__file__).parents[3] / "examples"


@dataclass
class StoredRun:
    """A finished run: its pinned spec, step outputs (URIs) and dataset table URIs."""

    spec: dict[str, Any]
    outputs: dict[str, dict[str, str]]
    dataset_uris: dict[str, str]


def example(name: str, trees: int | None = 5) -> dict[str, Any]:
    """An example pipeline; tree learners get `trees` trees (None: as written), for speed."""
    document = json.loads((EXAMPLES / f"{name}.json").read_text())
    for node in document["nodes"]:
        component = node.get("component")
        if trees and component and components.get(component).spec.param("num_trees"):
            node["params"]["num_trees"] = trees
    return document


@pytest.fixture(autouse=True, scope="session")
def one_thread() -> Any:
    """Fit on one thread: on small tables OpenMP threads only spin on a shared machine."""
    with threadpool_limits(limits=1):
        yield


def run_in_store(
    document: dict[str, Any],
    store: ArtifactStore,
    tmp: Path,
    parameters: dict[str, Any] | None = None,
    datasets: dict[str, pd.DataFrame] | None = None,
) -> StoredRun:
    """Validate, plan and run `document` step by step, storing every output in `store`."""
    spec = PipelineSpec.from_dict(document)
    issues = validate_pipeline(spec, parameter_values=parameters or {})
    assert issues == [], issues
    tables = dict(datasets or {})

    def resolve(name: str, version: int | None) -> ResolvedDataset:
        table = tables[name] if name in tables else load_sample(name)
        ref = store.put_table(table)
        return ResolvedDataset(name, version or 1, ref.uri, ref.content_hash)

    plan = plan_run(
        spec, resolve_dataset=resolve, queue_for=lambda _: "default", parameter_values=parameters
    )
    (tmp / "imports").mkdir(exist_ok=True)
    (tmp / "exports").mkdir(exist_ok=True)
    runtime = StepRuntime(tmp / "imports", tmp / "exports", artifact_store=store)
    outputs: dict[str, dict[str, str]] = {}
    for step in plan.steps:
        component = components.get(step.component, step.version)
        inputs = {}
        for port in component.spec.inputs:
            ref = step.inputs.get(port.name)
            if ref is None:
                continue
            uri = ref.uri or outputs[ref.node][ref.port]
            inputs[port.name] = (
                store.get_table(uri) if port.kind is PortKind.DATASET else store.get_object(uri)
            )
        result = component.run(inputs, step.params, runtime)
        outputs[step.node_id] = {
            port.name: store.put_table(result[port.name]).uri
            if port.kind is PortKind.DATASET
            else store.put_object(result[port.name])
            for port in component.spec.outputs
        }
    return StoredRun(
        plan.spec.to_dict(), outputs, {node: d.uri for node, d in plan.datasets.items()}
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ArtifactStore:
    return ArtifactStore(tmp_path_factory.mktemp("artifacts"))


@dataclass
class TutorialBundle:
    """The tutorial trained, converted to a real-time pipeline, run, and bundled."""

    store: ArtifactStore
    training: StoredRun
    inference: StoredRun
    info: Any  # jobs.inference.bundle.BundleInfo


def build_tutorial_bundle(
    folder: Path, output_columns: list[str] | None = None, name: str = "automobile_price"
) -> TutorialBundle:
    from jobs.inference.bundle import write_bundle
    from jobs.inference.convert import gather_facts, inference_pipeline

    store = ArtifactStore(folder / "artifacts")
    training = run_in_store(example(name), store, folder)
    facts = gather_facts(training.spec, training.outputs, training.dataset_uris, store)
    document = inference_pipeline(
        training.spec, facts, kind="realtime", run_id="run-training", output_columns=output_columns
    )
    inference = run_in_store(document, store, folder)
    info = write_bundle(
        store,
        inference.spec,
        inference.outputs,
        lineage={"training_run": "run-training", "inference_run": "run-inf"},
    )
    return TutorialBundle(store, training, inference, info)


def scored_test_rows(bundle: TutorialBundle) -> tuple[list[dict[str, Any]], list[float]]:
    """The training run's scored test rows as requests (label and score removed), and the
    Scored Labels Score Model gave them in training."""
    from storage.artifacts import json_safe

    scored = bundle.store.get_table(bundle.training.outputs["score"]["scored_dataset"])
    label = "Price"
    rows = [
        {k: json_safe(v) for k, v in r.items() if k not in (label, "Scored Labels")}
        for r in scored.to_dict(orient="records")
    ]
    return rows, [float(v) for v in scored["Scored Labels"]]
