"""Deploy, inspect and delete a fleet of Flowbench workers (a Kubernetes compute target)."""

from __future__ import annotations

from dataclasses import dataclass, field

from jobs.kube import labels as lb
from jobs.kube import worker_manifests as m
from jobs.kube.apply import WORKER_KINDS, apply, delete_all, rollout_status
from jobs.kube.cluster import KEDA_CRD, Cluster, connect
from jobs.kube.worker_manifests import KubeWorkerSpec


@dataclass(frozen=True)
class WorkersStatus:
    """The worker Deployment's state, and what scales it."""

    state: str  # transitioning | healthy | unhealthy | failed
    scaler: str  # "keda" (follows the queue's length) | "replicas" (a fixed count)
    messages: list[str] = field(default_factory=list)
    replicas: int = 0
    ready_replicas: int = 0


def _cluster(namespace: str, context: str | None, kubeconfig: str | None) -> Cluster:
    return connect(kubeconfig=kubeconfig, context=context, namespace=namespace)


def deploy_workers(spec: KubeWorkerSpec, *, keda: bool | None = None) -> tuple[str, list[str]]:
    """Create or update the workers of a compute target; (scaler, "verb Kind/name" lines).

    `keda`: None looks for KEDA's CRD (scaledobjects.keda.sh) on the cluster; with it the
    ScaledObject owns the replica count (min..max following the queue's length), without it
    the Deployment runs `spec.replicas` workers.

    Raises:
        KubeSpecError: a setting is wrong (nothing was sent).
        KubeError: the cluster could not be reached, refused, or has no such namespace.
    """
    spec.check()
    cluster = _cluster(spec.namespace, spec.context, spec.kubeconfig)
    use_keda = cluster.has_crd(KEDA_CRD) if keda is None else keda
    done = []
    for body in m.manifests(spec, keda=use_keda):
        verb = apply(cluster, body, keep_replicas=use_keda)
        done.append(f"{verb} {body['kind']}/{body['metadata']['name']}")
    if not use_keda:
        # KEDA was used before (or removed since): a leftover ScaledObject would fight the
        # fixed count.
        for item in cluster.list("ScaledObject", lb.instance_selector(spec.object_name, lb.WORKER)):
            if cluster.delete("ScaledObject", item["metadata"]["name"]):
                done.append(f"deleted ScaledObject/{item['metadata']['name']}")
    return ("keda" if use_keda else "replicas"), done


def workers_status(
    name: str,
    *,
    namespace: str = "default",
    context: str | None = None,
    kubeconfig: str | None = None,
) -> WorkersStatus:
    """Where the target's worker Deployment stands (zero replicas is fine under KEDA)."""
    cluster = _cluster(namespace, context, kubeconfig)
    instance = lb.object_name("fb-wk", name)
    scaled = cluster.list("ScaledObject", lb.instance_selector(instance, lb.WORKER))
    pods = f"app.kubernetes.io/name={m.APP},app.kubernetes.io/instance={instance}"
    rollout = rollout_status(
        cluster, cluster.read("Deployment", instance), pods, allow_zero=bool(scaled)
    )
    return WorkersStatus(
        rollout.state,
        "keda" if scaled else "replicas",
        rollout.messages,
        rollout.replicas,
        rollout.ready_replicas,
    )


def delete_workers(
    name: str,
    *,
    namespace: str = "default",
    context: str | None = None,
    kubeconfig: str | None = None,
) -> list[str]:
    """Delete every object made for the target's workers; "Kind/name" of each removed."""
    cluster = _cluster(namespace, context, kubeconfig)
    instance = lb.object_name("fb-wk", name)
    return delete_all(cluster, lb.instance_selector(instance, lb.WORKER), WORKER_KINDS)
