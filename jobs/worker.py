"""Running an RQ worker that has the component library loaded before it forks.

RQ's forking worker imports a job's modules in the child unless the parent already has them:
about 3 s per step for scikit-learn versus milliseconds when preloaded. So the parent imports
the whole library first, and every forked step finds it in memory.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import logging
import os
import signal
import socket
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable

from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker

from jobs import defaults
from jobs.heartbeat import OneTripHeartbeat
from jobs.prefork import PreforkWorker
from jobs.ready_queue import ReadyQueue

log = logging.getLogger("flowbench.worker")

PRELOAD = (
    "components",
    "components.library",
    "jobs.step",
    "storage.artifacts",
    "sklearn.ensemble",
    "sklearn.linear_model",
    "sklearn.metrics",
    "sklearn.pipeline",
    "sklearn.compose",
    "sklearn.preprocessing",
    "pyarrow.parquet",
    "joblib",
)


def preload() -> None:
    """Import what steps need and run a tiny pipeline once, so forked work horses inherit it.

    Imports alone are not enough: pandas, pyarrow and scikit-learn import more on first use
    (pyarrow.dataset on the first Parquet read, for one), which every work horse would pay for
    again and lose when it exits.
    """
    for module in PRELOAD:
        importlib.import_module(module)
    _warm_up()
    # Checked once here, so forked work horses inherit the answer instead of probing again.
    from jobs.runtime.sandbox import sandbox_problem, unconfined_allowed

    problem = sandbox_problem()
    if problem is not None:
        print(
            f"flowbench worker: the Python sandbox cannot start ({problem}); user Python "
            + (
                "runs UNCONFINED (FLOWBENCH_UNSAFE_UNCONFINED_PYTHON)."
                if unconfined_allowed()
                else "steps will fail until it is fixed."
            ),
            file=sys.stderr,
        )
    _check_store()


def _check_store() -> None:
    """Reach the artifact store the steps will use (FLOWBENCH_ARTIFACTS), so a wrong location
    or key stops the worker at start, and the store's client libraries are imported once here
    rather than in every work horse."""
    from storage.artifacts import ArtifactStore

    ArtifactStore.from_environment().check()


def _warm_up() -> None:
    import numpy as np
    import pandas as pd

    from storage.artifacts import ArtifactStore

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=40),
            "n": np.arange(40),
            "s": ["a", "b"] * 20,
            "c": pd.Categorical(["u", "v", "w", "u"] * 10),
            "flag": [True, False] * 20,
            "y": rng.normal(size=40),
            "label": ["yes", "no"] * 20,
        }
    )
    # Components print what they did for the step log; here nobody reads it.
    with tempfile.TemporaryDirectory() as root, contextlib.redirect_stdout(io.StringIO()):
        store = ArtifactStore(root)
        frame = store.get_table(store.put_table(frame).uri)
        store.preview(store.put_table(frame.head(3)).uri)
        for learner, label in (
            ("linear_regression", "y"),
            ("two_class_logistic_regression", "label"),
        ):
            model = _run(learner)["untrained_model"]
            trained = _run("train_model", untrained_model=model, dataset=frame, label_column=label)[
                "trained_model"
            ]
            trained = store.get_object(store.put_object(trained))
            scored = _run("score_model", trained_model=trained, dataset=frame)["scored_dataset"]
            _run("evaluate_model", scored_dataset=scored)


class _SpareWarmUp:
    """What a spare work horse does while it waits (`PreforkWorker.warm_spare`): read a table
    and a model back from a store and write a table, the paths every step takes, so that the
    pages they touch are the spare's own before its job arrives."""

    def __init__(self) -> None:
        import numpy as np
        import pandas as pd

        from storage.artifacts import ArtifactStore

        self._folder = tempfile.TemporaryDirectory(prefix="flowbench-spare-")
        self._store = ArtifactStore(self._folder.name)
        frame = pd.DataFrame({"x": np.arange(20.0), "s": ["a", "b"] * 10})
        self._table = self._store.put_table(frame).uri
        self._model = self._store.put_object({"model": frame.head(2)})

    def steps(self) -> tuple[Callable[[], None], ...]:
        return (self._read_table, self._read_model, self._write_table)

    def _read_table(self) -> None:
        self._store.get_table(self._table)

    def _read_model(self) -> None:
        self._store.get_object(self._model)

    def _write_table(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        frame = self._store.get_table(self._table)
        pq.write_table(pa.Table.from_pandas(frame), pa.BufferOutputStream())


def _run(component_id: str, **arguments: object) -> dict:
    import components

    component = components.get(component_id)
    ports = {p.name for p in component.spec.inputs}
    inputs = {k: v for k, v in arguments.items() if k in ports}
    params = {k: v for k, v in arguments.items() if k not in ports}
    return component.run(inputs, params)


class InlineWorker(OneTripHeartbeat, SimpleWorker):
    """Runs each step in the worker process itself instead of a forked work horse.

    Much less overhead per step where fork is costly, at the price of isolation: a step that
    crashes the interpreter takes the worker with it (the control plane then fails the step),
    and a running step cannot be stopped by cancel. A thread keeps the heartbeat going while a
    step runs, so the control plane can still tell a busy worker from a dead one.
    """

    def execute_job(self, job, queue):  # noqa: ANN001 - RQ's signature
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.job_monitoring_interval):
                with contextlib.suppress(Exception):
                    self.heartbeat(self.job_monitoring_interval + 60)

        threading.Thread(target=beat, name="flowbench-heartbeat", daemon=True).start()
        try:
            return super().execute_job(job, queue)
        finally:
            stop.set()


