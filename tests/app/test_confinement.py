"""Confinement seen through a running stack: cancel and timeouts end user code, forged Redis data
runs nothing, tampered artifacts are refused (issue 9)."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from redis import Redis

from app.client import ClientError
from jobs import defaults
from jobs.runtime.sandbox import sandbox_problem
from tests.conftest import ROOT
from tests.jobs.runtime.test_sandbox_escapes import processes_with

pytestmark = pytest.mark.skipif(
    sandbox_problem() is not None, reason=f"the sandbox cannot run here: {sandbox_problem()}"
)


def python_spec(
    dataset: str, script: str, timeout: int | None = None, compute: str = "default"
) -> dict:
    """A pipeline: one dataset into Execute Python Script."""
    node = {
        "id": "py",
        "component": "execute_python_script",
        "version": 1,
        "params": {"python_script": script},
    }
    if timeout is not None:
        node["timeout"] = timeout
    return {
        "schema_version": 1,
        "name": "confinement",
        "parameters": [],
        "settings": {"default_compute": compute},
        "nodes": [{"id": "data", "dataset": dataset, "dataset_version": None}, node],
        "edges": [{"source": "data.dataset", "target": "py.dataset1"}],
    }


def busy_script(marker: str) -> str:
    """A script that leaves a detached `sleep <marker>` behind and then spins."""
    return (
        "import subprocess, sys\n"
        "def azureml_main(dataframe1=None, dataframe2=None):\n"
        f"    subprocess.Popen(['sleep', '{marker}'], start_new_session=True,\n"
        "                     stdout=sys.stdout)\n"
        "    while True:\n"
        "        pass\n"
    )


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_cancel_ends_every_process_of_a_running_script(client):
    """Canceling a run whose script spins (with a detached grandchild) leaves no process."""
    marker = str(5_000_000 + uuid.uuid4().int % 1_000_000)
    run = client.submit(
        python_spec("pima-diabetes", busy_script(marker)),
        experiment="confinement",
        force_rerun=True,
    )
    wait_until(lambda: processes_with(marker), 120, "the script never started")
    assert client.cancel(run.id).status.value == "canceled"
    wait_until(lambda: not processes_with(marker), 10, "the sandbox outlived the cancel")


def test_a_step_timeout_ends_every_process_with_a_message(client):
    """A node timeout stops the script and what it started; the step says it timed out."""
    marker = str(6_000_000 + uuid.uuid4().int % 1_000_000)
    detail = client.wait(
        client.submit(
            python_spec("pima-diabetes", busy_script(marker), timeout=4),
            experiment="confinement",
            force_rerun=True,
        ).id,
        timeout=180,
    )
    step = next(s for s in detail.steps if s.node_id == "py")
    assert step.status.value == "failed"
    assert "ran longer than its timeout (4 s) and was stopped" in step.error
    wait_until(lambda: not processes_with(marker), 10, "the sandbox outlived the timeout")


class Plant:
    """Unpickling this runs `touch <path>`."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def test_a_forged_pickle_in_redis_runs_nothing(stack, client, redis_url, tmp_path):
    """Job data and meta overwritten with a code-running pickle: the control plane's sweeps and
    a worker read them as JSON, so the code never runs."""
    queue = f"forged-{uuid.uuid4().hex[:6]}"
    client.put_compute_target(queue, queue=queue)
    run = client.submit(
        python_spec("pima-diabetes", "def azureml_main(a, b):\n    return a,\n", compute=queue),
        experiment="confinement",
        force_rerun=True,
    )
    redis = Redis.from_url(redis_url)
    key = f"rq:job:{defaults.job_id(run.id, 'py')}"
    assert redis.exists(key)
    data_marker, meta_marker = tmp_path / "from-data", tmp_path / "from-meta"
    redis.hset(
        key,
        mapping={
            "data": pickle.dumps(Plant(str(data_marker))),
            "meta": pickle.dumps(Plant(str(meta_marker))),
        },
    )
    time.sleep(3)  # the control plane sweeps active runs every second
    # A plain RQ worker (no preloading: quick to start) takes the forged job.
    subprocess.run(
        [
            str(Path(sys.executable).parent / "rq"),
            "worker",
            "--burst",
            "--url",
            redis_url,
            "--serializer",
            "rq.serializers.JSONSerializer",
            queue,
        ],
        env=stack.env,
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    time.sleep(2)
    assert not data_marker.exists() and not meta_marker.exists()
    assert client.run(run.id).steps[-1].status.value != "completed"
    client.cancel(run.id)


def test_a_tampered_table_fails_the_step_and_is_never_previewed(stack, client):
    """A dataset's Parquet file changed on disk: the preview refuses it, a run's step fails."""
    name = f"tamper-{uuid.uuid4().hex[:6]}"
    version = client.upload_dataset(name, "t.csv", b"x,y\n1,2\n3,4\n")
    assert [r["x"] for r in client.preview_dataset(name, version.version)["rows"]] == [1, 3]
    path = stack.home / "artifacts" / version.uri.removeprefix("artifacts://")
    buffer = io.BytesIO()
    pq.write_table(
        pa.Table.from_pandas(pd.DataFrame({"x": [666, 3], "y": [2, 4]}), preserve_index=False),
        buffer,
    )
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ClientError, match="was modified after it was written"):
        client.preview_dataset(name, version.version)
    detail = client.wait(
        client.submit(
            python_spec(name, "def azureml_main(a, b):\n    return a,\n"),
            experiment="confinement",
            force_rerun=True,
        ).id,
        timeout=120,
    )
    step = next(s for s in detail.steps if s.node_id == "py")
    assert step.status.value == "failed"
    assert "was modified after it was written" in step.error


def test_health_answers_while_an_upload_is_parsed(stack, client):
    """A large CSV is parsed off the event loop: /health keeps answering meanwhile."""
    import threading

    import httpx

    rows = "\n".join(f"{i},{i * 0.5},name{i % 97}" for i in range(150_000))
    data = f"a,b,c\n{rows}\n".encode()
    done = threading.Event()
    answers_during_upload = []

    def upload() -> None:
        try:
            client.upload_dataset(f"big-{uuid.uuid4().hex[:6]}", "big.csv", data)
        finally:
            done.set()

    thread = threading.Thread(target=upload)
    thread.start()
    while not done.is_set():
        response = httpx.get(f"{stack.api_url}/health", timeout=30)
        if not done.is_set():
            answers_during_upload.append(response.status_code)
        time.sleep(0.05)
    thread.join()
    assert answers_during_upload.count(200) >= 2


def test_the_api_refuses_a_foreign_host(stack):
    """A request whose Host is not one of the API's names is refused (DNS rebinding)."""
    import httpx

    assert httpx.get(f"{stack.api_url}/health").status_code == 200
    refused = httpx.get(f"{stack.api_url}/health", headers={"Host": "evil.example"})
    assert refused.status_code == 400
