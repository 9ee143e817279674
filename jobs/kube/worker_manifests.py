"""The Kubernetes objects of a worker compute target, as plain dicts.

A Deployment runs `flowbench worker --queues <queue>`; a Secret carries the Redis URL and the
artifact store's settings and credentials (FLOWBENCH_ARTIFACTS and whatever the store reads
from the environment); a KEDA ScaledObject with the Redis list scaler follows the length of the
RQ queue's list (`rq:queue:<name>`) where KEDA is installed, else the replica count is fixed.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from jobs.kube import labels as lb
from jobs.kube.errors import KubeSpecError
from jobs.kube.resources import check_image, check_namespace, check_replicas, check_resources
from jobs.kube.scoring_manifests import DEFAULT_IMAGE, container_security, pod_security

APP = "flowbench-worker"
RQ_QUEUE_KEY = "rq:queue:{}"  # the Redis list RQ keeps a queue's waiting job ids in
_QUEUE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names of the variables KEDA's Redis scaler reads from the worker container (addressFromEnv...).
ADDRESS_ENV, USERNAME_ENV, PASSWORD_ENV = (
    "FLOWBENCH_REDIS_ADDRESS",
    "FLOWBENCH_REDIS_USERNAME",
    "FLOWBENCH_REDIS_PASSWORD",
)


@dataclass(frozen=True)
class KubeWorkerSpec:
    """A fleet of workers serving one RQ queue on a cluster."""

    name: str  # the compute target's name
    queue: str
    redis_url: str  # as reachable from the pods; stored only in the Secret
    image: str = DEFAULT_IMAGE
    namespace: str = "default"
    context: str | None = None
    kubeconfig: str | None = None
    replicas: int = 1  # without KEDA
    min_replicas: int = 0  # with KEDA: 0 lets an idle queue cost nothing
    max_replicas: int = 4
    jobs_per_worker: int = 1  # KEDA's listLength: waiting jobs per replica it aims for
    cpu_request: str = "500m"
    memory_request: str = "1Gi"
    cpu_limit: str | None = "2"
    memory_limit: str | None = "4Gi"
    # Secret env for the artifact store (FLOWBENCH_ARTIFACTS=az://...|s3://...|file://...,
    # AZURE_STORAGE_CONNECTION_STRING, AWS_ACCESS_KEY_ID, ...): names and values as given.
    env: dict[str, str] = field(default_factory=dict)
    # A worker told to stop (scale-in, rollout) finishes its step first, for up to this long.
    grace_seconds: int = 600
    image_pull_secret: str | None = None

    @property
    def object_name(self) -> str:
        return lb.object_name("fb-wk", self.name)

    def check(self) -> None:
        """Every setting usable, before anything is sent to the cluster.

        Raises:
            KubeSpecError: naming the setting and what is wrong with it.
        """
        check_namespace(self.namespace)
        check_image(self.image)
        check_resources(self.cpu_request, self.cpu_limit, self.memory_request, self.memory_limit)
        check_replicas(self.min_replicas, self.max_replicas, lowest=0)
        if self.replicas < 0:
            raise KubeSpecError(f"Replicas must be 0 or more, not {self.replicas}.")
        if not _QUEUE.match(self.queue):
            raise KubeSpecError(f"Queue {self.queue!r}: letters, digits, '-' and '_' only.")
        if self.jobs_per_worker < 1:
            raise KubeSpecError("Jobs per worker must be at least 1.")
        if self.grace_seconds < 0:
            raise KubeSpecError("The grace period cannot be negative.")
        for name in self.env:
            if not _ENV_NAME.match(name) or name in _RESERVED_ENV:
                raise KubeSpecError(f"{name!r} cannot be a worker environment variable.")
        redis_parts(self.redis_url)


_RESERVED_ENV = {"REDIS_URL", ADDRESS_ENV, USERNAME_ENV, PASSWORD_ENV, "POD_NAME", "FLOWBENCH_HOME"}


@dataclass(frozen=True)
class RedisParts:
    address: str  # host:port
    username: str | None
    password: str | None
    database: int
    tls: bool


def redis_parts(url: str) -> RedisParts:
    """What KEDA's Redis scaler needs, taken from a redis:// or rediss:// URL.

    Raises:
        KubeSpecError: It is not such a URL.
    """
    parts = urlsplit(url or "")
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise KubeSpecError(
            "The Redis URL for the workers must look like "
            "redis://[:password@]host:port/db (as the pods reach it)."
        )
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise KubeSpecError(f"The Redis URL's database must be a number, not {path!r}.")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return RedisParts(
        address=f"{host}:{parts.port or 6379}",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=int(path or 0),
        tls=parts.scheme == "rediss",
    )


def labels(spec: KubeWorkerSpec, version: str) -> dict[str, str]:
    return lb.recommended_labels(
        app=APP, instance=spec.object_name, version=version, component=lb.WORKER
    )


def _metadata(spec: KubeWorkerSpec, version: str) -> dict[str, Any]:
    return {
        "name": spec.object_name,
        "namespace": spec.namespace,
        "labels": labels(spec, version),
        "annotations": {
            lb.ANNOTATION_PREFIX + "compute-target": spec.name,
            lb.ANNOTATION_PREFIX + "queue": spec.queue,
        },
    }


def _image_tag(image: str) -> str:
    """The image's tag as the version label ("0.1.0" of flowbench:0.1.0), else "latest"."""
    last = image.rsplit("/", 1)[-1]
    if "@" in last:
        return last.rsplit("@", 1)[1].split(":")[-1][:12]
    return last.split(":", 1)[1] if ":" in last else "latest"


