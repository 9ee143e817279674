"""Run a pipeline in this process, with no queue, database or files (like RQ's is_async=False).

Used for debugging in a notebook, to check the example pipelines, and as the floor that
benchmarks compare the real path with. Steps that need effects (SQL, a Python sandbox, an
import or export) get a `StepRuntime`: the caller's, or one on temporary folders.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

import components
from components.runtime import Runtime
from jobs.errors import InvalidPipelineError
from jobs.pipeline import PipelineSpec
from jobs.plan import ResolvedDataset, plan_run
from jobs.runtime import StepRuntime
from jobs.validate import validate_pipeline


def run_locally(
    spec: PipelineSpec,
    load_dataset: Callable[[str, int | None], pd.DataFrame],
    parameters: dict[str, Any] | None = None,
    runtime: Runtime | None = None,
) -> dict[str, dict[str, Any]]:
    """Run every step in order; return node id -> {output port: value}.

    `runtime` serves the steps that need effects; by default a `StepRuntime` whose import and
    export folders are temporary and empty, and whose log is standard output.

    Raises:
        InvalidPipelineError: the pipeline has issues (nothing runs).
    """
    issues = validate_pipeline(spec, parameter_values=parameters or {})
    if issues:
        raise InvalidPipelineError(issues)
    tables: dict[str, pd.DataFrame] = {}

    def resolve(name: str, version: int | None) -> ResolvedDataset:
        tables[f"local://{name}/{version}"] = load_dataset(name, version)
        return ResolvedDataset(name, version or 0, f"local://{name}/{version}", "local")

    plan = plan_run(
        spec, resolve_dataset=resolve, queue_for=lambda _: "local", parameter_values=parameters
    )
    results: dict[str, dict[str, Any]] = {}
    with _runtime_or_temporary(runtime) as step_runtime:
        for step in plan.steps:
            inputs = {
                port: tables[ref.uri] if ref.uri else _output(results, ref.output)
                for port, ref in step.inputs.items()
            }
            component = components.get(step.component, step.version)
            results[step.node_id] = component.run(inputs, step.params, step_runtime)
    return results


@contextmanager
def _runtime_or_temporary(runtime: Runtime | None) -> Iterator[Runtime]:
    if runtime is not None:
        yield runtime
        return
    with tempfile.TemporaryDirectory(prefix="flowbench-local-") as folder:
        imports, exports = Path(folder, "imports"), Path(folder, "exports")
        imports.mkdir()
        exports.mkdir()
        yield StepRuntime(imports, exports)


def _output(results: dict[str, dict[str, Any]], source: tuple[str, str]) -> Any:
    node, port = source
    return results[node][port]
