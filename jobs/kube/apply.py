"""Create-or-replace and delete-by-label for the objects this package makes, and what a
Deployment's status says (transitioning, healthy, unhealthy, failed) in words for the logs."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from jobs.kube import labels as lb
from jobs.kube.cluster import Cluster
from jobs.kube.errors import KubeRejectedError

# Deleted in this order: what scales a Deployment goes before it.
SCORING_KINDS = ("HorizontalPodAutoscaler", "Service", "Deployment", "Secret")
WORKER_KINDS = ("ScaledObject", "Deployment", "Secret")

# Waiting reasons that do not fix themselves: the rollout has failed, say why.
_FATAL_WAITING = {
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
}


def apply(cluster: Cluster, body: dict[str, Any], *, keep_replicas: bool = False) -> str:
    """Create `body`, or replace the live object of that name ("created" or "replaced").

    Replacing a Deployment rolls its pods when the pod template changed. With `keep_replicas`
    the live replica count is kept (an HPA or KEDA owns it; a replace must not undo scaling).

    Raises:
        KubeRejectedError: An object of that name exists that Flowbench did not make.
    """
    kind, name = body["kind"], body["metadata"]["name"]
    for attempt in range(2):
        live = cluster.read(kind, name)
        if live is None:
            cluster.create(body)
            return "created"
        owner = (live.get("metadata", {}).get("labels") or {}).get("app.kubernetes.io/managed-by")
        if owner != lb.MANAGED_BY:
            raise KubeRejectedError(
                f"{kind} '{name}' already exists in namespace '{cluster.namespace}' and was not "
                "made by Flowbench: not replacing it. Choose another name or namespace."
            )
        new = _carry_over(body, live, keep_replicas=keep_replicas)
        try:
            cluster.replace(new)
        except KubeRejectedError as exc:
            # 409: it changed between our read and our write (a controller's status update).
            if attempt == 0 and " 409 " in str(exc):
                continue
            raise
        return "replaced"
    raise AssertionError("unreachable")  # pragma: no cover


def _carry_over(body: dict[str, Any], live: dict[str, Any], *, keep_replicas: bool) -> dict:
    """`body` with what the server owns copied from the live object."""
    new = copy.deepcopy(body)
    new["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
    live_spec = live.get("spec") or {}
    if body["kind"] == "Service":
        # clusterIP is immutable once assigned; node ports would change if dropped.
        for key in ("clusterIP", "clusterIPs", "healthCheckNodePort"):
            if key in live_spec:
                new["spec"][key] = live_spec[key]
        live_ports = {p.get("name"): p.get("nodePort") for p in live_spec.get("ports") or []}
        for port in new["spec"].get("ports") or []:
            if live_ports.get(port.get("name")) and port.get("nodePort") is None:
                port["nodePort"] = live_ports[port["name"]]
    if body["kind"] == "Deployment" and keep_replicas and live_spec.get("replicas") is not None:
        new["spec"]["replicas"] = live_spec["replicas"]
    return new


def delete_all(cluster: Cluster, selector: str, kinds: tuple[str, ...]) -> list[str]:
    """Delete every object of `kinds` that `selector` matches; "Kind/name" of each removed."""
    removed = []
    for kind in kinds:
        for item in cluster.list(kind, selector):
            name = item["metadata"]["name"]
            if cluster.delete(kind, name):
                removed.append(f"{kind}/{name}")
    return removed


@dataclass(frozen=True)
class RolloutStatus:
    """Where a Deployment stands, with sentences for the deployment log."""

    state: str  # transitioning | healthy | unhealthy | failed
    messages: list[str] = field(default_factory=list)
    replicas: int = 0
    ready_replicas: int = 0
    updated_replicas: int = 0


def rollout_status(
    cluster: Cluster,
    deployment: dict[str, Any] | None,
    pod_selector: str,
    *,
    allow_zero: bool = False,
) -> RolloutStatus:
    """Read a Deployment's conditions, counts and (when it is not healthy) its pods' troubles.

    `allow_zero`: zero wanted replicas is healthy (workers scaled to zero by KEDA).
    """
    if deployment is None:
        return RolloutStatus(
            "failed", ["The Deployment does not exist (deleted outside Flowbench?)."]
        )
    name = deployment["metadata"]["name"]
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    wanted = int(spec.get("replicas", 1))
    ready = int(status.get("readyReplicas") or 0)
    updated = int(status.get("updatedReplicas") or 0)
    total = int(status.get("replicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    counts = dict(replicas=wanted, ready_replicas=ready, updated_replicas=updated)
    messages = [
        f"Deployment {name}: {ready}/{wanted} ready, {updated} updated, {available} available."
    ]
    progressing = conditions.get("Progressing") or {}
    failure = conditions.get("ReplicaFailure") or {}
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        messages.append(f"Rollout failed: {progressing.get('message', 'progress deadline')}.")
        return RolloutStatus("failed", messages + _pod_troubles(cluster, pod_selector), **counts)
    if failure.get("status") == "True":
        messages.append(f"Replica failure: {failure.get('message', '')}")
        return RolloutStatus("failed", messages, **counts)
    troubles = (
        [] if (ready >= wanted and updated >= wanted) else _pod_troubles(cluster, pod_selector)
    )
    if any(t.startswith("Cannot start") for t in troubles):
        return RolloutStatus("failed", messages + troubles, **counts)
    generation = int(deployment["metadata"].get("generation") or 0)
    observed = int(status.get("observedGeneration") or 0)
    if observed < generation:
        messages.append("The Deployment controller has not yet seen the latest change.")
        return RolloutStatus("transitioning", messages, **counts)
    if wanted == 0:
        return RolloutStatus(
            "healthy" if allow_zero else "unhealthy",
            messages + ["Scaled to zero replicas."],
            **counts,
        )
    rolled_out = updated >= wanted and total <= wanted
    if rolled_out and ready >= wanted:
        return RolloutStatus("healthy", messages, **counts)
    if not rolled_out:
        messages.append("Rolling out: new pods are starting while the old ones serve.")
        return RolloutStatus("transitioning", messages + troubles, **counts)
    # Rolled out, yet not every pod is ready. If this version was available once, something
    # broke since (a crash, a failing probe); otherwise its pods are still starting.
    if progressing.get("reason") == "NewReplicaSetAvailable":
        return RolloutStatus("unhealthy", messages + troubles, **counts)
    messages.append("Waiting for the pods to pass their readiness probe.")
    return RolloutStatus("transitioning", messages + troubles, **counts)


def _pod_troubles(cluster: Cluster, selector: str) -> list[str]:
    """One sentence per container that waits or restarts, naming the reason Kubernetes gives."""
    found = []
    for pod in cluster.list("Pod", selector):
        pod_name = pod["metadata"]["name"]
        status = pod.get("status") or {}
        for cond in status.get("conditions") or []:
            if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
                found.append(f"Pod {pod_name} cannot be scheduled: {cond.get('message', '')}")
        for cs in status.get("containerStatuses") or []:
            waiting = (cs.get("state") or {}).get("waiting") or {}
            reason = waiting.get("reason")
            if reason in _FATAL_WAITING:
                found.append(
                    f"Cannot start pod {pod_name}: {reason}: {waiting.get('message', '')}".rstrip(
                        ": "
                    )
                )
            elif reason:
                found.append(
                    f"Pod {pod_name} waits: {reason} (restarted "
                    f"{cs.get('restartCount', 0)} times). {waiting.get('message', '')}".rstrip()
                )
    return found