def secret(spec: KubeWorkerSpec) -> dict[str, Any]:
    redis = redis_parts(spec.redis_url)
    values = {"REDIS_URL": spec.redis_url, ADDRESS_ENV: redis.address, **spec.env}
    if redis.username:
        values[USERNAME_ENV] = redis.username
    if redis.password:
        values[PASSWORD_ENV] = redis.password
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(spec, _image_tag(spec.image)),
        "type": "Opaque",
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in sorted(values.items())},
    }


def deployment(spec: KubeWorkerSpec, *, keda: bool) -> dict[str, Any]:
    version = _image_tag(spec.image)
    redis = redis_parts(spec.redis_url)
    # KEDA reads addressFromEnv/passwordFromEnv from the container's own `env` entries.
    scaler_env = [
        (ADDRESS_ENV, True),
        (USERNAME_ENV, bool(redis.username)),
        (PASSWORD_ENV, bool(redis.password)),
    ]
    env = [
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "FLOWBENCH_HOME", "value": "/tmp/flowbench"},
    ]
    env += [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": spec.object_name, "key": name}}}
        for name, present in scaler_env
        if present
    ]
    container = {
        "name": "worker",
        "image": spec.image,
        "imagePullPolicy": "IfNotPresent",
        # The pod's name is the RQ worker's name, so the Compute page's heartbeats name pods.
        "command": ["flowbench", "worker", "--queues", spec.queue, "--name", "$(POD_NAME)"],
        "env": env,
        "envFrom": [{"secretRef": {"name": spec.object_name}}],
        "resources": {
            "requests": {"cpu": spec.cpu_request, "memory": spec.memory_request},
            **(
                {
                    "limits": {
                        k: v
                        for k, v in (("cpu", spec.cpu_limit), ("memory", spec.memory_limit))
                        if v
                    }
                }
                if spec.cpu_limit or spec.memory_limit
                else {}
            ),
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
        "securityContext": container_security(),
    }
    pod_spec: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": pod_security(),
        "terminationGracePeriodSeconds": spec.grace_seconds,
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }
    if spec.image_pull_secret:
        pod_spec["imagePullSecrets"] = [{"name": spec.image_pull_secret}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(spec, version),
        "spec": {
            "replicas": spec.min_replicas if keda else spec.replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": lb.selector_labels(APP, spec.object_name)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1},
            },
            "template": {
                "metadata": {
                    "labels": labels(spec, version),
                    "annotations": {lb.ANNOTATION_PREFIX + "queue": spec.queue},
                },
                "spec": pod_spec,
            },
        },
    }


def scaled_object(spec: KubeWorkerSpec) -> dict[str, Any]:
    """KEDA's ScaledObject: the Redis list scaler on the queue's list (keda.sh/v1alpha1)."""
    redis = redis_parts(spec.redis_url)
    trigger_metadata = {
        "addressFromEnv": ADDRESS_ENV,
        "listName": RQ_QUEUE_KEY.format(spec.queue),
        "listLength": str(spec.jobs_per_worker),
        "activationListLength": "0",
        "databaseIndex": str(redis.database),
        "enableTLS": "true" if redis.tls else "false",
    }
    if redis.username:
        trigger_metadata["usernameFromEnv"] = USERNAME_ENV
    if redis.password:
        trigger_metadata["passwordFromEnv"] = PASSWORD_ENV
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": _metadata(spec, _image_tag(spec.image)),
        "spec": {
            "scaleTargetRef": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": spec.object_name,
            },
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "minReplicaCount": spec.min_replicas,
            "maxReplicaCount": spec.max_replicas,
            "triggers": [
                {"type": "redis", "name": "rq-queue-length", "metadata": trigger_metadata}
            ],
        },
    }


def manifests(spec: KubeWorkerSpec, *, keda: bool) -> list[dict[str, Any]]:
    """Every object of the worker target, in the order they are applied."""
    spec.check()
    found = [secret(spec), deployment(spec, keda=keda)]
    if keda:
        found.append(scaled_object(spec))
    return found
