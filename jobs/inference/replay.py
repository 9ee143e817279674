"""Run a real-time inference pipeline on request rows, in this process (the plain path).

The pipeline is planned by the same planner as a run (`jobs.plan.plan_run`, so parameters
resolve exactly as they did), steps that do not depend on a Web Service Input (the frozen
models and transformations) run once at load, and each request runs the rest: Web Service
Input's output is the request table, and each Web Service Output's table is the answer.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

import components
from components.errors import ComponentInputError
from jobs.inference.errors import BundleError
from jobs.pipeline import PipelineSpec
from jobs.plan import ResolvedDataset, StepPlan, plan_run
from jobs.runtime import StepRuntime

WEB_SERVICE_INPUT = "web_service_input"
WEB_SERVICE_OUTPUT = "web_service_output"


class BundleRuntime(StepRuntime):
    """The runner's effects for a scoring server: frozen artifacts come from the bundle."""

    def __init__(self, objects: dict[str, Any], folder: Path) -> None:
        (folder / "imports").mkdir(exist_ok=True)
        (folder / "exports").mkdir(exist_ok=True)
        super().__init__(folder / "imports", folder / "exports")
        self.objects = objects

    def load_artifact(self, uri: str) -> Any:
        if uri not in self.objects:
            raise ComponentInputError(f"The bundle holds no artifact {uri!r}.")
        return self.objects[uri]


class Replay:
    """A planned inference pipeline, ready to score request tables."""

    def __init__(self, spec: PipelineSpec, objects: dict[str, Any]) -> None:
        self.spec = spec
        self._folder = tempfile.TemporaryDirectory(prefix="flowbench-serve-")
        self.runtime = BundleRuntime(objects, Path(self._folder.name))
        plan = plan_run(spec, resolve_dataset=_dataset, queue_for=lambda _: "serve")
        self.steps: list[StepPlan] = list(plan.steps)
        self.inputs = {
            s.node_id: str(s.params["name"]) for s in self.steps if s.component == WEB_SERVICE_INPUT
        }
        self.outputs = {
            s.node_id: str(s.params["name"])
            for s in self.steps
            if s.component == WEB_SERVICE_OUTPUT
        }
        if not self.inputs or not self.outputs:
            raise BundleError(
                "A real-time inference pipeline needs at least one Web Service "
                "Input and one Web Service Output."
            )
        for step in self.steps:
            for port, ref in step.inputs.items():
                if ref.uri is not None and step.component != WEB_SERVICE_INPUT:
                    raise BundleError(
                        f"Step {step.node_id!r} reads a dataset directly ({port}); in a real-time "
                        "pipeline data enters only through Web Service Input."
                    )
        # Steps whose inputs do not depend on a request run once, now.
        self.constant: dict[str, dict[str, Any]] = {}
        varying = set(self.inputs)
        for step in self.steps:
            if step.node_id in varying or any(up in varying for up in step.upstream):
                varying.add(step.node_id)
            else:
                self.constant[step.node_id] = self._run_step(step, self.constant)
        self.per_request = [s for s in self.steps if s.node_id in varying]

    def run(
        self,
        tables: dict[str, pd.DataFrame],
        hook: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> dict[str, pd.DataFrame]:
        """Web Service Output name -> its table, for request tables keyed by input name.

        `hook(node_id, outputs)` sees each step's outputs (the fast path learns columns here).
        Raises ComponentInputError when a step refuses the rows.
        """
        results = dict(self.constant)
        for step in self.per_request:
            if step.node_id in self.inputs:
                results[step.node_id] = {"dataset_out": tables[self.inputs[step.node_id]]}
            else:
                results[step.node_id] = self._run_step(step, results)
            if hook is not None:
                hook(step.node_id, results[step.node_id])
        return {name: results[node]["dataset_out"] for node, name in self.outputs.items()}

    def _run_step(self, step: StepPlan, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
        inputs = {
            port: results[ref.output[0]][ref.output[1]]
            for port, ref in step.inputs.items()
            if ref.node is not None
        }
        component = components.get(step.component, step.version)
        return component.run(inputs, step.params, self.runtime)


def _dataset(name: str, version: int | None) -> ResolvedDataset:
    # Dataset nodes only feed Web Service Inputs, which take the request instead.
    return ResolvedDataset(name, version or 0, f"bundle-dataset://{name}", "")
