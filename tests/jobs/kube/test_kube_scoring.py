"""Deploy, update, inspect and delete a real-time endpoint through the real `kubernetes` client,
against the fake API server (tests/jobs/kube/kube_fake_api.py), reading back what it was sent."""

from __future__ import annotations

import base64
import json

import pytest

from jobs.kube import (
    KubeEndpointSpec,
    KubeNotFoundError,
    KubeRejectedError,
    delete_endpoint,
    deploy_endpoint,
    endpoint_status,
    update_bundle_token,
    update_endpoint_keys,
)

NAME = "fb-ep-car-prices"
POD_LABELS = {"app.kubernetes.io/name": "flowbench-scoring", "app.kubernetes.io/instance": NAME}


@pytest.fixture
def spec(kubeconfig) -> KubeEndpointSpec:
    return KubeEndpointSpec(
        name="car-prices",
        bundle_url="http://10.1.2.3:8000/endpoints/car-prices/bundle",
        bundle_token="tok-1",
        primary_sha256="a" * 64,
        secondary_sha256="b" * 64,
        version="1",
        kubeconfig=kubeconfig,
        namespace="ml",
    )


def status(spec):
    return endpoint_status(spec.name, namespace=spec.namespace, kubeconfig=spec.kubeconfig)


def redeploy(spec, **changes):
    values = {f: getattr(spec, f) for f in spec.__dataclass_fields__}
    new = KubeEndpointSpec(**{**values, **changes})
    return new, deploy_endpoint(new)


def test_deploy_creates_the_four_objects_in_the_chosen_namespace(kube_api, spec):
    done = deploy_endpoint(spec)
    assert done == [
        f"created {kind}/{NAME}"
        for kind in ("Secret", "Deployment", "Service", "HorizontalPodAutoscaler")
    ]
    for plural in ("secrets", "deployments", "services", "horizontalpodautoscalers"):
        assert kube_api.names(plural, "ml") == [NAME]
        assert kube_api.names(plural, "default") == []
    sent = kube_api.sent("POST", "deployments")[0]
    assert sent.path == "/apis/apps/v1/namespaces/ml/deployments"
    assert sent.body["spec"]["template"]["spec"]["containers"][0]["image"] == "flowbench:0.1.0"
    hpa = kube_api.sent("POST", "horizontalpodautoscalers")[0]
    assert hpa.path.startswith("/apis/autoscaling/v2/")
    assert hpa.body["spec"]["minReplicas"] == 1 and hpa.body["spec"]["maxReplicas"] == 10


def test_status_goes_from_transitioning_to_healthy_and_reports_the_url(kube_api, spec):
    deploy_endpoint(spec)
    first = status(spec)
    assert first.state == "transitioning" and first.ready_replicas == 0
    kube_api.settle(NAME, "ml", ready=0)  # controller saw it; the pod is not ready yet
    assert status(spec).state == "transitioning"
    kube_api.settle(NAME, "ml")
    healthy = status(spec)
    assert (healthy.state, healthy.ready_replicas, healthy.replicas) == ("healthy", 1, 1)
    assert healthy.url is None  # no load balancer address yet
    service = kube_api.objects[("services", "ml", NAME)]
    service["status"] = {"loadBalancer": {"ingress": [{"ip": "20.30.40.50"}]}}
    assert status(spec).url == "http://20.30.40.50:80"


def test_a_pod_that_stops_being_ready_makes_it_unhealthy_with_the_reason(kube_api, spec):
    deploy_endpoint(spec)
    kube_api.settle(NAME, "ml")
    kube_api.add_pod(
        "car-1",
        POD_LABELS,
        waiting="CrashLoopBackOff",
        message="back-off 40s restarting failed container",
        namespace="ml",
    )
    kube_api.settle(NAME, "ml", ready=0)
    found = status(spec)
    assert found.state == "unhealthy"
    assert any("CrashLoopBackOff" in m and "car-1" in m for m in found.messages)


def test_an_image_that_cannot_be_pulled_fails_the_deployment(kube_api, spec):
    deploy_endpoint(spec)
    kube_api.settle(NAME, "ml", ready=0)
    kube_api.add_pod(
        "car-1",
        POD_LABELS,
        waiting="ImagePullBackOff",
        message='Back-off pulling image "flowbench:0.1.0"',
        namespace="ml",
    )
    found = status(spec)
    assert found.state == "failed"
    assert any("ImagePullBackOff" in m and "flowbench:0.1.0" in m for m in found.messages)


def test_a_rollout_past_its_deadline_is_failed(kube_api, spec):
    deploy_endpoint(spec)
    kube_api.set_status(
        NAME,
        "ml",
        observedGeneration=1,
        replicas=1,
        updatedReplicas=1,
        conditions=[
            {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": 'ReplicaSet "x" has timed out progressing',
            }
        ],
    )
    found = status(spec)
    assert found.state == "failed" and any("timed out" in m for m in found.messages)


