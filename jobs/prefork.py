"""A forking RQ worker whose next work horse is forked before its job arrives.

RQ's `Worker` forks once a job is dequeued, so the fork, the child's new Redis connection and
its first copy-on-write faults lie between one step's end and the next one's start. This
worker forks a spare work horse while it is idle instead: the spare connects to Redis and waits
on a pipe; when a job arrives the worker writes the job's id to that pipe and watches the
spare exactly as RQ watches a horse it has just forked (a crash fails the step, not the worker;
timeouts and stop commands kill it the same way). Should the spare have died meanwhile, the
worker forks as RQ does.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import select
import signal
import time
from collections.abc import Callable
from typing import Any

from rq import Worker
from rq.executions import Execution

from jobs.heartbeat import OneTripHeartbeat


class PreforkWorker(OneTripHeartbeat, Worker):
    """`rq.Worker` with a work horse forked in advance (see the module docstring).

    `warm_spare`: what each spare runs, one after another, before it waits; the pages they
    touch are then copied into the spare's memory (copy-on-write) before the job arrives
    rather than during it. A job that arrives meanwhile stops the warming at the next one.
    """

    warm_spare: tuple[Callable[[], None], ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._spare: tuple[int, int] | None = None  # (pid, write end of its pipe)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):  # noqa: ANN001 - RQ's
        self._ensure_spare()
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def fork_work_horse(self, job, queue) -> None:  # noqa: ANN001 - RQ's signature
        spare, self._spare = self._spare, None
        if spare is not None and self._hand_over(spare, job, queue):
            os.environ["RQ_WORKER_ID"] = self.name
            os.environ["RQ_JOB_ID"] = job.id
            self._horse_pid = spare[0]
            self.procline(f"Handed {job.id} to {spare[0]} at {time.time()}")
            return
        super().fork_work_horse(job, queue)

    def teardown(self) -> None:
        self._drop_spare()
        super().teardown()

    # -- the worker's side ---------------------------------------------------------------------

    def _ensure_spare(self) -> None:
        if self._spare is not None:
            pid, _ = self._spare
            done, _status = _reap(pid)
            if not done:
                return
            self._drop_spare()  # it died while waiting (killed by hand, out of memory)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(write_end)
            self._spare_main(read_end)  # never returns
        os.close(read_end)
        self._spare = (pid, write_end)

    def _hand_over(self, spare: tuple[int, int], job, queue) -> bool:  # noqa: ANN001
        pid, write_end = spare
        execution = self.execution  # RQ's execute_job prepared it before forking
        assert execution is not None
        message = json.dumps({"job": job.id, "queue": queue.name, "execution": execution.id})
        try:
            os.write(write_end, message.encode() + b"\n")
        except OSError:  # the spare is gone: fork as RQ does
            _reap(pid, block=True)
            return False
        finally:
            os.close(write_end)
        return True

    def _drop_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is None:
            return
        pid, write_end = spare
        with contextlib.suppress(OSError):
            os.close(write_end)
        # It holds no job: stopping it at once cannot lose work, and it may be warming up or
        # waiting on Redis rather than reading its pipe.
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        _reap(pid, block=True)

    # -- the spare's side ----------------------------------------------------------------------

    def _spare_main(self, read_end: int) -> None:
        """Wait for a job on `read_end`, then be its work horse; exit when the worker is gone."""
        # What the spare inherits is never collected here: a collection would write to (and
        # so copy) every page of it. Freezing is a few pointer moves.
        gc.freeze()
        try:
            os.setpgrp()
            self.setup_work_horse_signals()
            self._spare = None
            # Connect now (the worker's connections are not this process's), not when the job
            # has arrived.
            self.connection.ping()
            for warm in self.warm_spare:
                if select.select([read_end], [], [], 0)[0]:
                    break  # the job is here: better to run it than to warm up for it
                with contextlib.suppress(Exception):  # only ever a head start
                    warm()
            order = _read_line(read_end)
            if not order:
                os._exit(0)
            request = json.loads(order)
            os.environ["RQ_WORKER_ID"] = self.name
            os.environ["RQ_JOB_ID"] = request["job"]
            job = self.job_class(
                request["job"], connection=self.connection, serializer=self.serializer
            )
            execution = Execution(request["execution"], job.id, connection=self.connection)
            with self.connection.pipeline(transaction=False) as pipeline:
                pipeline.hgetall(job.key)
                pipeline.hgetall(execution.key)
                job_data, execution_data = pipeline.execute()
            job.restore(job_data)  # both in one round trip; empty ones fail the step
            execution.restore(execution_data)
            queue = self.queue_class(
                request["queue"],
                connection=self.connection,
                job_class=self.job_class,
                serializer=self.serializer,
                death_penalty_class=self.death_penalty_class,
            )
            execution._job = job
            self.executions = {execution.id: execution}  # this horse's one execution
        except BaseException:  # noqa: BLE001 - a horse never returns into the worker's loop
            os._exit(1)
        self.main_work_horse(job, queue)
        os._exit(0)


def _read_line(fd: int) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 4096)
        if not chunk:
            return b""
        data += chunk
    return data.strip()


def _reap(pid: int, block: bool = False) -> tuple[bool, int | None]:
    """(whether `pid` has ended, its wait status), reaping it if so."""
    try:
        done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
    except ChildProcessError:
        return True, None
    return done != 0, status
