"""Real-time endpoints end to end with real processes: train the tutorial, make and run its
real-time inference pipeline, deploy it locally, call it over HTTP, rotate keys under load,
restart the control plane under it, and delete it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, make_stack

TUTORIAL = json.loads((ROOT / "examples" / "automobile_price.json").read_text())


def _pid_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _server(home: Path, name: str) -> dict:
    return json.loads((home / "endpoints" / name / "server.json").read_text())


def _until(predicate, timeout: float = 60.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("the condition did not come true in time")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis_url):
    """A control plane of its own (the tests restart it) and one worker."""
    running = make_stack(tmp_path_factory.mktemp("endpoints-ws"), redis_url)
    running.start_api()
    running.start_worker("endpoints-worker")
    yield running
    running.stop_all()
    # Scoring servers outlive the control plane by design: stop those the tests left.
    from app.services.endpoint_processes import LocalServers

    LocalServers(running.home / "endpoints").stop_all()


@pytest.fixture(scope="module")
def trained(stack):
    client = stack.client()
    run = client.submit(TUTORIAL, experiment="endpoints")
    detail = client.wait(run.id, timeout=300)
    assert detail.run.status.value == "completed", detail.run.error
    return detail


@pytest.fixture(scope="module")
def cars(stack, trained):
    """Endpoint 'cars' deployed from the training run (the service makes and runs the
    real-time inference pipeline first)."""
    client = stack.client()
    client.deploy_endpoint("cars", trained.run.id)
    endpoint = client.wait_endpoint("cars", timeout=300)
    assert endpoint.status.value == "healthy", (
        endpoint.error,
        [m.message for m in client.endpoint_logs("cars")],
    )
    return endpoint


@pytest.fixture(scope="module")
def schema(stack, cars):
    return stack.client().endpoint_schema("cars")


def _score_model_rows(stack, trained, schema, count: int = 8):
    """Rows of the training run's Score Model output: the request rows (schema columns, the
    label left out) and the Scored Labels it gave."""
    client = stack.client()
    preview = client.output_preview(trained.run.id, "score", "scored_dataset", limit=count)
    columns = [c["name"] if isinstance(c, dict) else c for c in preview["columns"]]
    records = [
        dict(zip(columns, row, strict=True)) if isinstance(row, list) else row
        for row in preview["rows"]
    ]
    wanted = schema["inputs"][0]["columns"]
    sample = schema["sample_request"]["Inputs"][schema["inputs"][0]["name"]][0]
    # Columns the pipeline dropped before scoring do not change the answer: the sample's.
    rows = [{c["name"]: r.get(c["name"], sample.get(c["name"])) for c in wanted} for r in records]
    return rows, [r["Scored Labels"] for r in records]


def _run_without_a_model(client):
    """A completed run with no trained model (the data and Select Columns): one no endpoint
    can serve, so an update to it fails."""
    data_only = {
        "name": "no model",
        "nodes": [TUTORIAL["nodes"][0], next(n for n in TUTORIAL["nodes"] if n["id"] == "select")],
        "edges": [TUTORIAL["edges"][0]],
    }
    untrained = client.wait(client.submit(data_only, experiment="endpoints").id, timeout=300)
    assert untrained.run.status.value == "completed", untrained.run.error
    return untrained


def _post(url: str, body, key: str | None = None, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(url, json=body, headers=headers, timeout=30, **kwargs)


def test_inference_pipeline_drafts_leave_training_steps_out(stack, trained):
    client = stack.client()
    realtime = client.inference_pipeline(trained.run.id, "realtime")
    components = {n.get("component") for n in realtime.spec["nodes"]}
    assert {"web_service_input", "web_service_output"} <= components
    assert not components & {"train_model", "split_data", "evaluate_model"}
    assert realtime.source_run_id == trained.run.id
    batch = client.inference_pipeline(trained.run.id, "batch")
    assert "web_service_input" not in {n.get("component") for n in batch.spec["nodes"]}


def test_answers_equal_score_model_for_the_same_rows(stack, trained, cars, schema):
    rows, expected = _score_model_rows(stack, trained, schema)
    key = stack.client().endpoint_keys("cars")["primary"]
    name = schema["inputs"][0]["name"]
    response = _post(cars.url, {"Inputs": {name: rows}, "GlobalParameters": {}}, key)
    assert response.status_code == 200, response.text
    answer = next(iter(response.json()["Results"].values()))
    assert [r["Scored Labels"] for r in answer] == pytest.approx(expected, rel=1e-9)


def test_keys_are_required_and_bad_rows_are_named(stack, cars, schema):
    name = schema["inputs"][0]["name"]
    request = schema["sample_request"]
    assert _post(cars.url, request).status_code == 401
    assert _post(cars.url, request, "not-a-key").status_code == 401
    key = stack.client().endpoint_keys("cars")["secondary"]
    assert _post(cars.url, request, key).status_code == 200

    first = schema["inputs"][0]["columns"][0]["name"]
    row = dict(request["Inputs"][name][0])
    del row[first]
    missing = _post(cars.url, {"Inputs": {name: [row]}, "GlobalParameters": {}}, key)
    assert missing.status_code in (400, 422) and first in missing.text
    numeric = next(
        c["name"] for c in schema["inputs"][0]["columns"] if c["type"] in ("Double", "Integer")
    )
    wrong = dict(request["Inputs"][name][0], **{numeric: "many"})
    typed = _post(cars.url, {"Inputs": {name: [wrong]}, "GlobalParameters": {}}, key)
    assert typed.status_code in (400, 422) and numeric in typed.text
    garbage = httpx.post(
        cars.url,
        content=b"{not json",
        timeout=10,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert garbage.status_code in (400, 422)
    assert _post(cars.url, request, key).status_code == 200  # still serving


def test_a_key_rotates_while_a_client_keeps_calling(stack, cars, schema):
    """Regenerating the primary key never fails a client that uses the secondary key."""
    client = stack.client()
    secondary = client.endpoint_keys("cars")["secondary"]
    request = schema["sample_request"]
    statuses: list[int] = []
    stop = threading.Event()

    def keep_calling() -> None:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                statuses.append(
                    http.post(
                        cars.url, json=request, headers={"Authorization": f"Bearer {secondary}"}
                    ).status_code
                )

    caller = threading.Thread(target=keep_calling)
    caller.start()
    try:
        old = client.endpoint_keys("cars")["primary"]
        for _ in range(3):
            keys = client.regenerate_endpoint_key("cars", "primary")
            assert keys["secondary"] == secondary and keys["primary"] != old
            # The server re-reads its keys file: the new key works, the old one stops working.
            _until(lambda k=keys["primary"]: _post(cars.url, request, k).status_code == 200)
            _until(lambda o=old: _post(cars.url, request, o).status_code == 401)
            old = keys["primary"]
    finally:
        stop.set()
        caller.join()
    assert statuses and set(statuses) == {200}


def test_figures_count_requests(stack, cars, schema):
    client = stack.client()
    before = client.endpoint_stats("cars")
    key = client.endpoint_keys("cars")["primary"]
    for _ in range(3):
        assert _post(cars.url, schema["sample_request"], key).status_code == 200
    after = client.endpoint_stats("cars")
    assert after["available"] and after["requests"] >= before["requests"] + 3
    assert after["mean_ms"] is not None and after["mean_ms"] > 0


def test_the_endpoint_serves_while_the_control_plane_restarts(stack, cars, schema):
    key = stack.client().endpoint_keys("cars")["primary"]
    pid = _server(stack.home, "cars")["pid"]
    api = stack.processes.pop("api")  # killed hard, alone: its scoring server lives on
    api.kill()
    api.wait()
    assert _post(cars.url, schema["sample_request"], key).status_code == 200
    stack.start_api()
    client = stack.client()
    _until(
        lambda: any(
            "Watching the running scoring server" in line.message
            for line in client.endpoint_logs("cars")
        )
    )
    assert _server(stack.home, "cars")["pid"] == pid  # adopted, not restarted
    assert client.endpoint("cars").status.value == "healthy"

    # A server that dies is started again, at the same URL.
    os.killpg(pid, signal.SIGKILL)
    _until(lambda: _server(stack.home, "cars")["pid"] != pid)
    _until(lambda: client.endpoint("cars").status.value == "healthy")
    assert client.endpoint("cars").url == cars.url
    assert _post(cars.url, schema["sample_request"], key).status_code == 200


def test_the_bundle_download_needs_the_bundle_token(stack, cars):
    url = f"{stack.api_url}/endpoints/cars/bundle"
    assert httpx.get(url, timeout=10).status_code == 401
    assert httpx.get(url, params={"token": "guess"}, timeout=10).status_code == 403
    # The workspace token is not a bundle token either.
    assert (
        httpx.get(url, headers={"Authorization": f"Bearer {stack.token}"}, timeout=10).status_code
        == 403
    )


def test_the_cli_deploys_tests_rotates_and_deletes(stack, trained):
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "app.cli", "endpoints", *args],
            env=stack.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )

    deployed = cli("deploy", "--run", trained.run.id, "--name", "cars-cli", "--json")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    info = json.loads(deployed.stdout)
    sample = stack.client().endpoint_schema("cars-cli")["sample_request"]
    assert _post(info["url"], sample, info["primary_key"]).status_code == 200
    assert httpx.get(info["swagger_url"], timeout=10).json()["paths"]

    listed = json.loads(cli("list", "--json").stdout)
    assert {"cars-cli"} <= {e["name"] for e in listed}
    tested = cli("test", "cars-cli")
    assert tested.returncode == 0 and "Scored Labels" in tested.stdout
    keys = json.loads(cli("keys", "cars-cli", "--regenerate", "secondary", "--json").stdout)
    assert keys["primary"] == info["primary_key"] and keys["secondary"] != info["secondary_key"]

    updated = cli("update", "cars-cli", "--run", trained.run.id, "--json")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert json.loads(updated.stdout)["url"] == info["url"]
    assert cli("update", "cars-cli", "--run", "run_000000000000").returncode == 2  # 404

    pid = _server(stack.home, "cars-cli")["pid"]
    assert cli("delete", "cars-cli").returncode == 0
    assert not _pid_running(pid)
    assert cli("show", "cars-cli").returncode == 2  # 404: no such endpoint
    with pytest.raises(httpx.TransportError):
        httpx.post(
            info["url"],
            json=sample,
            timeout=5,
            headers={"Authorization": f"Bearer {info['primary_key']}"},
        )
    assert not (stack.home / "endpoints" / "cars-cli").exists()


def test_a_bad_name_a_missing_run_or_a_taken_name_is_refused(stack, trained, cars):
    client = stack.client()
    from app.client import ClientError

    with pytest.raises(ClientError) as bad_name:
        client.deploy_endpoint("Not OK", trained.run.id)
    assert bad_name.value.status == 422
    with pytest.raises(ClientError) as missing:
        client.deploy_endpoint("ghost", "run_000000000000")
    assert missing.value.status == 404
    with pytest.raises(ClientError) as taken:
        client.deploy_endpoint("cars", trained.run.id)
    assert taken.value.status == 409


def test_the_consume_tab_sample_code_runs_when_pasted(stack, cars, schema):
    from app.ui.endpoint_ops import sample_code

    key = stack.client().endpoint_keys("cars")["primary"]
    code = sample_code(cars.url, key, schema["sample_request"])
    curl = subprocess.run(["bash", "-c", code["curl"]], capture_output=True, text=True, timeout=60)
    assert curl.returncode == 0, curl.stderr
    assert (
        "Scored Labels"
        in json.loads(curl.stdout)["Results"][next(iter(json.loads(curl.stdout)["Results"]))][0]
    )
    python = subprocess.run(
        [sys.executable, "-c", code["python"]], capture_output=True, text=True, timeout=60
    )
    assert python.returncode == 0 and "Scored Labels" in python.stdout, python.stderr


def test_an_update_rolls_to_another_run_and_a_failed_one_rolls_back(stack, trained, cars):
    """URL and keys stay; the answers become the new run's; a bad update changes nothing."""
    from app.client import ClientError

    client = stack.client()
    client.deploy_endpoint("cars-roll", cars.inference_run_id)
    before = client.wait_endpoint("cars-roll", timeout=300)
    assert before.status.value == "healthy", before.error
    keys = client.endpoint_keys("cars-roll")

    other = json.loads(json.dumps(TUTORIAL))
    next(n for n in other["nodes"] if n["id"] == "split")["params"]["fraction"] = 0.6
    retrained = client.wait(client.submit(other, experiment="endpoints").id, timeout=300)
    assert retrained.run.status.value == "completed", retrained.run.error
    schema = client.endpoint_schema("cars-roll")
    rows, expected = _score_model_rows(stack, retrained, schema)
    old_rows, old_expected = _score_model_rows(stack, trained, schema)
    assert expected != pytest.approx(old_expected)  # the two models differ on these rows

    with pytest.raises(ClientError) as nothing:
        client.update_endpoint("cars-roll")
    assert nothing.value.status == 400 and "Nothing to update" in nothing.value.detail
    client.update_endpoint("cars-roll", run_id=retrained.run.id)
    after = client.wait_endpoint("cars-roll", timeout=300)
    assert after.status.value == "healthy", after.error
    assert after.training_run_id == retrained.run.id
    assert after.url == before.url and client.endpoint_keys("cars-roll") == keys
    name = schema["inputs"][0]["name"]
    answer = _post(after.url, {"Inputs": {name: rows}}, keys["primary"])
    assert answer.status_code == 200, answer.text
    scored = next(iter(answer.json()["Results"].values()))
    assert [r["Scored Labels"] for r in scored] == pytest.approx(expected, rel=1e-9)

    # A completed run with no trained model cannot be served: the update fails in the
    # background and the endpoint keeps serving the run it served.
    untrained = _run_without_a_model(client)
    client.update_endpoint("cars-roll", run_id=untrained.run.id)
    _until(
        lambda: any(
            m.message.startswith("Update failed") for m in client.endpoint_logs("cars-roll")
        ),
        timeout=120,
    )
    settled = _until(
        lambda: (e := client.endpoint("cars-roll")).status.value == "healthy" and e, timeout=60
    )
    assert settled.training_run_id == retrained.run.id and settled.url == before.url
    again = _post(settled.url, {"Inputs": {name: rows}}, keys["primary"])
    assert [r["Scored Labels"] for r in next(iter(again.json()["Results"].values()))] == (
        pytest.approx(expected, rel=1e-9)
    )
    client.delete_endpoint("cars-roll")