def test_redeploying_a_new_version_rolls_the_deployment_and_keeps_hpa_replicas(kube_api, spec):
    deploy_endpoint(spec)
    kube_api.settle(NAME, "ml")
    kube_api.set_replicas(NAME, 4, "ml")  # the HPA scaled out meanwhile
    kube_api.settle(NAME, "ml")
    live_version = kube_api.get("deployments", NAME, "ml")["metadata"]["resourceVersion"]
    new, done = redeploy(spec, version="2", bundle_token="tok-2")
    assert done == [
        f"replaced {kind}/{NAME}"
        for kind in ("Secret", "Deployment", "Service", "HorizontalPodAutoscaler")
    ]
    put = kube_api.sent("PUT", "deployments")[-1]
    assert put.body["metadata"]["resourceVersion"] == live_version
    assert put.body["spec"]["replicas"] == 4  # not reset to the minimum
    template = put.body["spec"]["template"]["metadata"]
    assert template["labels"]["app.kubernetes.io/version"] == "2"
    assert kube_api.rollouts[("ml", NAME)] == 2  # the pod template changed: pods roll
    assert status(new).state == "transitioning"  # generation 2 not yet observed
    kube_api.settle(NAME, "ml")
    assert status(new).state == "healthy"
    secret = kube_api.get("secrets", NAME, "ml")
    assert base64.b64decode(secret["data"]["bundle-token"]).decode() == "tok-2"
    # The Service kept the clusterIP the server assigned (it is immutable).
    assert kube_api.sent("PUT", "services")[-1].body["spec"]["clusterIP"].startswith("10.0.0.")


def test_redeploying_the_same_version_does_not_roll(kube_api, spec):
    deploy_endpoint(spec)
    deploy_endpoint(spec)
    assert kube_api.rollouts[("ml", NAME)] == 1


def test_turning_autoscaling_off_removes_the_hpa_and_fixes_replicas(kube_api, spec):
    deploy_endpoint(spec)
    _, done = redeploy(spec, autoscale=False, replicas=3)
    assert f"deleted HorizontalPodAutoscaler/{NAME}" in done
    assert kube_api.names("horizontalpodautoscalers", "ml") == []
    assert kube_api.get("deployments", NAME, "ml")["spec"]["replicas"] == 3


def test_key_rotation_patches_the_secret_without_rolling(kube_api, spec):
    deploy_endpoint(spec)
    update_endpoint_keys(
        "car-prices", "c" * 64, "b" * 64, namespace="ml", kubeconfig=spec.kubeconfig
    )
    patch = kube_api.sent("PATCH", "secrets")[-1]
    assert patch.content_type == "application/merge-patch+json"
    data = kube_api.get("secrets", NAME, "ml")["data"]
    assert json.loads(base64.b64decode(data["keys.json"])) == {
        "primary_sha256": "c" * 64,
        "secondary_sha256": "b" * 64,
    }
    assert base64.b64decode(data["bundle-token"]).decode() == "tok-1"  # untouched
    update_bundle_token("car-prices", "tok-9", namespace="ml", kubeconfig=spec.kubeconfig)
    data = kube_api.get("secrets", NAME, "ml")["data"]
    assert base64.b64decode(data["bundle-token"]).decode() == "tok-9"
    assert kube_api.sent("PUT", "deployments") == [] and kube_api.rollouts[("ml", NAME)] == 1
    with pytest.raises(KubeNotFoundError, match="no Secret"):
        update_endpoint_keys(
            "other", "c" * 64, "d" * 64, namespace="ml", kubeconfig=spec.kubeconfig
        )


def test_delete_removes_every_object_it_made_and_nothing_else(kube_api, spec):
    deploy_endpoint(spec)
    other, _ = redeploy(spec, name="other-endpoint")
    # Something of the user's with a Flowbench-like name but not made by Flowbench stays.
    kube_api.objects[("secrets", "ml", "users-own")] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "users-own", "labels": {"app.kubernetes.io/instance": NAME}},
    }
    removed = delete_endpoint("car-prices", namespace="ml", kubeconfig=spec.kubeconfig)
    assert sorted(removed) == sorted(
        f"{k}/{NAME}" for k in ("HorizontalPodAutoscaler", "Service", "Deployment", "Secret")
    )
    for plural in ("secrets", "deployments", "services", "horizontalpodautoscalers"):
        assert NAME not in kube_api.names(plural, "ml")
        assert other.object_name in kube_api.names(plural, "ml")
    assert "users-own" in kube_api.names("secrets", "ml")
    deletes = kube_api.sent("DELETE", "deployments")
    assert deletes[0].body == {"propagationPolicy": "Background"}  # its pods go too
    assert delete_endpoint("car-prices", namespace="ml", kubeconfig=spec.kubeconfig) == []
    assert status(spec).state == "failed"


def test_an_object_of_the_same_name_not_made_by_flowbench_is_not_replaced(kube_api, spec):
    kube_api.objects[("services", "ml", NAME)] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": NAME, "namespace": "ml", "resourceVersion": "5", "labels": {}},
        "spec": {"clusterIP": "10.9.9.9"},
    }
    with pytest.raises(KubeRejectedError, match="not made by Flowbench"):
        deploy_endpoint(spec)
    assert kube_api.sent("PUT", "services") == []


def test_a_concurrent_write_between_read_and_replace_is_retried(kube_api, spec):
    deploy_endpoint(spec)
    kube_api.conflict_once.add("deployments")
    redeploy(spec, version="2")
    puts = kube_api.sent("PUT", "deployments")
    assert len(puts) == 2  # 409 on the first, the second carried the fresh resourceVersion
    assert (
        kube_api.get("deployments", NAME, "ml")["metadata"]["annotations"]["flowbench.io/version"]
        == "2"
    )
