"""A worker compute target on Kubernetes, against the fake API server: KEDA present and absent."""

from __future__ import annotations

import base64

import pytest

from jobs.kube import KubeWorkerSpec, delete_workers, deploy_workers, workers_status

NAME = "fb-wk-k8s-pool"


@pytest.fixture
def spec(kubeconfig) -> KubeWorkerSpec:
    return KubeWorkerSpec(
        name="k8s-pool",
        queue="k8s-pool",
        kubeconfig=kubeconfig,
        redis_url="redis://:pw@redis.flowbench:6379/3",
        min_replicas=0,
        max_replicas=5,
        replicas=2,
        env={"FLOWBENCH_ARTIFACTS": "s3://bucket/ws", "AWS_ACCESS_KEY_ID": "AK"},
    )


def test_with_keda_a_scaled_object_follows_the_queue(kube_api, spec):
    kube_api.keda = True
    scaler, done = deploy_workers(spec)
    assert scaler == "keda"
    assert done == [f"created {k}/{NAME}" for k in ("Secret", "Deployment", "ScaledObject")]
    crd_lookups = [r for r in kube_api.requests if "customresourcedefinitions" in r.path]
    assert crd_lookups[0].path.endswith("/scaledobjects.keda.sh")
    scaled = kube_api.get("scaledobjects", NAME)
    trigger = scaled["spec"]["triggers"][0]["metadata"]
    assert trigger["listName"] == "rq:queue:k8s-pool" and trigger["databaseIndex"] == "3"
    assert kube_api.sent("POST", "scaledobjects")[0].path == (
        "/apis/keda.sh/v1alpha1/namespaces/default/scaledobjects"
    )
    assert kube_api.get("deployments", NAME)["spec"]["replicas"] == 0  # KEDA's minimum
    kube_api.settle(NAME)
    found = workers_status("k8s-pool", kubeconfig=spec.kubeconfig)
    assert (found.state, found.scaler) == ("healthy", "keda")  # idle queue, zero workers: fine


def test_updating_under_keda_keeps_the_count_keda_chose(kube_api, spec):
    kube_api.keda = True
    deploy_workers(spec)
    kube_api.set_replicas(NAME, 4)
    values = {f: getattr(spec, f) for f in spec.__dataclass_fields__}
    deploy_workers(KubeWorkerSpec(**{**values, "image": "registry.example/flowbench:0.2.0"}))
    put = kube_api.sent("PUT", "deployments")[-1].body
    assert put["spec"]["replicas"] == 4
    assert put["metadata"]["labels"]["app.kubernetes.io/version"] == "0.2.0"
    # Custom resources are replaced with their resourceVersion (the server demands it).
    assert kube_api.sent("PUT", "scaledobjects")[-1].body["metadata"]["resourceVersion"]


def test_without_keda_the_replica_count_is_fixed(kube_api, spec):
    scaler, done = deploy_workers(spec)
    assert scaler == "replicas"
    assert done == [f"created {k}/{NAME}" for k in ("Secret", "Deployment")]
    assert kube_api.get("deployments", NAME)["spec"]["replicas"] == 2
    assert kube_api.sent("POST", "scaledobjects") == []
    secret = kube_api.get("secrets", NAME)["data"]
    decoded = {k: base64.b64decode(v).decode() for k, v in secret.items()}
    assert decoded["REDIS_URL"] == "redis://:pw@redis.flowbench:6379/3"
    assert decoded["FLOWBENCH_ARTIFACTS"] == "s3://bucket/ws"
    kube_api.settle(NAME, ready=1)
    found = workers_status("k8s-pool", kubeconfig=spec.kubeconfig)
    assert (found.state, found.scaler, found.ready_replicas) == ("transitioning", "replicas", 1)


def test_keda_removed_later_drops_the_leftover_scaled_object(kube_api, spec):
    kube_api.keda = True
    deploy_workers(spec)
    scaler, done = deploy_workers(spec, keda=False)
    assert scaler == "replicas" and f"deleted ScaledObject/{NAME}" in done
    assert kube_api.names("scaledobjects") == []
    assert kube_api.get("deployments", NAME)["spec"]["replicas"] == 2


def test_delete_removes_every_worker_object(kube_api, spec):
    kube_api.keda = True
    deploy_workers(spec)
    removed = delete_workers("k8s-pool", kubeconfig=spec.kubeconfig)
    assert sorted(removed) == sorted(
        f"{k}/{NAME}" for k in ("ScaledObject", "Deployment", "Secret")
    )
    assert all(kube_api.names(p) == [] for p in ("scaledobjects", "deployments", "secrets"))


def test_delete_without_keda_installed_still_works(kube_api, spec):
    deploy_workers(spec)
    assert sorted(delete_workers("k8s-pool", kubeconfig=spec.kubeconfig)) == [
        f"Deployment/{NAME}",
        f"Secret/{NAME}",
    ]


def test_keda_is_found_by_listing_when_crds_cannot_be_read(kube_api, spec):
    """Reading CRDs is cluster-scoped and often not granted to a namespace's deployer."""
    kube_api.keda = True
    kube_api.deny.add(("get", "customresourcedefinitions"))
    scaler, _ = deploy_workers(spec)
    assert scaler == "keda"
    assert kube_api.names("scaledobjects") == [NAME]