def run_worker(
    redis_url: str,
    queues: list[str],
    *,
    name: str | None = None,
    burst: bool = False,
    fork: bool = True,
) -> bool:
    """Preload, then work the given queues until stopped (or, in burst mode, until empty).

    `fork=False` runs steps in this process (see InlineWorker).
    """
    # One math thread per worker (read once, at first use, so before preloading).
    for variable in defaults.MATH_THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")
    preload()
    from jobs.runtime.python import remove_leftovers

    remove_leftovers()  # sandbox folders of steps killed with this machine's last workers
    # What preloading made lives as long as the worker: kept out of the collector's full
    # passes (hundreds of milliseconds over this heap, at random points of a step otherwise).
    gc.freeze()
    connection = Redis.from_url(redis_url)
    worker_class = PreforkWorker if fork else InlineWorker
    if fork:
        PreforkWorker.warm_spare = _SpareWarmUp().steps()
    name = name or f"flowbench-{socket.gethostname()}-{uuid.uuid4().hex[:6]}"
    pause = 0.5
    while True:
        worker = worker_class(
            [ReadyQueue(q, connection=connection, serializer=defaults.SERIALIZER) for q in queues],
            connection=connection,
            queue_class=ReadyQueue,
            serializer=defaults.SERIALIZER,
            name=name,
            job_monitoring_interval=defaults.JOB_MONITORING_INTERVAL,
        )
        # RQ retries a lost connection with a doubling pause up to 60 s; 5 s at most, so a
        # restarted Redis is back in use within seconds.
        worker.max_connection_wait_time = 5.0
        try:
            worked = worker.work(burst=burst, with_scheduler=False)
        except (RedisError, OSError) as exc:  # Redis went away while RQ registered the worker
            log.warning(
                "worker %s: Redis does not answer (%s); retrying in %.1f s", name, exc, pause
            )
            worked = False
        else:
            # RQ returns from work() on a stop request, in burst mode, and also when Redis
            # fails outside its dequeue loop; only the last case is ours to ride out.
            if burst or worker._stop_requested or _redis_answers(connection):
                return worked
            log.warning("worker %s: lost Redis; reconnecting", name)
        if not _wait_for_redis(connection, pause):
            return worked
        pause = min(pause * 2, 5.0)


def _redis_answers(connection: Redis) -> bool:
    try:
        return bool(connection.ping())
    except (RedisError, OSError):
        return False


def _wait_for_redis(connection: Redis, pause: float) -> bool:
    """Wait until Redis answers again; False when told to stop meanwhile (SIGTERM/SIGINT)."""
    stop = threading.Event()
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        while not stop.wait(pause):
            if _redis_answers(connection):
                return True
        return False
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
