"""Handing steps to RQ: one job per step, `depends_on` its upstream jobs, on its target's queue."""

from __future__ import annotations

from collections.abc import Callable

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from jobs import defaults
from jobs.contract import JobPayload, StepInput
from jobs.errors import SchedulingError
from jobs.plan import StepPlan
from jobs.tracking import cancel_jobs


def enqueue_steps(
    connection: Redis,
    *,
    run_id: str,
    steps: list[StepPlan],
    reused_outputs: dict[str, dict[str, str]],
    log_uri_for: Callable[[str], str],
    events_key: str,
    artifacts: str | None = None,
) -> dict[str, str]:
    """Enqueue `steps` (in dependency order); return node id -> RQ job id.

    Inputs from reused steps are passed as fixed URIs; inputs from steps that run now are read
    by the worker from the upstream job's result. If Redis fails midway, the jobs already
    enqueued are canceled and SchedulingError is raised, so no half-run is left behind.
    Payloads (`jobs.contract.JobPayload`) hold URIs and names, and `artifacts`, the store's
    location without credentials: a worker whose environment pins no store
    (FLOWBENCH_ARTIFACTS) uses that one, so workers of several workspaces can share a Redis;
    credentials and the import and export folders come from the worker's own environment, on
    whichever machine it runs.
    """
    job_ids: dict[str, str] = {}
    try:
        for step in steps:
            inputs = {}
            for port, ref in step.inputs.items():
                if ref.node is not None and ref.node in reused_outputs:
                    node, output = ref.output
                    inputs[port] = StepInput(uri=reused_outputs[node][output])
                else:
                    inputs[port] = StepInput(uri=ref.uri, node=ref.node, port=ref.port)
            upstream = {node: job_ids[node] for node in step.upstream if node in job_ids}
            payload = JobPayload(
                run_id=run_id,
                node_id=step.node_id,
                component=step.component,
                component_version=step.version,
                params=step.params,
                inputs=inputs,
                upstream_jobs=upstream,
                events_key=events_key,
                log_uri=log_uri_for(step.node_id),
                timeout=step.timeout,
                artifacts=artifacts,
            )
            job = Queue(step.queue, connection=connection, serializer=defaults.SERIALIZER).enqueue(
                "jobs.step.run_step",
                payload.to_dict(),
                job_id=defaults.job_id(run_id, step.node_id),
                depends_on=list(upstream.values()) or None,
                job_timeout=step.timeout,
                result_ttl=defaults.RESULT_TTL,
                failure_ttl=defaults.FAILURE_TTL,
                description=f"{run_id} {step.node_id} ({step.component})",
            )
            job_ids[step.node_id] = job.id
    except RedisError as exc:
        cancel_jobs(connection, list(job_ids.values()))
        raise SchedulingError(
            f"Could not enqueue the steps of run {run_id}: Redis said {exc}"
        ) from exc
    return job_ids