@pytest.fixture
def kube_api():
    """A fake Kubernetes API server (the one stand-in allowed: no cluster runs here)."""
    from tests.jobs.kube.kube_fake_api import FakeKubeAPI

    api = FakeKubeAPI(namespaces=("default", "ml")).start()
    yield api
    api.stop()


def test_a_kubernetes_endpoint_is_applied_watched_rotated_and_removed(
    stack, cars, kube_api, tmp_path
):
    import base64
    import hashlib

    from app.client import ClientError

    client = stack.client()
    kubeconfig = str(kube_api.write_kubeconfig(tmp_path / "kubeconfig"))
    place = {"kubeconfig": kubeconfig, "context": "fake", "namespace": "ml"}
    with pytest.raises(ClientError) as bad:
        client.deploy_endpoint(
            "cars-bad",
            cars.inference_run_id,
            target="kubernetes",
            resources={**place, "cpu_request": "lots"},
        )
    assert bad.value.status == 422 and "lots" in bad.value.detail
    assert "cars-bad" not in {e.name for e in client.endpoints()}

    client.deploy_endpoint(
        "cars-k8s",
        cars.inference_run_id,
        target="kubernetes",
        resources={**place, "cpu_request": "250m", "min_replicas": 2},
    )
    deployment = _until(lambda: kube_api.get("deployments", "fb-ep-cars-k8s", "ml"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["requests"]["cpu"] == "250m"
    secret = kube_api.get("secrets", "fb-ep-cars-k8s", "ml")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    keys = client.endpoint_keys("cars-k8s")
    assert (
        json.loads(data["keys.json"])["primary_sha256"]
        == hashlib.sha256(keys["primary"].encode()).hexdigest()
    )

    # What a pod does at start: fetch the bundle from the control plane with the Secret's token.
    bundle = httpx.get(
        f"{stack.api_url}/endpoints/cars-k8s/bundle",
        timeout=30,
        headers={"Authorization": f"Bearer {data['bundle-token']}"},
    )
    assert bundle.status_code == 200
    uri = client.endpoint("cars-k8s").bundle_uri
    assert hashlib.sha256(bundle.content).hexdigest() == uri.rsplit("/", 1)[1].split(".")[0]

    assert client.endpoint("cars-k8s").status.value == "transitioning"
    kube_api.settle("fb-ep-cars-k8s", "ml")
    _until(lambda: client.endpoint("cars-k8s").status.value == "healthy", timeout=60)

    rotated = client.regenerate_endpoint_key("cars-k8s", "secondary")
    secret = kube_api.get("secrets", "fb-ep-cars-k8s", "ml")
    hashes = json.loads(base64.b64decode(secret["data"]["keys.json"]))
    assert hashes["secondary_sha256"] == hashlib.sha256(rotated["secondary"].encode()).hexdigest()

    # An update with other resources rolls the Deployment (same objects, new pod template).
    client.update_endpoint("cars-k8s", resources={"cpu_request": "500m"})
    _until(
        lambda: (
            kube_api.get("deployments", "fb-ep-cars-k8s", "ml")["spec"]["template"]["spec"][
                "containers"
            ][0]["resources"]["requests"]["cpu"]
            == "500m"
        )
    )
    assert kube_api.names("deployments", "ml").count("fb-ep-cars-k8s") == 1
    kube_api.settle("fb-ep-cars-k8s", "ml")
    _until(lambda: client.endpoint("cars-k8s").status.value == "healthy", timeout=60)
    assert client.endpoint("cars-k8s").resources["min_replicas"] == 2  # merged, not replaced

    client.delete_endpoint("cars-k8s")
    for plural in ("deployments", "services", "secrets", "horizontalpodautoscalers"):
        assert "fb-ep-cars-k8s" not in kube_api.names(plural, "ml"), plural
    assert (
        httpx.get(
            f"{stack.api_url}/endpoints/cars-k8s/bundle",
            timeout=10,
            headers={"Authorization": f"Bearer {data['bundle-token']}"},
        ).status_code
        == 404
    )


def test_a_deployment_cut_short_by_a_restart_is_resumed(stack, trained, cars):
    client = stack.client()
    client.deploy_endpoint("cars-resumed", trained.run.id)
    api = stack.processes.pop("api")
    api.kill()
    api.wait()
    stack.start_api()
    client = stack.client()
    endpoint = client.wait_endpoint("cars-resumed", timeout=300)
    assert endpoint.status.value == "healthy", endpoint.error
    key = client.endpoint_keys("cars-resumed")["primary"]
    assert (
        _post(
            endpoint.url, client.endpoint_schema("cars-resumed")["sample_request"], key
        ).status_code
        == 200
    )
    client.delete_endpoint("cars-resumed")


def test_a_failing_update_cut_short_by_a_restart_still_rolls_back(stack, trained, cars):
    """What an update goes back to is kept with the endpoint: a control plane that stops during
    an update, whose resumed deployment then fails, serves the previous run again."""
    from storage import DuckDBWorkspaceStore
    from storage.records.endpoints import EndpointStatus

    client = stack.client()
    client.deploy_endpoint("cars-undo", cars.inference_run_id)
    before = client.wait_endpoint("cars-undo", timeout=300)
    assert before.status.value == "healthy", before.error
    untrained = _run_without_a_model(client)
    stack.stop("api")
    # The endpoint as `update` leaves it when the control plane stops right after: the new
    # run recorded, no bundle yet, and what to go back to.
    with DuckDBWorkspaceStore(stack.home / "workspace.duckdb") as store:
        served = store.endpoints.get("cars-undo")
        assert served.rollback is None  # no update in flight
        store.endpoints.update(
            "cars-undo",
            status=EndpointStatus.TRANSITIONING,
            bundle_uri=None,
            inference_run_id=None,
            training_run_id=untrained.run.id,
            inference_spec={},
            model=None,
            rollback={
                "inference_run_id": served.inference_run_id,
                "training_run_id": served.training_run_id,
                "inference_spec": served.inference_spec,
                "bundle_uri": served.bundle_uri,
                "resources": served.resources,
                "model": served.model,
            },
        )
    stack.start_api()
    client = stack.client()
    settled = _until(
        lambda: (e := client.endpoint("cars-undo")).status.value == "healthy" and e, timeout=120
    )
    messages = [m.message for m in client.endpoint_logs("cars-undo")]
    assert any("restarted during the deployment; resuming it" in m for m in messages), messages
    assert any(m.startswith("Update failed") for m in messages), messages
    assert settled.inference_run_id == cars.inference_run_id and settled.url == before.url
    assert settled.bundle_uri == before.bundle_uri
    key = client.endpoint_keys("cars-undo")["primary"]
    sample = client.endpoint_schema("cars-undo")["sample_request"]
    assert _post(settled.url, sample, key).status_code == 200
    client.delete_endpoint("cars-undo")
