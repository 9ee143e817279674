"""Planning a run: order the steps, pin datasets, compute cache keys, decide what is reused.

A step's cache key hashes what determines its outputs: component id and version, its resolved
parameter values and, per input, the content hash of a dataset or the upstream step's key and
port. Where it runs (compute target) and comments do not count.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import components
from jobs import defaults
from jobs.pipeline import PipelineSpec, bind_datasets
from jobs.validate import pipeline_parameter_values, resolve_node_params

# Bump to invalidate every cached output at once (say, after a fix that changes results).
CACHE_EPOCH = 1


@dataclass(frozen=True)
class ResolvedDataset:
    """A dataset node pinned to one immutable version."""

    name: str
    version: int
    uri: str
    content_hash: str


@dataclass(frozen=True)
class InputRef:
    """Where a step input comes from: an upstream step's output or a fixed artifact."""

    node: str | None = None
    port: str | None = None
    uri: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"node": self.node, "port": self.port, "uri": self.uri}

    @property
    def output(self) -> tuple[str, str]:
        """(node, port) of an input an upstream step gives (asking a fixed artifact's is a
        programming error)."""
        if self.node is None or self.port is None:
            raise ValueError(f"Input {self.uri!r} is a fixed artifact, not a step's output.")
        return self.node, self.port


@dataclass(frozen=True)
class StepPlan:
    """One component node, ready to be recorded and enqueued."""

    node_id: str
    component: str
    version: int
    params: dict[str, Any]
    inputs: dict[str, InputRef]
    upstream: tuple[str, ...]
    cache_key: str
    queue: str
    timeout: int
    regenerate: bool
    deterministic: bool


@dataclass(frozen=True)
class RunPlan:
    """The steps of a run in dependency order, with the spec snapshot that produced them."""

    spec: PipelineSpec
    parameters: dict[str, Any]
    steps: tuple[StepPlan, ...]
    datasets: dict[str, ResolvedDataset]


def plan_run(
    spec: PipelineSpec,
    *,
    resolve_dataset: Callable[[str, int | None], ResolvedDataset],
    queue_for: Callable[[str], str],
    parameter_values: dict[str, Any] | None = None,
    default_timeout: int = defaults.DEFAULT_STEP_TIMEOUT,
    nonce: str = "",
) -> RunPlan:
    """Plan a validated pipeline.

    Args:
        spec: a pipeline that `validate_pipeline` found no issues in.
        resolve_dataset: pins a dataset name and version (None for latest).
        queue_for: the RQ queue name of a compute target.
        parameter_values: pipeline parameter overrides.
        default_timeout: seconds a step may run when its node sets no timeout.
        nonce: mixed into the keys of non-deterministic components so they are never reused.
    """
    values = pipeline_parameter_values(spec, parameter_values or {})
    spec = bind_datasets(spec, values)
    datasets = {
        n.id: resolve_dataset(n.dataset_name, n.dataset_version) for n in spec.nodes if n.is_dataset
    }
    pinned = spec
    for node_id, dataset in datasets.items():
        pinned = pinned.with_node(replace(spec.get_node(node_id), dataset_version=dataset.version))
        bound_to = spec.get_node(node_id).dataset_param
        if bound_to is not None and isinstance(values.get(bound_to), dict):
            # The run records the version it read, not "latest".
            values[bound_to] = {"name": dataset.name, "version": dataset.version}
    feeds = {(e.target_node, e.target_port): (e.source_node, e.source_port) for e in spec.edges}
    keys: dict[str, str] = {}
    steps = []
    for node_id in spec.graph.order():
        node = spec.get_node(node_id)
        if node.is_dataset:
            continue
        component = components.get(node.component_id, node.version)
        params = component.spec.resolve_params(resolve_node_params(node.params, values))
        inputs: dict[str, InputRef] = {}
        key_inputs: dict[str, str] = {}
        for port in component.spec.inputs:
            source = feeds.get((node_id, port.name))
            if source is None:
                continue
            source_node, source_port = source
            if source_node in datasets:
                inputs[port.name] = InputRef(uri=datasets[source_node].uri)
                key_inputs[port.name] = "sha256:" + datasets[source_node].content_hash
            else:
                inputs[port.name] = InputRef(node=source_node, port=source_port)
                key_inputs[port.name] = f"{keys[source_node]}:{source_port}"
        key = cache_key(
            component.spec.id,
            component.spec.version,
            params,
            key_inputs,
            nonce="" if component.spec.deterministic else nonce,
        )
        keys[node_id] = key
        steps.append(
            StepPlan(
                node_id=node_id,
                component=component.spec.id,
                version=component.spec.version,
                params=params,
                inputs=inputs,
                upstream=tuple(dict.fromkeys(i.node for i in inputs.values() if i.node)),
                cache_key=key,
                queue=queue_for(node.compute or spec.default_compute),
                timeout=node.timeout or default_timeout,
                regenerate=node.regenerate,
                deterministic=component.spec.deterministic,
            )
        )
    return RunPlan(spec=pinned, parameters=values, steps=tuple(steps), datasets=datasets)


def cache_key(
    component: str, version: int, params: dict[str, Any], inputs: dict[str, str], nonce: str = ""
) -> str:
    """The sha256 of what determines a step's outputs."""
    document = {
        "epoch": CACHE_EPOCH,
        "component": component,
        "version": version,
        "params": params,
        "inputs": inputs,
        "nonce": nonce,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def choose_reuse(
    plan: RunPlan, *, force_rerun: bool, find_outputs: Callable[[str], Any | None]
) -> dict[str, Any]:
    """Which steps reuse earlier outputs: node id -> what `find_outputs` returned for its key.

    A step is reused only when the run is not forced, its node does not ask to regenerate its
    output, it is deterministic, every upstream step is reused too (a re-executed upstream may
    produce new outputs) and `find_outputs(cache_key)` finds a finished step with that key.
    """
    reused: dict[str, Any] = {}
    if force_rerun:
        return reused
    for step in plan.steps:
        if step.regenerate or not step.deterministic:
            continue
        if any(up not in reused for up in step.upstream):
            continue
        found = find_outputs(step.cache_key)
        if found is not None:
            reused[step.node_id] = found
    return reused
