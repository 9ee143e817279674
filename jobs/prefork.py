"""A forking RQ worker whose work horse is forked before its job arrives and serves many jobs.

RQ's `Worker` forks once a job is dequeued, so the fork, the child's new Redis connection and
its first copy-on-write faults lie between one step's end and the next one's start. This
worker forks a spare work horse while it is idle instead: the spare connects to Redis and waits
on a pipe; when a job arrives the worker writes the job's id to that pipe and watches the
spare exactly as RQ watches a horse it has just forked (a crash fails the step, not the worker;
timeouts and stop commands kill it the same way). Should the spare have died meanwhile, the
worker forks as RQ does.

A horse whose job succeeded says so on a second pipe and waits for the next job instead of
exiting (up to `jobs_per_horse` jobs): the pages it copied from the worker (every object a step
touches, its reference counts written) stay copied, where a fresh horse pays a page fault for
each of them again on every step. A horse whose job failed, or was killed, is not reused.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
import select
import signal
import time
from collections.abc import Callable
from typing import Any

from rq import Worker
from rq.executions import Execution
from rq.worker.base import SHUTDOWN_SIGNAL
from rq.worker.base import logger as rq_logger

from jobs.heartbeat import OneTripHeartbeat


class PreforkWorker(OneTripHeartbeat, Worker):
    """`rq.Worker` with a work horse forked in advance (see the module docstring).

    `warm_spare`: what each spare runs, one after another, before it waits; the pages they
    touch are then copied into the spare's memory (copy-on-write) before the job arrives
    rather than during it. A job that arrives meanwhile stops the warming at the next one.
    """

    warm_spare: tuple[Callable[[], None], ...] = ()
    # How many jobs one horse runs before it exits and a fresh one is forked: what a step
    # leaves behind in module state (caches, a leak) lives at most this long.
    jobs_per_horse: int = 100

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A horse waiting for a job, and the one running the current job (None when RQ forked
        # it itself): (pid, write end of its order pipe, read end of its done pipe).
        self._spare: tuple[int, int, int] | None = None
        self._running: tuple[int, int, int] | None = None
        self._running_done = False  # the running horse said its job ended and it is reusable

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):  # noqa: ANN001 - RQ's
        self._ensure_spare()
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def fork_work_horse(self, job, queue) -> None:  # noqa: ANN001 - RQ's signature
        spare, self._spare = self._spare, None
        self._running, self._running_done = None, False
        if spare is not None and self._hand_over(spare, job, queue):
            os.environ["RQ_WORKER_ID"] = self.name
            os.environ["RQ_JOB_ID"] = job.id
            self._horse_pid = spare[0]
            self._running = spare
            self.procline(f"Handed {job.id} to {spare[0]} at {time.time()}")
            return
        super().fork_work_horse(job, queue)

    def wait_for_horse(self):  # noqa: ANN201 - RQ's signature
        """Wait until the horse's job ends: it exits (RQ's way), or it says on its done pipe
        that the job ended and it waits for the next one (then it becomes the spare).

        RQ calls this under an alarm (its monitoring interval) that raises to interrupt the
        wait; the done pipe is read with that alarm held back, and what was read is kept, so
        an alarm never loses the horse's word.
        """
        running = self._running
        if running is None:
            return super().wait_for_horse()
        pid, _order, done = running
        if not self._running_done:
            select.select([done], [], [])  # interruptible: nothing is consumed here
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            try:
                said = os.read(done, 64)
                if said:
                    self._running_done = True
                else:  # EOF: the horse is gone (crashed, killed, or exited after a failure)
                    self._running = None
                    _close(running[1:])
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        if self._running is None:
            return super().wait_for_horse()
        # Its job ended and it waits for the next one: it is the spare now.
        self._running, self._running_done = None, False
        self._spare = running
        return pid, os.EX_OK, None

    def teardown(self) -> None:
        self._drop_spare()
        super().teardown()

    def kill_horse(self, sig: signal.Signals = SHUTDOWN_SIGNAL) -> None:
        # A horse killed while it said it was done (a stop command racing the job's end) must
        # not be kept as the spare: forget its word, wait_for_horse then reaps it.
        self._running_done = False
        super().kill_horse(sig)

    # -- the worker's side ---------------------------------------------------------------------

    def _ensure_spare(self) -> None:
        if self._spare is not None:
            pid = self._spare[0]
            done, _status = _reap(pid)
            if not done:
                return
            self._drop_spare()  # it died while waiting (killed by hand, out of memory)
        order_read, order_write = os.pipe()
        done_read, done_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            _close((order_write, done_read))
            self._spare_main(order_read, done_write)  # never returns
        _close((order_read, done_write))
        self._spare = (pid, order_write, done_read)

    def _hand_over(self, spare: tuple[int, int, int], job, queue) -> bool:  # noqa: ANN001
        pid, order, _done = spare
        execution = self.execution  # RQ's execute_job prepared it before forking
        assert execution is not None
        message = json.dumps({"job": job.id, "queue": queue.name, "execution": execution.id})
        try:
            os.write(order, message.encode() + b"\n")
        except OSError:  # the spare is gone: fork as RQ does
            _close(spare[1:])
            _reap(pid, block=True)
            return False
        return True

    def _drop_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is None:
            return
        pid = spare[0]
        _close(spare[1:])
        # It holds no job: stopping it at once cannot lose work, and it may be warming up or
        # waiting on Redis rather than reading its pipe.
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        _reap(pid, block=True)

    # -- the spare's side ----------------------------------------------------------------------

    def _spare_main(self, orders: int, done: int) -> None:
        """Wait for a job on `orders`, be its work horse, say on `done` that it ended, and wait
        for the next one; exit when the worker is gone, after a failed job, or after
        `jobs_per_horse` jobs."""
        # What the spare inherits is never collected here: a collection would write to (and
        # so copy) every page of it. Freezing is a few pointer moves.
        gc.freeze()
        try:
            os.setpgrp()
            self.setup_work_horse_signals()
            self._spare = None
            # Connect now (the worker's connections are not this process's), not when the job
            # has arrived: twice, as RQ's end of a job holds one connection for its WATCH and
            # reads with another (each new one is a connect and five round trips).
            with self.connection.pipeline() as watching:
                watching.watch(self.key)
                self.connection.ping()
            for warm in self.warm_spare:
                if select.select([orders], [], [], 0)[0]:
                    break  # the job is here: better to run it than to warm up for it
                with contextlib.suppress(Exception):  # only ever a head start
                    warm()
        except BaseException:  # noqa: BLE001 - a horse never returns into the worker's loop
            os._exit(1)
        for served in range(1, max(1, self.jobs_per_horse) + 1):
            try:
                order = _read_line(orders)
                if not order:
                    os._exit(0)
                job, queue, execution = self._take_order(order)
                # What RQ's main_work_horse does, without exiting afterwards.
                random.seed()
                self._is_horse = True
                self.log = rq_logger
                succeeded = self.perform_job(job, queue, execution)
            except BaseException:  # noqa: BLE001
                os._exit(1)
            if not succeeded or served >= self.jobs_per_horse:
                # As RQ's horse: exiting ends the job for the worker (which reads a failed
                # job's state from Redis); saying "done" would promise another one.
                os._exit(0)
            try:
                os.write(done, b"done\n")
            except OSError:
                os._exit(0)
        os._exit(0)

    def _take_order(self, order: bytes) -> tuple[Any, Any, Execution]:
        request = json.loads(order)
        os.environ["RQ_WORKER_ID"] = self.name
        os.environ["RQ_JOB_ID"] = request["job"]
        job = self.job_class(request["job"], connection=self.connection, serializer=self.serializer)
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
        return job, queue, execution


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


def _close(fds: tuple[int, ...]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
