"""Kubernetes compute targets through a real control plane: the API creates the worker
Deployment on the fake Kubernetes API server (tests/jobs/kube/kube_fake_api.py), the Compute page
shows it with the RQ workers' heartbeats, and deleting removes what was made."""

from __future__ import annotations

import base64
import sys
import time
from pathlib import Path

import pytest

from app.client import ClientError
from tests.conftest import make_stack

sys.path.insert(0, str(Path(__file__).parents[1] / "jobs" / "kube"))
from kube_fake_api import FakeKubeAPI  # noqa: E402

OBJECT = "fb-wk-k8s-pool"
MAIN = str(Path(__file__).parents[2] / "app" / "ui" / "main.py")


@pytest.fixture(scope="module")
def kube_api():
    api = FakeKubeAPI(namespaces=("default", "ml"), keda=True).start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def kube_stack(tmp_path_factory, redis_url, kube_api):
    """A control plane of its own whose KUBECONFIG points at the fake API server, with the
    artifact store's settings in its environment (to be forwarded to the workers' Secret)."""
    home = tmp_path_factory.mktemp("kube-workspace")
    config = kube_api.write_kubeconfig(home.parent / "kubeconfig", extra_contexts=("far",))
    stack = make_stack(
        home,
        redis_url,
        KUBECONFIG=str(config),
        FLOWBENCH_ARTIFACTS=f"file://{home}/artifacts",
        AZURE_STORAGE_CONNECTION_STRING="AccountName=test;AccountKey=c2VjcmV0",
    )
    stack.start_api()
    yield stack
    stack.stop_all()


@pytest.fixture(scope="module")
def kube_client(kube_stack):
    return kube_stack.client()


SETTINGS = dict(
    namespace="ml",
    redis_address="redis.flowbench.svc:6379",
    min_replicas=0,
    max_replicas=6,
    replicas=2,
    cpu_request="250m",
    memory_request="512Mi",
)


def test_contexts_for_the_forms(kube_client):
    found = kube_client.kubernetes_contexts()
    assert found["contexts"] == ["fake", "far"] and found["current"] == "fake"
    assert found["error"] is None


def test_create_a_kubernetes_target_and_see_it_on_the_cluster(kube_client, kube_api, redis_url):
    done = kube_client.put_kube_compute_target(
        "k8s-pool", description="cluster workers", **SETTINGS
    )
    assert done["scaler"] == "keda" and done["queue"] == "k8s-pool"
    assert done["applied"] == [
        f"created {k}/{OBJECT}" for k in ("Secret", "Deployment", "ScaledObject")
    ]
    assert any("object store" in w for w in done["warnings"])  # file:// is not shared
    # The Secret got the Redis URL as the pods reach it and the forwarded storage settings.
    secret = {
        k: base64.b64decode(v).decode()
        for k, v in kube_api.get("secrets", OBJECT, "ml")["data"].items()
    }
    db = redis_url.rsplit("/", 1)[1]
    assert secret["REDIS_URL"] == f"redis://redis.flowbench.svc:6379/{db}"
    assert secret["AZURE_STORAGE_CONNECTION_STRING"] == "AccountName=test;AccountKey=c2VjcmV0"
    assert secret["FLOWBENCH_ARTIFACTS"].startswith("file://")
    scaled = kube_api.get("scaledobjects", OBJECT, "ml")["spec"]
    assert scaled["triggers"][0]["metadata"]["listName"] == "rq:queue:k8s-pool"
    assert (scaled["minReplicaCount"], scaled["maxReplicaCount"]) == (0, 6)
    # It is a compute target like any other: pipelines can name it.
    targets = {t["name"]: t for t in kube_client.compute_targets()}
    assert targets["k8s-pool"]["queue"] == "k8s-pool"
    assert [t["name"] for t in kube_client.kube_compute_targets()] == ["k8s-pool"]
    # Nothing secret went into the workspace database's settings.
    stored = kube_client.kube_compute_status("k8s-pool")["settings"]
    assert "AccountKey" not in str(stored) and "REDIS_URL" not in str(stored)


