"""The scoring pod, run here as the kubelet would run it: the Deployment and Secret that
deploy_endpoint put on the (fake) cluster are turned into a process (env from the Secret, the
keys file written the kubelet's way, $(VAR) expanded, probes polled), which downloads the bundle
with its token, answers its readiness probe, scores like Score Model did in training, and
follows a key rotation made by patching the Secret (the kubelet's symlink swap, no restart).

What stays untried here: a container runtime, image pulls, a real kubelet and network."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from jobs import defaults
from jobs.kube import (
    KubeEndpointSpec,
    KubeWorkerSpec,
    deploy_endpoint,
    deploy_workers,
    update_endpoint_keys,
)
from jobs.serving.keys import hash_key, new_key
from tests.conftest import free_port

NAME = "fb-ep-car-prices"
TOKEN = "bundle-token-for-this-deployment"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from threadpoolctl import threadpool_limits

    from tests.jobs.inference.conftest import build_tutorial_bundle, scored_test_rows

    with threadpool_limits(limits=1):
        built = build_tutorial_bundle(tmp_path_factory.mktemp("bundle"))
    rows, scores = scored_test_rows(built)
    return built.info, rows, scores


@pytest.fixture(scope="module")
def bundle_server(bundle):
    """The control plane's GET /endpoints/{name}/bundle, as the pods see it: bearer token only."""
    info, _, _ = bundle
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802 - http.server's naming
            seen.append(self.headers.get("Authorization"))
            if self.path != "/endpoints/car-prices/bundle" or (
                self.headers.get("Authorization") != f"Bearer {TOKEN}"
            ):
                self.send_response(401)
                self.end_headers()
                return
            data = Path(info.path).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def kubelet_write(folder: Path, files: dict[str, bytes]) -> None:
    """Write a Secret volume as the kubelet's atomic writer does: a timestamped folder, the
    `..data` symlink swapped onto it, and each file a symlink through `..data`."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / f"..{time.time_ns()}"
    stamp.mkdir()
    for name, data in files.items():
        (stamp / name).write_bytes(data)
    temporary = folder / "..data_tmp"
    os.symlink(stamp.name, temporary)
    old = os.readlink(folder / "..data") if (folder / "..data").is_symlink() else None
    os.replace(temporary, folder / "..data")
    for name in files:
        if not (folder / name).is_symlink():
            os.symlink(f"..data/{name}", folder / name)
    if old:
        for leftover in (folder / old).iterdir():
            leftover.unlink()
        (folder / old).rmdir()


class Pod:
    """One container of a Deployment's pod template, run as a local process."""

    def __init__(self, deployment: dict, secret: dict, root: Path):
        self.template = deployment["spec"]["template"]["spec"]
        self.container = self.template["containers"][0]
        self.secret = {k: base64.b64decode(v) for k, v in secret["data"].items()}
        self.name_of_secret = secret["metadata"]["name"]
        self.pod_name = f"{deployment['metadata']['name']}-5d9c7f-x2k8q"
        self.root = root
        self.port = free_port()  # the pod's own network namespace, here a free port
        self.mounts: dict[str, Path] = {}
        self.process: subprocess.Popen | None = None

    def local(self, value: str) -> str:
        for mount_path, folder in sorted(self.mounts.items(), key=lambda m: -len(m[0])):
            if value == mount_path or value.startswith(mount_path + "/"):
                return str(folder) + value[len(mount_path) :]
        return value

    def write_volumes(self, secret: dict | None = None) -> None:
        if secret is not None:
            self.secret = {k: base64.b64decode(v) for k, v in secret["data"].items()}
        volumes = {v["name"]: v for v in self.template["volumes"]}
        for mount in self.container["volumeMounts"]:
            folder = self.root / mount["name"]
            self.mounts[mount["mountPath"]] = folder
            source = volumes[mount["name"]]
            if "secret" in source:
                kubelet_write(
                    folder,
                    {item["path"]: self.secret[item["key"]] for item in source["secret"]["items"]},
                )
            else:
                folder.mkdir(parents=True, exist_ok=True)

    def environment(self) -> dict[str, str]:
        """envFrom first, then env (which wins), as the kubelet resolves them."""
        env = {}
        for source in self.container.get("envFrom") or []:
            env.update({k: v.decode() for k, v in self.secret.items()})
            assert source["secretRef"]["name"] == self.name_of_secret
        for entry in self.container["env"]:
            if "value" in entry:
                env[entry["name"]] = self.local(entry["value"])
            elif "fieldRef" in entry["valueFrom"]:
                assert entry["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
                env[entry["name"]] = self.pod_name
            else:
                ref = entry["valueFrom"]["secretKeyRef"]
                assert ref["name"] == self.name_of_secret
                env[entry["name"]] = self.secret[ref["key"]].decode()
        return env

    def start(self) -> None:
        self.write_volumes()
        env = self.environment()
        command = [
            re.sub(r"\$\((\w+)\)", lambda m: env[m[1]], arg) for arg in self.container["command"]
        ]
        assert command[0] == "flowbench"
        command[0] = str(Path(sys.executable).with_name("flowbench"))
        if "--port" in command:
            command[command.index("--port") + 1] = str(self.port)
            command[command.index("--host") + 1] = "127.0.0.1"
        base = {k: v for k, v in os.environ.items() if not k.startswith("FLOWBENCH_")}
        self.log = self.root / "pod.log"
        self.process = subprocess.Popen(
            command,
            env={**base, **env},
            cwd=self.root,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def probe(self, kind: str) -> int:
        path = self.container[kind]["httpGet"]["path"]
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=2).status_code
        except httpx.TransportError:
            return 0

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One fake API server for the module (the pod below lives across its tests)."""
    from kube_fake_api import FakeKubeAPI

    api = FakeKubeAPI().start()
    config = api.write_kubeconfig(tmp_path_factory.mktemp("kube") / "kubeconfig")
    yield api, str(config)
    api.stop()


@pytest.fixture(scope="module")
def pod(cluster, bundle, bundle_server, tmp_path_factory):
    kube_api, kubeconfig = cluster
    tmp_path = tmp_path_factory.mktemp("pod")
    info, _, _ = bundle
    url, _ = bundle_server
    primary, secondary = new_key(), new_key()
    spec = KubeEndpointSpec(
        name="car-prices",
        bundle_url=f"{url}/endpoints/car-prices/bundle",
        bundle_token=TOKEN,
        primary_sha256=hash_key(primary),
        secondary_sha256=hash_key(secondary),
        bundle_sha256=info.sha256,
        version=info.sha256,
        kubeconfig=kubeconfig,
    )
    deploy_endpoint(spec)
    running = Pod(kube_api.get("deployments", NAME), kube_api.get("secrets", NAME), tmp_path)
    running.keys = (primary, secondary)
    running.start()
    deadline = time.monotonic() + 120  # the startup probe's budget: 60 x 2 s
    while running.probe("readinessProbe") != 200:
        assert running.process.poll() is None, running.log.read_text()
        assert time.monotonic() < deadline, running.log.read_text()
        time.sleep(0.2)
    yield running
    running.stop()


def score(pod: Pod, key: str, rows: list[dict]) -> httpx.Response:
    body = {"Inputs": {"WebServiceInput0": rows}, "GlobalParameters": {}}
    return httpx.post(
        f"http://127.0.0.1:{pod.port}/score",
        json=body,
        timeout=30,
        headers={"Authorization": f"Bearer {key}"},
    )


def test_the_pod_fetches_its_bundle_with_the_token_and_scores_like_training(
    pod, bundle, bundle_server
):
    _, rows, scores = bundle
    _, seen = bundle_server
    assert f"Bearer {TOKEN}" in seen
    assert pod.probe("livenessProbe") == 200
    answer = score(pod, pod.keys[0], rows[:3])
    assert answer.status_code == 200, answer.text
    got = [r["Scored Labels"] for r in answer.json()["Results"]["WebServiceOutput0"]]
    assert got == pytest.approx(scores[:3], rel=1e-9)
    assert score(pod, pod.keys[1], rows[:1]).status_code == 200
    assert score(pod, "not-a-key", rows[:1]).status_code == 401


def test_a_key_rotated_in_the_secret_reaches_the_running_pod(pod, cluster, bundle):
    kube_api, kubeconfig = cluster
    _, rows, _ = bundle
    old_primary, secondary = pod.keys
    fresh = new_key()
    update_endpoint_keys("car-prices", hash_key(fresh), hash_key(secondary), kubeconfig=kubeconfig)
    pid = pod.process.pid
    pod.write_volumes(kube_api.get("secrets", NAME))  # the kubelet syncs the patched Secret
    deadline = time.monotonic() + 30
    while score(pod, fresh, rows[:1]).status_code != 200:
        assert time.monotonic() < deadline, "the new key was never accepted"
        time.sleep(0.2)
    assert score(pod, old_primary, rows[:1]).status_code == 401
    assert score(pod, secondary, rows[:1]).status_code == 200  # clients on it kept working
    assert pod.process.pid == pid and pod.process.poll() is None  # no restart


def test_a_worker_pod_serves_the_queue_keda_watches_under_its_pod_name(
    cluster, redis_url, tmp_path
):
    """The worker Deployment's container, run here with its Secret's env against a real Redis:
    it registers as an RQ worker named after the pod (its heartbeats on the Compute page) and
    runs what is enqueued on the list the ScaledObject counts."""
    from redis import Redis
    from rq import Queue, Worker

    kube_api, kubeconfig = cluster
    kube_api.keda = True
    spec = KubeWorkerSpec(
        name="pod-contract",
        queue="kube-pod-contract",
        redis_url=redis_url,
        kubeconfig=kubeconfig,
        env={"FLOWBENCH_ARTIFACTS": f"file://{tmp_path}/artifacts"},
    )
    deploy_workers(spec)
    deployment = kube_api.get("deployments", spec.object_name)
    scaled = kube_api.get("scaledobjects", spec.object_name)
    worker = Pod(deployment, kube_api.get("secrets", spec.object_name), tmp_path)
    connection = Redis.from_url(redis_url)
    queue = Queue(spec.queue, connection=connection, serializer=defaults.SERIALIZER)
    queue.empty()
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while worker.pod_name not in {w.name for w in Worker.all(queue=queue)}:
            assert worker.process.poll() is None, worker.log.read_text()
            assert time.monotonic() < deadline, worker.log.read_text()
            time.sleep(0.3)
        job = queue.enqueue("builtins.len", [1, 2, 3])
        trigger = scaled["spec"]["triggers"][0]["metadata"]
        assert trigger["listName"] == queue.key  # what KEDA counts is where the job waited
        while job.get_status(refresh=True).value != "finished":
            assert time.monotonic() < deadline, worker.log.read_text()
            time.sleep(0.2)
        assert job.return_value() == 3
        assert (
            Worker.find_by_key(f"rq:worker:{worker.pod_name}", connection=connection).last_heartbeat
            is not None
        )
    finally:
        worker.stop()
        queue.empty()
