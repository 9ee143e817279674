"""The step task that RQ workers run: one component, inputs and outputs in the artifact store.

A step never touches the workspace database nor the workspace folder: it finds the artifact
store in its environment (FLOWBENCH_ARTIFACTS and credentials), so it runs the same on any
machine. It returns a small result (output URIs, metrics, log URI, timings) that RQ keeps in
Redis, where the control plane reads it. What it reads and writes is declared in jobs.contract.
"""

from __future__ import annotations

import contextlib
import io
import numbers
import os
import socket
import time
import traceback
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from rq import get_current_job
from rq.job import Job
from rq.results import Result
from rq.timeouts import JobTimeoutException

import components
from components.errors import ComponentInputError
from components.spec import PortKind
from jobs import defaults
from jobs.contract import JobPayload, StepEvent, StepResult
from jobs.errors import ContractError, StepFailedError
from jobs.runtime import StepRuntime
from storage.artifacts import ArtifactStore


def run_step(data: dict[str, Any]) -> dict[str, Any]:
    """Run one step described by `data`, a `JobPayload` as `jobs.scheduler` enqueued it; return
    its `StepResult` as a dict for RQ to keep.

    On failure the log keeps the traceback, the job's meta keeps a sentence for the user, and
    the exception propagates so that RQ marks the job failed and holds back its dependents. A
    payload this worker cannot read (another contract version) fails the same way, with no log
    and no event: nothing in it can be trusted, and the control plane's sweep finds the job.
    """
    job = get_current_job()
    try:
        payload = JobPayload.from_dict(data)
    except ContractError as exc:
        if job is not None:
            job.meta["error"] = str(exc)
            job.save_meta()
        raise StepFailedError(str(exc)) from exc
    store = ArtifactStore.for_step(payload.artifacts)
    started = time.time()
    buffer = io.StringIO()
    component = components.get(payload.component, payload.component_version)
    worker = job.worker_name if job is not None else None
    buffer.write(
        f"[{_stamp(started)}] {component.spec.name} ({component.spec.id} "
        f"v{component.spec.version}) on node {payload.node_id}\n"
        f"worker: {worker or '(none)'} on host {socket.gethostname()}\n"
        f"parameters: {payload.params}\n"
    )
    try:
        inputs = _load_inputs(payload, component, store, job)
        loaded = time.time()
        runtime = StepRuntime.from_environment(buffer, artifact_store=store)
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            outputs = component.run(inputs, payload.params, runtime)
        ran = time.time()
        uris, summaries, metrics = _save_outputs(outputs, component, store)
    except Exception as exc:
        failed = time.time()
        message = _user_message(exc, payload.timeout, failed - started)
        buffer.write(f"\n{traceback.format_exc()}\nStep failed: {message}\n")
        store.write_log(payload.log_uri, buffer.getvalue())
        if job is not None:
            job.meta["error"] = message
            job.save_meta()
            _notify(job, payload, error=message, ran=(started, failed))
        _announce(payload, f"failed after {failed - started:.2f} s: {message}")
        raise StepFailedError(message) from exc
    finished = time.time()
    buffer.write(
        f"[{_stamp(finished)}] finished in {finished - started:.3f} s (inputs "
        f"{loaded - started:.3f} s, component {ran - loaded:.3f} s, outputs "
        f"{finished - ran:.3f} s)\n"
    )
    store.write_log(payload.log_uri, buffer.getvalue())
    result = StepResult(
        outputs=uris,
        summaries=summaries,
        metrics=metrics,
        log_uri=payload.log_uri,
        started_at=started,
        finished_at=finished,
        duration_s=finished - started,
    )
    if job is not None:
        _notify(job, payload, result=result)
    _announce(payload, f"completed in {finished - started:.2f} s")
    return result.to_dict()


def _announce(payload: JobPayload, outcome: str) -> None:
    # One line per step on `flowbench up`'s terminal (FLOWBENCH_STATUS_FD, set by the
    # supervisor); the details are in the step log and the worker's log file.
    fd = os.environ.get("FLOWBENCH_STATUS_FD")
    if not fd:
        return
    line = f"flowbench: run {payload.run_id} step {payload.node_id} ({payload.component}) {outcome}"
    with contextlib.suppress(OSError, ValueError):
        os.write(int(fd), (line.splitlines()[0][:300] + "\n").encode())


