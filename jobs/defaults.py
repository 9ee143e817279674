"""Every number and name the jobs package relies on, in one place."""

# Redis list that step tasks push a run id onto when a step ends: the control plane's monitor
# wakes on it. Entries outlive a control-plane restart, so nothing finished is missed.
EVENTS_KEY = "flowbench:events"
# How long RQ keeps a finished step's result: the control plane reads outputs from it, even
# after being down for a while.
RESULT_TTL = 30 * 24 * 3600
FAILURE_TTL = 30 * 24 * 3600
DEFAULT_STEP_TIMEOUT = 3600
# A worker whose heartbeat is older than this while it holds a started step is taken for dead.
WORKER_STALE_AFTER = 30
# Our workers heartbeat this often while a step runs (RQ's default is 30 s).
JOB_MONITORING_INTERVAL = 5
DEFAULT_QUEUE = "default"


def job_id(run_id: str, node_id: str) -> str:
    """The RQ job id of a step: stable, so the control plane can find it again."""
    return f"fb-{run_id}-{node_id}"
