"""Fixtures for the Kubernetes tests: a fake API server and a kubeconfig that points at it."""

from __future__ import annotations

import pytest
from kube_fake_api import FakeKubeAPI


@pytest.fixture
def kube_api():
    """A fresh fake API server with namespaces "default" and "ml", without KEDA."""
    api = FakeKubeAPI(namespaces=("default", "ml")).start()
    yield api
    api.stop()


@pytest.fixture
def kubeconfig(kube_api, tmp_path) -> str:
    """A kubeconfig whose current context "fake" is `kube_api` (plus an unreachable "far")."""
    return str(kube_api.write_kubeconfig(tmp_path / "kubeconfig", extra_contexts=("far",)))
