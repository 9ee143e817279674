"""Kubernetes compute targets: a compute target whose workers run as a Deployment on a cluster.

The target's row names its queue like any other; its Kubernetes settings (no secrets) are kept
in `store.kube_targets`. Deploying puts the Redis URL and the artifact store's settings from the
control plane's own environment into a Kubernetes Secret, so nothing secret is stored or logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jobs.kube import (
    KubeError,
    KubeSpecError,
    KubeWorkerSpec,
    delete_workers,
    deploy_workers,
    workers_status,
)
from storage import WorkspaceStore
from storage.errors import ConflictError, NotFoundError

# Variables the artifact store reads (FLOWBENCH_ARTIFACTS=az://...|s3://...|file://... and the
# credentials of its backends), forwarded from the control plane's environment to the workers.
FORWARDED_ENV_PREFIXES = (
    "FLOWBENCH_ARTIFACTS",
    "AZURE_STORAGE_",
    "AZURE_CLIENT_",
    "AZURE_TENANT_ID",
    "AWS_",
)
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def forwarded_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The artifact store's settings and credentials found in `environ`."""
    return {k: v for k, v in sorted(environ.items()) if k.startswith(FORWARDED_ENV_PREFIXES)}


def pod_redis_url(control_plane_url: str, redis_address: str | None) -> str:
    """The control plane's Redis URL with its host:port replaced by the address pods reach."""
    if not redis_address:
        return control_plane_url
    parts = urlsplit(control_plane_url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{redis_address}" if userinfo else redis_address
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


class KubeComputeService:
    """Create, inspect and delete Kubernetes compute targets."""

    def __init__(
        self, store: WorkspaceStore, redis_url: str, environ: Mapping[str, str] | None = None
    ) -> None:
        self.store = store
        self.redis_url = redis_url
        self.environ = os.environ if environ is None else environ

    def worker_spec(self, name: str, settings: dict[str, Any]) -> KubeWorkerSpec:
        """The worker fleet `settings` describe, with the secrets filled in from the environment.

        Raises:
            KubeSpecError: A setting is not valid.
        """
        fields = {
            k: v
            for k, v in settings.items()
            if k in KubeWorkerSpec.__dataclass_fields__ and v is not None
        }
        fields.pop("redis_url", None)
        fields.pop("env", None)
        try:
            spec = KubeWorkerSpec(
                name=name,
                redis_url=pod_redis_url(self.redis_url, settings.get("redis_address")),
                env=forwarded_env(self.environ),
                **fields,
            )
        except TypeError as exc:  # a field of the wrong kind slipped past the API's model
            raise KubeSpecError(f"Kubernetes settings of '{name}': {exc}") from exc
        spec.check()
        return spec

    def warnings(self, settings: dict[str, Any]) -> list[str]:
        """What will keep the workers from working although the cluster accepted them."""
        found = []
        artifacts = self.environ.get("FLOWBENCH_ARTIFACTS", "")
        if not artifacts or artifacts.startswith("file://"):
            found.append(
                "FLOWBENCH_ARTIFACTS does not name an object store (az://... or "
                "s3://...): workers on the cluster cannot read or write this workspace's "
                "artifacts."
            )
        host = urlsplit(pod_redis_url(self.redis_url, settings.get("redis_address"))).hostname
        if host in _LOOPBACK:
            found.append(
                f"Redis is at {host} for the pods, which is the pod itself: set the "
                "Redis address as the cluster reaches it."
            )
        return found

    def put(
        self,
        name: str,
        settings: dict[str, Any],
        *,
        description: str = "",
        is_default: bool = False,
    ) -> dict[str, Any]:
        """Deploy (or update) the target's workers, then record the target.

        Raises:
            KubeSpecError: A setting is not valid (nothing was sent).
            KubeError: The cluster refused or could not be reached (nothing was recorded).
            ConflictError: `name` is a compute target of another kind.
        """
        kube_names = {r.name for r in self.store.kube_targets.list()}
        if name not in kube_names and any(
            t.name == name for t in self.store.list_compute_targets()
        ):
            raise ConflictError(
                f"Compute target '{name}' exists and is not a Kubernetes "
                "target; choose another name."
            )
        settings = {**settings, "queue": settings.get("queue") or name}
        spec = self.worker_spec(name, settings)
        keda = {"auto": None, "on": True, "off": False}[settings.get("keda") or "auto"]
        scaler, applied = deploy_workers(spec, keda=keda)
        self.store.upsert_compute_target(
            name=name, queue=spec.queue, description=description, is_default=is_default
        )
        record = self.store.kube_targets.save(name, settings, scaler=scaler)
        return {**self._describe(record), "applied": applied, "warnings": self.warnings(settings)}

    def list(self) -> list[dict[str, Any]]:
        """Every Kubernetes compute target with its settings (no live status)."""
        return [self._describe(r) for r in self.store.kube_targets.list()]

    def status(self, name: str) -> dict[str, Any]:
        """The target's settings and its worker Deployment's live state on the cluster.

        Raises:
            NotFoundError: No Kubernetes compute target `name`.
        """
        record = self.store.kube_targets.get(name)
        where = self._where(record.settings)
        try:
            live = workers_status(name, **where)
            cluster = {
                "state": live.state,
                "scaler": live.scaler,
                "messages": live.messages,
                "replicas": live.replicas,
                "ready_replicas": live.ready_replicas,
            }
        except KubeError as exc:
            cluster = {
                "state": "unknown",
                "scaler": record.scaler,
                "messages": [str(exc)],
                "replicas": None,
                "ready_replicas": None,
            }
        return {
            **self._describe(record),
            "cluster": cluster,
            "warnings": self.warnings(record.settings),
        }

    def delete(self, name: str) -> list[str]:
        """Delete the target's objects on the cluster, then the target.

        Raises:
            NotFoundError: No Kubernetes compute target `name`.
            ConflictError: It is the default target.
            KubeError: The cluster could not be reached (the target is kept).
        """
        record = self.store.kube_targets.get(name)
        if any(t.name == name and t.is_default for t in self.store.list_compute_targets()):
            raise ConflictError(
                f"Compute target '{name}' is the default; make another target the default first."
            )
        removed = delete_workers(name, **self._where(record.settings))
        self.store.kube_targets.remove_target(name)
        return removed

    @staticmethod
    def _where(settings: dict[str, Any]) -> dict[str, Any]:
        return {
            "namespace": settings.get("namespace") or "default",
            "context": settings.get("context"),
            "kubeconfig": settings.get("kubeconfig"),
        }

    def _describe(self, record) -> dict[str, Any]:
        target = next((t for t in self.store.list_compute_targets() if t.name == record.name), None)
        if target is None:
            raise NotFoundError(f"No compute target named '{record.name}' exists.")
        return {
            "name": record.name,
            "kind": "kubernetes",
            "queue": target.queue,
            "description": target.description,
            "is_default": target.is_default,
            "settings": record.settings,
            "scaler": record.scaler,
            "deployed_at": record.deployed_at.isoformat() if record.deployed_at else None,
            "object_name": KubeWorkerSpec(
                name=record.name, queue=target.queue, redis_url="redis://x"
            ).object_name,
        }