def test_status_follows_the_deployment(kube_client, kube_api):
    status = kube_client.kube_compute_status("k8s-pool")
    assert status["cluster"]["state"] == "transitioning"
    kube_api.settle(OBJECT, "ml")
    status = kube_client.kube_compute_status("k8s-pool")
    assert (status["cluster"]["state"], status["cluster"]["scaler"]) == ("healthy", "keda")


def test_workers_heartbeats_show_on_the_target(kube_stack, kube_client):
    """A worker started as the pod's command line starts it reports to RQ on the target."""
    kube_stack.start_worker("fb-wk-k8s-pool-5d9c7-abcde", "k8s-pool")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = {t["name"]: t for t in kube_client.compute_status()}
        workers = rows["k8s-pool"]["workers"]
        if workers:
            break
        time.sleep(0.3)
    assert [w["name"] for w in workers] == ["fb-wk-k8s-pool-5d9c7-abcde"]
    assert workers[0]["last_heartbeat"]


def test_the_compute_page_shows_the_cluster_and_heartbeats(kube_stack, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from app.ui.login import SIGNED_IN

    monkeypatch.setenv("FLOWBENCH_API_URL", kube_stack.api_url)
    monkeypatch.setenv("FLOWBENCH_HOME", str(kube_stack.home))
    monkeypatch.delenv("FLOWBENCH_TOKEN", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(MAIN, default_timeout=60)
        at.session_state[SIGNED_IN] = True  # the login form is tested in tests/app/ui
        at.switch_page("views/compute.py")
        at.run()
        assert not at.exception, at.exception
        text = " ".join(m.value for m in at.markdown)
        assert "k8s-pool" in text and "Kubernetes" in text and "healthy" in text
        assert "scaled by KEDA" in text and OBJECT in text
        # (the default target shows whatever workers other tests left on this Redis database)
        workers = {
            w for f in at.dataframe if "worker" in f.value.columns for w in f.value["worker"]
        }
        assert "fb-wk-k8s-pool-5d9c7-abcde" in workers
        assert at.selectbox(key="kube.context").options == ["fake", "far"]
    finally:
        kube_stack.stop("fb-wk-k8s-pool-5d9c7-abcde")
        st.cache_data.clear()
        st.cache_resource.clear()


@pytest.mark.parametrize(
    ("changes", "status", "words"),
    [
        ({"cpu_request": "lots"}, 422, "CPU request"),
        ({"context": "prod"}, 422, "no context 'prod'"),
        ({"namespace": "nowhere"}, 422, "Namespace 'nowhere' does not exist"),
        ({"context": "far"}, 502, "No Kubernetes API server answers"),
        ({"min_replicas": 5, "max_replicas": 2}, 422, "Maximum replicas"),
    ],
)
def test_bad_settings_and_cluster_errors_are_clear(kube_client, changes, status, words):
    with pytest.raises(ClientError) as caught:
        kube_client.put_kube_compute_target("k8s-bad", **{**SETTINGS, **changes})
    assert caught.value.status == status and words in caught.value.detail
    assert "k8s-bad" not in {t["name"] for t in kube_client.compute_targets()}


def test_a_plain_target_is_not_turned_into_a_kubernetes_one(kube_client):
    with pytest.raises(ClientError) as caught:
        kube_client.put_kube_compute_target("default", **SETTINGS)
    assert caught.value.status == 409 and "not a Kubernetes target" in caught.value.detail


def test_delete_removes_the_workers_and_the_target(kube_client, kube_api):
    removed = kube_client.delete_kube_compute_target("k8s-pool")["removed"]
    assert sorted(removed) == sorted(
        f"{k}/{OBJECT}" for k in ("ScaledObject", "Deployment", "Secret")
    )
    assert all(kube_api.names(p, "ml") == [] for p in ("scaledobjects", "deployments", "secrets"))
    assert "k8s-pool" not in {t["name"] for t in kube_client.compute_targets()}
    with pytest.raises(ClientError) as caught:
        kube_client.kube_compute_status("k8s-pool")
    assert caught.value.status == 404
