"""Deploy, inspect and delete a real-time endpoint on a Kubernetes cluster.

The endpoints service (app/services/endpoints.py) calls these for target=kubernetes, in its
background deploy task; each raises `KubeError` with a message fit for the deployment log.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from jobs.kube import labels as lb
from jobs.kube import scoring_manifests as m
from jobs.kube.apply import SCORING_KINDS, apply, delete_all, rollout_status
from jobs.kube.cluster import Cluster, connect
from jobs.kube.errors import KubeNotFoundError
from jobs.kube.scoring_manifests import KubeEndpointSpec


@dataclass(frozen=True)
class EndpointStatus:
    """An endpoint's state on the cluster and the sentences that explain it."""

    state: str  # transitioning | healthy | unhealthy | failed
    messages: list[str] = field(default_factory=list)
    replicas: int = 0
    ready_replicas: int = 0
    url: str | None = None  # http://<load balancer>:80 once the Service has an address


def _cluster(namespace: str, context: str | None, kubeconfig: str | None) -> Cluster:
    return connect(kubeconfig=kubeconfig, context=context, namespace=namespace)


def deploy_endpoint(spec: KubeEndpointSpec) -> list[str]:
    """Create or update every object of the endpoint; "created/replaced Kind/name" lines.

    An update replaces the objects: the Deployment rolls to the new version (new pods are
    ready before old ones stop), the replica count an autoscaler chose is kept, and an
    autoscaler no longer wanted is removed.

    Raises:
        KubeSpecError: a setting is wrong (nothing was sent).
        KubeError: the cluster could not be reached, refused, or has no such namespace.
    """
    bodies = m.manifests(spec)
    cluster = _cluster(spec.namespace, spec.context, spec.kubeconfig)
    done = []
    for body in bodies:
        verb = apply(cluster, body, keep_replicas=spec.autoscale)
        done.append(f"{verb} {body['kind']}/{body['metadata']['name']}")
    if not spec.autoscale and cluster.delete("HorizontalPodAutoscaler", spec.object_name):
        done.append(f"deleted HorizontalPodAutoscaler/{spec.object_name}")
    return done


def endpoint_status(
    name: str,
    *,
    namespace: str = "default",
    context: str | None = None,
    kubeconfig: str | None = None,
) -> EndpointStatus:
    """The endpoint's rollout state from its Deployment, and its URL from its Service.

    Raises:
        KubeError: the cluster could not be reached or refused.
    """
    cluster = _cluster(namespace, context, kubeconfig)
    instance = lb.object_name("fb-ep", name)
    deployment = cluster.read("Deployment", instance)
    pods = f"app.kubernetes.io/name={m.APP},app.kubernetes.io/instance={instance}"
    rollout = rollout_status(cluster, deployment, pods)
    return EndpointStatus(
        rollout.state,
        rollout.messages,
        rollout.replicas,
        rollout.ready_replicas,
        _service_url(cluster, instance),
    )


def _service_url(cluster: Cluster, instance: str) -> str | None:
    found = cluster.read("Service", instance)
    if found is None:
        return None
    ingress = ((found.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    for entry in ingress:
        host = entry.get("ip") or entry.get("hostname")
        if host:
            return f"http://{host}:80"
    return None


def delete_endpoint(
    name: str,
    *,
    namespace: str = "default",
    context: str | None = None,
    kubeconfig: str | None = None,
) -> list[str]:
    """Delete every object made for the endpoint (found by its labels); "Kind/name" of each."""
    cluster = _cluster(namespace, context, kubeconfig)
    instance = lb.object_name("fb-ep", name)
    return delete_all(cluster, lb.instance_selector(instance, lb.SCORING), SCORING_KINDS)


def update_endpoint_keys(
    name: str,
    primary_sha256: str,
    secondary_sha256: str,
    *,
    namespace: str = "default",
    context: str | None = None,
    kubeconfig: str | None = None,
) -> None:
    """Put new key hashes in the endpoint's Secret; the mounted keys file follows without a
    restart (the kubelet refreshes it within about a minute)."""
    document = m.keys_document(primary_sha256, secondary_sha256)
    _patch_secret(name, {m.KEYS_FILE: document}, namespace, context, kubeconfig)


def update_bundle_token(
    name: str,
    token: str,
    *,
    namespace: str = "default",
    context: str | None = None,
    kubeconfig: str | None = None,
) -> None:
    """Put a fresh bundle token in the Secret: pods started from now on (scale-out, restarts)
    fetch the bundle with it; running pods are not touched."""
    _patch_secret(name, {m.TOKEN_KEY: token}, namespace, context, kubeconfig)


def _patch_secret(
    name: str, values: dict[str, str], namespace: str, context: str | None, kubeconfig: str | None
) -> None:
    cluster = _cluster(namespace, context, kubeconfig)
    instance = lb.object_name("fb-ep", name)
    if cluster.read("Secret", instance) is None:
        raise KubeNotFoundError(
            f"Endpoint '{name}' has no Secret {instance} in namespace "
            f"'{namespace}' (context '{cluster.context}'): deploy it first."
        )
    data = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    cluster.patch("Secret", instance, {"data": data})
