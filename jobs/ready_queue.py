"""An RQ queue that does not leave a finished step's dependents waiting for maintenance.

When a job ends, RQ 3 moves its dependents to the queue's ready registry and then enqueues each
in a transaction that WATCHes the whole registry. A second worker that finishes a step at the
same moment changes the registry too, so the transaction fails and RQ skips the dependent "for
now": it waits for the workers' maintenance (up to 10 minutes) or the control plane's next
sweep (a second). With two workers on two branches that happens often: one branch sat idle for
a second or more. This queue tries again while the dependent is still ready, which is what the
optimistic lock is for.
"""

from __future__ import annotations

from rq import Queue
from rq.job import JobStatus
from rq.registry import ReadyJobRegistry
from rq.utils import as_text

# Each attempt fails only when another job of the queue moved through the registry meanwhile;
# a few attempts outlast any burst of steps ending together. Whatever is left, the control
# plane's sweep enqueues (jobs.tracking.enqueue_ready_jobs).
ATTEMPTS = 5


class ReadyQueue(Queue):
    """`Queue` whose dependents, once ready, are enqueued again when a concurrent change to the
    ready registry made RQ skip them."""

    def enqueue_ready_jobs_by_queue(self, job_ids_by_queue_name: dict[str, list[str]]) -> None:
        for queue_name, ids in job_ids_by_queue_name.items():
            registry = ReadyJobRegistry(
                name=queue_name,
                connection=self.connection,
                job_class=self.job_class,
                serializer=self.serializer,
            )
            pending = list(ids)
            for _ in range(ATTEMPTS):
                enqueued = {job.id for job in registry.enqueue_jobs(pending)}
                pending = [job_id for job_id in pending if job_id not in enqueued]
                if not pending:
                    break
                pending = still_ready(registry, pending)
                if not pending:
                    break


def still_ready(registry: ReadyJobRegistry, job_ids: list[str]) -> list[str]:
    """Those of `job_ids` that are still in `registry` and ready to enqueue (one round trip)."""
    with registry.connection.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.zscore(registry.key, job_id)
            pipe.hget(registry.job_class.key_for(job_id), "status")
        answers = pipe.execute()
    ready = JobStatus.READY_TO_ENQUEUE.value
    return [
        job_id
        for job_id, score, status in zip(job_ids, answers[::2], answers[1::2], strict=True)
        if score is not None and as_text(status) == ready
    ]
