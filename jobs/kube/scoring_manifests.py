"""The Kubernetes objects of one real-time endpoint, as plain dicts.

A Deployment runs `flowbench serve` on a bundle fetched from the control plane over HTTP (bearer
token from the Secret); the Secret also holds the key hashes, mounted as the keys file the server
re-reads when it changes (so keys rotate without a restart). A Service exposes it and, with
autoscaling on, a HorizontalPodAutoscaler follows CPU (the designer's defaults: 1 to 10 replicas
at 70 %).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from jobs.kube import labels as lb
from jobs.kube.errors import KubeSpecError
from jobs.kube.resources import check_image, check_namespace, check_replicas, check_resources

DEFAULT_IMAGE = "flowbench:0.1.0"
APP = "flowbench-scoring"
PORT = 8000
KEYS_DIR = "/etc/flowbench/keys"
KEYS_FILE = "keys.json"
TOKEN_KEY = "bundle-token"


@dataclass(frozen=True)
class KubeEndpointSpec:
    """What to deploy for one endpoint, and where (defaults: the designer's AKS settings)."""

    name: str
    bundle_url: str  # as reachable from the pods
    bundle_token: str
    primary_sha256: str
    secondary_sha256: str
    version: str = "1"  # changes per deploy (bundle hash or endpoint version): rolls the pods
    image: str = DEFAULT_IMAGE
    namespace: str = "default"
    context: str | None = None
    kubeconfig: str | None = None
    cpu_request: str = "100m"  # the designer's CPU reserve capacity, 0.1 cores
    memory_request: str = "512Mi"  # its memory reserve capacity, 0.5 GB
    cpu_limit: str | None = "1"
    memory_limit: str | None = "1Gi"
    autoscale: bool = True
    min_replicas: int = 1
    max_replicas: int = 10
    target_cpu_percent: int = 70
    replicas: int = 1  # without autoscaling
    service_type: str = "LoadBalancer"  # or ClusterIP
    image_pull_secret: str | None = None
    bundle_sha256: str | None = None  # the server refuses a downloaded bundle of another hash

    @property
    def object_name(self) -> str:
        return lb.object_name("fb-ep", self.name)

    def check(self) -> None:
        """Every setting usable, before anything is sent to the cluster.

        Raises:
            KubeSpecError: naming the setting and what is wrong with it.
        """
        check_namespace(self.namespace)
        check_image(self.image)
        check_resources(self.cpu_request, self.cpu_limit, self.memory_request, self.memory_limit)
        if self.autoscale:
            check_replicas(self.min_replicas, self.max_replicas, lowest=1)
            if not 1 <= self.target_cpu_percent <= 100:
                raise KubeSpecError(
                    f"Target CPU utilization must be 1..100 %, not {self.target_cpu_percent}."
                )
        elif self.replicas < 1:
            raise KubeSpecError(f"Replicas must be at least 1, not {self.replicas}.")
        if not self.bundle_url.startswith(("http://", "https://")):
            raise KubeSpecError(
                f"The bundle URL must be http(s) (pods fetch it from the control "
                f"plane), not {self.bundle_url!r}."
            )
        if self.bundle_sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", self.bundle_sha256):
            raise KubeSpecError(
                f"The bundle's SHA-256 must be 64 hex digits, not {self.bundle_sha256!r}."
            )
        if self.service_type not in ("LoadBalancer", "ClusterIP", "NodePort"):
            raise KubeSpecError(
                f"Service type {self.service_type!r} is not LoadBalancer, ClusterIP or NodePort."
            )


def labels(spec: KubeEndpointSpec) -> dict[str, str]:
    return lb.recommended_labels(
        app=APP, instance=spec.object_name, version=spec.version, component=lb.SCORING
    )


def _metadata(spec: KubeEndpointSpec) -> dict[str, Any]:
    return {
        "name": spec.object_name,
        "namespace": spec.namespace,
        "labels": labels(spec),
        "annotations": {
            lb.ANNOTATION_PREFIX + "endpoint": spec.name,
            lb.ANNOTATION_PREFIX + "version": spec.version,
        },
    }


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def keys_document(primary_sha256: str, secondary_sha256: str) -> str:
    """The keys file the scoring server reads: the two keys' sha256 hashes, never the keys."""
    return json.dumps({"primary_sha256": primary_sha256, "secondary_sha256": secondary_sha256})


def secret(spec: KubeEndpointSpec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(spec),
        "type": "Opaque",
        "data": {
            KEYS_FILE: _b64(keys_document(spec.primary_sha256, spec.secondary_sha256)),
            TOKEN_KEY: _b64(spec.bundle_token),
        },
    }


def _resources(spec: KubeEndpointSpec) -> dict[str, Any]:
    requests = {"cpu": spec.cpu_request, "memory": spec.memory_request}
    limits = {k: v for k, v in (("cpu", spec.cpu_limit), ("memory", spec.memory_limit)) if v}
    return {"requests": requests, **({"limits": limits} if limits else {})}


def _probe(period: int, failures: int, timeout: int = 2) -> dict[str, Any]:
    return {
        "httpGet": {"path": "/health", "port": "http"},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


def pod_security() -> dict[str, Any]:
    """Run as the image's non-root user, nothing more than needed."""
    return {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def deployment(spec: KubeEndpointSpec) -> dict[str, Any]:
    pod_labels = labels(spec)
    # $(VAR) is expanded by the kubelet from the container's env.
    command = [
        "flowbench",
        "serve",
        "$(FLOWBENCH_BUNDLE_URL)",
        "--host",
        "0.0.0.0",
        "--port",
        str(PORT),
    ]
    if spec.bundle_sha256:
        command += ["--sha256", spec.bundle_sha256]
    container = {
        "name": "scoring-server",
        "image": spec.image,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
        "env": [
            {"name": "FLOWBENCH_BUNDLE_URL", "value": spec.bundle_url},
            {
                "name": "FLOWBENCH_BUNDLE_TOKEN",
                "valueFrom": {"secretKeyRef": {"name": spec.object_name, "key": TOKEN_KEY}},
            },
            {"name": "FLOWBENCH_KEYS_FILE", "value": f"{KEYS_DIR}/{KEYS_FILE}"},
            {"name": "FLOWBENCH_HOME", "value": "/tmp/flowbench"},
        ],
        "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
        "resources": _resources(spec),
        # The bundle is downloaded and loaded at start: up to two minutes before liveness counts.
        "startupProbe": _probe(period=2, failures=60),
        "readinessProbe": _probe(period=5, failures=3),
        "livenessProbe": _probe(period=10, failures=3),
        "volumeMounts": [
            # The whole directory, not a subPath: Kubernetes only refreshes directory mounts,
            # which is how rotated keys reach a running server.
            {"name": "keys", "mountPath": KEYS_DIR, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
        "securityContext": container_security(),
    }
    pod_spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": pod_security(),
        "containers": [container],
        "volumes": [
            {
                "name": "keys",
                "secret": {
                    "secretName": spec.object_name,
                    "items": [{"key": KEYS_FILE, "path": KEYS_FILE}],
                    "defaultMode": 0o440,
                },
            },
            {"name": "tmp", "emptyDir": {}},
        ],
    }
    if spec.image_pull_secret:
        pod_spec["imagePullSecrets"] = [{"name": spec.image_pull_secret}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(spec),
        "spec": {
            "replicas": spec.min_replicas if spec.autoscale else spec.replicas,
            "revisionHistoryLimit": 3,
            "progressDeadlineSeconds": 600,
            "selector": {"matchLabels": lb.selector_labels(APP, spec.object_name)},
            # A new version comes up before an old one goes: no gap in serving.
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {
                "metadata": {
                    "labels": pod_labels,
                    "annotations": {lb.ANNOTATION_PREFIX + "version": spec.version},
                },
                "spec": pod_spec,
            },
        },
    }


def service(spec: KubeEndpointSpec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(spec),
        "spec": {
            "type": spec.service_type,
            "selector": lb.selector_labels(APP, spec.object_name),
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def autoscaler(spec: KubeEndpointSpec) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _metadata(spec),
        "spec": {
            "scaleTargetRef": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": spec.object_name,
            },
            "minReplicas": spec.min_replicas,
            "maxReplicas": spec.max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {
                            "type": "Utilization",
                            "averageUtilization": spec.target_cpu_percent,
                        },
                    },
                }
            ],
        },
    }


def manifests(spec: KubeEndpointSpec) -> list[dict[str, Any]]:
    """Every object of the endpoint, in the order they are applied (the Secret first)."""
    spec.check()
    found = [secret(spec), deployment(spec), service(spec)]
    if spec.autoscale:
        found.append(autoscaler(spec))
    return found