def _load_inputs(
    payload: JobPayload, component: components.Component, store: ArtifactStore, job: Job | None
) -> dict[str, Any]:
    upstream_results: dict[str, StepResult] = {}
    inputs: dict[str, Any] = {}
    for port in component.spec.inputs:
        ref = payload.inputs.get(port.name)
        if ref is None:
            continue
        uri = ref.uri
        if uri is None:
            node, port_name = ref.output
            if node not in upstream_results:
                upstream_results[node] = _upstream_result(payload.upstream_jobs[node], job)
            uri = upstream_results[node].outputs[port_name]
        inputs[port.name] = (
            store.get_table(uri) if port.kind is PortKind.DATASET else store.get_object(uri)
        )
    return inputs


def _upstream_result(job_id: str, job: Job | None) -> StepResult:
    if job is None:
        raise StepFailedError("A step with upstream steps must run inside an RQ job.")
    # Only the result is needed: read it alone (one round trip), not the whole job first.
    latest = Result.fetch_latest(
        Job(job_id, connection=job.connection, serializer=defaults.SERIALIZER),
        serializer=defaults.SERIALIZER,
    )
    result = latest.return_value if latest and latest.type == Result.Type.SUCCESSFUL else None
    if not isinstance(result, dict):
        upstream = Job.fetch(job_id, connection=job.connection, serializer=defaults.SERIALIZER)
        raise StepFailedError(
            f"Upstream job {job_id} has no result (status {upstream.get_status()})."
        )
    return StepResult.from_dict(result)


def _save_outputs(
    outputs: dict[str, Any], component: components.Component, store: ArtifactStore
) -> tuple[dict[str, str], dict[str, dict[str, Any]], dict[str, float]]:
    """Write each declared output; return (port -> URI, port -> table summary, metrics).

    Outputs are written without fsync: they are recomputable, and one torn by a power cut is
    set aside when read and so runs again (docs/architecture.md, "Why these choices")."""
    uris: dict[str, str] = {}
    summaries: dict[str, dict[str, Any]] = {}
    for port in component.spec.outputs:
        value = outputs[port.name]
        if port.kind is PortKind.DATASET:
            if not isinstance(value, pd.DataFrame):
                raise TypeError(
                    f"{component.spec.id} output {port.name!r} must be a DataFrame; "
                    f"got {type(value).__name__}"
                )
            ref = store.put_table(value, durable=False)
            uris[port.name] = ref.uri
            summaries[port.name] = {"rows": ref.row_count, "columns": len(ref.columns)}
        else:
            uris[port.name] = store.put_object(value, durable=False)
    metrics: dict[str, float] = {}
    if component.spec.metrics_output:
        metrics = metrics_from_table(outputs[component.spec.metrics_output])
    return uris, summaries, metrics


def metrics_from_table(table: pd.DataFrame) -> dict[str, float]:
    """A step's metrics: the first row's numeric values; a second row's get ' (right)'."""
    metrics: dict[str, float] = {}
    for index, (_, row) in enumerate(table.head(2).iterrows()):
        suffix = "" if index == 0 else " (right)"
        for name, value in row.items():
            if (
                isinstance(value, numbers.Real)
                and not isinstance(value, (bool, np.bool_))
                and pd.notna(value)
            ):
                metrics[f"{name}{suffix}"] = float(value)
    return metrics


def _user_message(exc: Exception, timeout: int | None, elapsed: float) -> str:
    # RQ's alarm can land inside native code, which then raises an unrelated error (or a
    # component wraps it): judge by the clock and the exception chain, not the type alone.
    if _caused_by_timeout(exc) or (timeout and elapsed >= timeout - 0.25):
        return f"The step ran longer than its timeout ({timeout} s) and was stopped."
    if isinstance(exc, (ComponentInputError, StepFailedError, ContractError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _caused_by_timeout(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, JobTimeoutException):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _notify(
    job: Job,
    payload: JobPayload,
    *,
    result: StepResult | None = None,
    error: str | None = None,
    ran: tuple[float, float] | None = None,
) -> None:
    # Tell the control plane at once, before RQ itself saves the job's result. The job stays
    # the record of truth: the control plane's sweep reads it when an event is missed.
    started_at, finished_at = ran or (None, None)
    event = StepEvent(
        run_id=payload.run_id,
        node_id=payload.node_id,
        job_id=job.id,
        result=result,
        error=error,
        started_at=started_at,
        finished_at=finished_at,
    )
    with contextlib.suppress(Exception):
        job.connection.rpush(payload.events_key, event.to_json())


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
