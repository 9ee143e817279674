"""Handing steps to RQ: one job per step, `depends_on` its upstream jobs, on its target's queue."""

from __future__ import annotations

from collections.abc import Callable

from redis import Redis
from redis.client import Pipeline
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job, JobStatus

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
    by the worker from the upstream job's result. Every job goes to Redis in one transaction
    (one round trip, where one `Queue.enqueue` per job took several): all of them or none, so
    no half-run is left behind; should Redis fail, the jobs are canceled all the same in case
    the transaction got through unanswered, and SchedulingError is raised.
    Payloads (`jobs.contract.JobPayload`) hold URIs and names, and `artifacts`, the store's
    location without credentials: a worker whose environment pins no store
    (FLOWBENCH_ARTIFACTS) uses that one, so workers of several workspaces can share a Redis;
    credentials and the import and export folders come from the worker's own environment, on
    whichever machine it runs.
    """
    job_ids: dict[str, str] = {}
    jobs: list[tuple[Queue, Job, bool]] = []  # queue, job, whether it waits for upstream
    queues: dict[str, Queue] = {}
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
        queue = queues.get(step.queue)
        if queue is None:
            queue = queues[step.queue] = Queue(
                step.queue, connection=connection, serializer=defaults.SERIALIZER
            )
        job = queue.create_job(
            "jobs.step.run_step",
            args=(payload.to_dict(),),
            job_id=defaults.job_id(run_id, step.node_id),
            depends_on=list(upstream.values()) or None,
            timeout=step.timeout,
            result_ttl=defaults.RESULT_TTL,
            failure_ttl=defaults.FAILURE_TTL,
            description=f"{run_id} {step.node_id} ({step.component})",
        )
        jobs.append((queue, job, bool(upstream)))
        job_ids[step.node_id] = job.id
    try:
        with connection.pipeline(transaction=True) as pipeline:
            pipeline.multi()
            for queue, job, deferred in jobs:
                _add(queue, job, deferred, pipeline)
            pipeline.execute()
    except RedisError as exc:
        cancel_jobs(connection, list(job_ids.values()))
        raise SchedulingError(
            f"Could not enqueue the steps of run {run_id}: Redis said {exc}"
        ) from exc
    return job_ids


def _add(queue: Queue, job: Job, deferred: bool, pipeline: Pipeline) -> None:
    """Add one job to the transaction: queued when it depends on nothing, else deferred until
    its upstream jobs finish (what `Queue.enqueue` does with `depends_on`). Its upstream jobs
    are in the same transaction, so none of them can have finished yet."""
    if not deferred:
        queue.enqueue_job(job, pipeline=pipeline)
        return
    job.origin = queue.name
    job.set_status(JobStatus.DEFERRED, pipeline=pipeline)
    job.register_dependency(pipeline=pipeline)
    job.save(pipeline=pipeline)
    job.cleanup(ttl=job.ttl, pipeline=pipeline)
    pipeline.sadd(queue.redis_queues_keys, queue.key)
