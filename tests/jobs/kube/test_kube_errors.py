"""What goes wrong between Flowbench and a cluster becomes a KubeError that says what to do."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from jobs.kube import (
    KubeConfigError,
    KubeEndpointSpec,
    KubeForbiddenError,
    KubeNotFoundError,
    KubeUnreachableError,
    connect,
    current_context,
    deploy_endpoint,
    endpoint_status,
    list_contexts,
)


def spec(kubeconfig, **changes):
    values = dict(
        name="car-prices",
        bundle_url="http://cp:8000/endpoints/car-prices/bundle",
        bundle_token="t",
        primary_sha256="a" * 64,
        secondary_sha256="b" * 64,
        kubeconfig=kubeconfig,
    )
    return KubeEndpointSpec(**{**values, **changes})


def test_contexts_are_listed_with_the_current_one(kubeconfig):
    assert list_contexts(kubeconfig) == ["fake", "far"]
    assert current_context(kubeconfig) == "fake"
    assert connect(kubeconfig=kubeconfig).server_version() == "v1.33.2"


def test_kubeconfig_comes_from_the_environment_when_not_given(kubeconfig, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", kubeconfig)
    assert list_contexts() == ["fake", "far"]


def test_a_missing_kubeconfig_says_where_it_looked(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(KubeConfigError, match=f"No kubeconfig file at {missing}"):
        list_contexts(str(missing))


def test_a_kubeconfig_that_does_not_parse(tmp_path):
    bad = tmp_path / "bad"
    bad.write_text("clusters: [unclosed")
    with pytest.raises(KubeConfigError, match="cannot be read"):
        list_contexts(str(bad))


def test_an_unknown_context_names_the_ones_there_are(kube_api, kubeconfig):
    with pytest.raises(KubeConfigError, match="no context 'prod'; it has: fake, far"):
        deploy_endpoint(spec(kubeconfig, context="prod"))
    assert kube_api.requests == []


def test_a_missing_namespace_is_named(kube_api, kubeconfig):
    with pytest.raises(
        KubeNotFoundError,
        match="Namespace 'scoring' does not exist in context 'fake'.*"
        "kubectl create namespace scoring",
    ):
        deploy_endpoint(spec(kubeconfig, namespace="scoring"))


def test_forbidden_says_what_was_not_allowed(kube_api, kubeconfig):
    kube_api.deny.add(("create", "deployments"))
    with pytest.raises(
        KubeForbiddenError,
        match="Not allowed to create Deployment "
        'fb-ep-car-prices.*cannot create resource "deployments"',
    ):
        deploy_endpoint(spec(kubeconfig))


def test_rejected_credentials_say_to_refresh_them(kube_api, tmp_path):
    config = kube_api.write_kubeconfig(tmp_path / "expired", token="expired-token")
    with pytest.raises(KubeForbiddenError, match="401 Unauthorized"):
        endpoint_status("car-prices", kubeconfig=str(config))


def test_an_unreachable_cluster_names_its_address(kubeconfig):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = Path(kubeconfig).read_text().replace("http://127.0.0.1:9", f"http://127.0.0.1:{port}")
    Path(kubeconfig).write_text(config)
    with pytest.raises(
        KubeUnreachableError,
        match=f"No Kubernetes API server answers at http://127.0.0.1:{port} \\(context 'far'\\)",
    ):
        endpoint_status("car-prices", context="far", kubeconfig=kubeconfig)
