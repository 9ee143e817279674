"""Every number and name the jobs package relies on, in one place.

The control plane's settings (app/settings.py) take their defaults from here too. Importing this
module is cheap (rq is imported only when SERIALIZER is first read), so the CLI and the UI can.
"""

import hashlib
from typing import Any


def __getattr__(name: str) -> Any:
    # Job data, meta and results travel as JSON, never pickles: anything that can write to Redis
    # could otherwise make every process that reads a job run code. Give SERIALIZER to every
    # Queue, Job and Worker (a plain `rq worker` needs `--serializer
    # rq.serializers.JSONSerializer`).
    if name == "SERIALIZER":
        from rq.serializers import JSONSerializer

        return JSONSerializer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Redis list that step tasks push their outcome onto when a step ends, one per workspace (the
# suffix): the control plane's monitor wakes on it. Entries outlive a control-plane restart.
EVENTS_KEY = "flowbench:events"
# How long RQ keeps a step job's result while its run goes on: downstream steps read their
# inputs' URIs from it, and the control plane reads it when it missed the step's event (it
# was down). A week covers a control plane left stopped over a long weekend; a shorter TTL
# could lose a result before anyone recorded it, and the run would fail as "job is gone".
RESULT_TTL = 7 * 24 * 3600
FAILURE_TTL = 7 * 24 * 3600
# Once the run has ended, the workspace holds everything its history shows (outputs, metrics,
# errors, log URIs), so its jobs stay in Redis only this much longer (for `rq info` and the
# like) instead of a week each.
ENDED_RUN_JOB_TTL = 3600
DEFAULT_STEP_TIMEOUT = 3600
# What OpenMP and the BLAS libraries read, once, for their thread count: a worker sets each to 1
# before it preloads anything (N workers on N cores, not N x cores threads fighting).
MATH_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# A worker whose heartbeat is older than this while it holds a started step is taken for dead.
WORKER_STALE_AFTER = 30
# Our workers heartbeat this often while a step runs (RQ's default is 30 s).
JOB_MONITORING_INTERVAL = 5
# The queue every worker serves unless told otherwise, and the compute target every workspace
# has (storage's first migration creates it, on that queue); a pipeline runs on it by default.
DEFAULT_QUEUE = "default"
DEFAULT_COMPUTE = "default"


def events_key(workspace: str) -> str:
    """The events list of one workspace, so control planes sharing a Redis never mix them."""
    return f"{EVENTS_KEY}:{hashlib.sha256(workspace.encode()).hexdigest()[:12]}"


def job_id(run_id: str, node_id: str) -> str:
    """The RQ job id of a step: stable, so the control plane can find it again."""
    return f"fb-{run_id}-{node_id}"


# Apply SQL Transformation's sandbox (jobs.runtime.sql): a query is interrupted after this long,
# and its DuckDB connection may use this much memory and these many threads.
SQL_TIME_LIMIT_S = 60.0
SQL_MEMORY_LIMIT = "1GB"
SQL_THREADS = 1
# ... and its result may hold at most this many rows and bytes (Arrow), checked while fetching.
SQL_MAX_ROWS = 10_000_000
SQL_MAX_RESULT_BYTES = 512 * 2**20
# Import Data over http(s) (jobs.runtime.files): connect/read timeout.
HTTP_TIMEOUT_S = 30.0
# Execute Python Script / Create Python Model (jobs.runtime.python): the user's code runs in a
# child process stopped after this long, limited to this much address space (which includes
# what numpy, pandas and scikit-learn map when imported), and its output is cut at this length.
PYTHON_TIME_LIMIT_S = 600.0
PYTHON_MEMORY_LIMIT_BYTES = 4 * 2**30
PYTHON_MAX_LOG_CHARS = 200_000
# The sandbox (jobs.runtime.sandbox): processes and threads of the sandbox's user (a uid of its
# own per sandbox, so each sandbox has its own count), the size of its private /tmp (also the
# largest file it may write), and the largest result it may send back.
PYTHON_MAX_PROCESSES = 256
PYTHON_TMP_BYTES = 512 * 2**20
PYTHON_MAX_RESULT_BYTES = 2**30
