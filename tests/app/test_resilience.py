"""What happens when processes stop: the control plane, a worker; and a plain `rq worker`."""

import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT, make_stack

TUTORIAL = json.loads((ROOT / "examples" / "automobile_price.json").read_text())


@pytest.fixture
def own_stack(tmp_path, redis_url):
    """A control plane of its own (no workers), so a test can stop and start it."""
    running = make_stack(tmp_path / "ws", redis_url, FLOWBENCH_WORKER_STALE_AFTER="8")
    running.start_api()
    yield running
    running.stop_all()


def on_queue(spec, queue):
    spec = json.loads(json.dumps(spec))
    spec["settings"] = {"default_compute": queue}
    return spec


def test_steps_finished_while_the_control_plane_was_down_are_recorded(own_stack):
    """Work done while the control plane is stopped is recorded when it starts again."""
    queue = f"q-{uuid.uuid4().hex[:6]}"
    client = own_stack.client()
    client.put_compute_target(queue, queue=queue)
    run = client.submit(on_queue(TUTORIAL, queue), experiment="restart", force_rerun=True)
    client.close()
    own_stack.stop("api")
    worker = own_stack.start_worker("burst", queue, burst=True)
    assert worker.wait(timeout=180) == 0
    own_stack.start_api()
    client = own_stack.client()
    detail = client.wait(run.id, timeout=30)
    assert detail.run.status.value == "completed"
    assert all(s.status.value == "completed" for s in detail.steps)
    assert "Coefficient_of_Determination" in detail.steps[-1].metrics


def start_slow_training(stack, worker: str):
    """Submit a run whose Train Model step takes minutes, on a queue of its own with one worker;
    return the client, the queue and the run once that step is running."""
    queue = f"q-{uuid.uuid4().hex[:6]}"
    client = stack.client()
    client.put_compute_target(queue, queue=queue)
    spec = on_queue(TUTORIAL, queue)
    spec["nodes"][4].update(
        component="boosted_decision_tree_regression",
        params={"num_trees": 500000, "min_leaf_instances": 1},
    )
    run = client.submit(spec, experiment="slow", force_rerun=True)
    stack.start_worker(worker, queue)
    deadline = time.monotonic() + 120
    while client.run(run.id).steps[4].status.value != "running":  # train
        assert time.monotonic() < deadline, "train never started"
        time.sleep(0.2)
    return client, queue, run


def test_a_run_whose_worker_died_is_failed_not_left_running(own_stack):
    """Killing the worker mid-step fails the step and the run within the stale limit."""
    client, _, run = start_slow_training(own_stack, "doomed")
    own_stack.stop("doomed", signal.SIGKILL)  # the worker and its work horse
    detail = client.wait(run.id, timeout=60)
    train = next(s for s in detail.steps if s.node_id == "train")
    assert train.status.value == "failed"
    assert "stopped before the step finished" in train.error
    assert detail.run.status.value == "failed"


def test_a_plain_rq_worker_runs_steps_too(own_stack, redis_url):
    """`rq worker` with the same queue runs a pipeline without Flowbench's preloading."""
    queue = f"q-{uuid.uuid4().hex[:6]}"
    client = own_stack.client()
    client.put_compute_target(queue, queue=queue)
    run = client.submit(on_queue(TUTORIAL, queue), experiment="plain", force_rerun=True)
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "rq"),
            "worker",
            "--burst",
            "--url",
            redis_url,
            "--serializer",
            "rq.serializers.JSONSerializer",
            "--job-monitoring-interval",
            "2",
            queue,
        ],
        env=own_stack.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    detail = client.wait(run.id, timeout=30)
    assert detail.run.status.value == "completed", [s.error for s in detail.steps]


def test_a_no_fork_worker_runs_steps(own_stack):
    """`flowbench worker --no-fork` runs a pipeline to completion, same results."""
    queue = f"q-{uuid.uuid4().hex[:6]}"
    client = own_stack.client()
    client.put_compute_target(queue, queue=queue)
    own_stack.start_worker("inline", queue, fork=False)
    detail = client.wait(
        client.submit(on_queue(TUTORIAL, queue), experiment="inline", force_rerun=True).id,
        timeout=120,
    )
    assert detail.run.status.value == "completed"
    assert "Coefficient_of_Determination" in detail.steps[-1].metrics


def test_cancel_stops_a_running_step(own_stack):
    """Canceling a run stops the step a worker is running and frees the worker."""
    client, queue, slow = start_slow_training(own_stack, "busy")
    assert client.cancel(slow.id).status.value == "canceled"
    steps = {s.node_id: s.status.value for s in client.run(slow.id).steps}
    assert steps["train"] == "canceled" and steps["evaluate"] == "canceled"
    quick = client.submit(on_queue(TUTORIAL, queue), experiment="cancel", force_rerun=True)
    assert client.wait(quick.id, timeout=60).run.status.value == "completed"
