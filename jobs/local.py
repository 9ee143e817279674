"""Run a pipeline in this process, with no queue, database or files (like RQ's is_async=False).

Used for debugging in a notebook and as the floor that benchmarks compare the real path with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

import components
from jobs.errors import InvalidPipelineError
from jobs.pipeline import PipelineSpec
from jobs.plan import ResolvedDataset, plan_run
from jobs.validate import validate_pipeline


def run_locally(spec: PipelineSpec, load_dataset: Callable[[str, int | None], pd.DataFrame],
                parameters: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Run every step in order; return node id -> {output port: value}."""
    issues = validate_pipeline(spec, parameter_values=parameters or {})
    if issues:
        raise InvalidPipelineError(issues)
    tables: dict[str, pd.DataFrame] = {}

    def resolve(name: str, version: int | None) -> ResolvedDataset:
        tables[f"local://{name}/{version}"] = load_dataset(name, version)
        return ResolvedDataset(name, version or 0, f"local://{name}/{version}", "local")

    plan = plan_run(spec, resolve_dataset=resolve, queue_for=lambda _: "local",
                    parameter_values=parameters)
    results: dict[str, dict[str, Any]] = {}
    for step in plan.steps:
        inputs = {port: tables[ref.uri] if ref.uri else results[ref.node][ref.port]
                  for port, ref in step.inputs.items()}
        results[step.node_id] = components.get(step.component, step.version).run(inputs,
                                                                                   step.params)
    return results
