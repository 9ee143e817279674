"""Kubernetes deployment targets on the official `kubernetes` client: real-time endpoints
(Deployment, Service, Secret, HorizontalPodAutoscaler) and worker compute targets (Deployment,
Secret, KEDA ScaledObject on the RQ queue's length). Manifests are plain dicts; see
scoring_manifests.py and worker_manifests.py.
"""

from jobs.kube.cluster import Cluster, connect, current_context, list_contexts
from jobs.kube.errors import (
    KubeConfigError,
    KubeError,
    KubeForbiddenError,
    KubeNotFoundError,
    KubeRejectedError,
    KubeSpecError,
    KubeUnreachableError,
)
from jobs.kube.scoring import (
    EndpointStatus,
    delete_endpoint,
    deploy_endpoint,
    endpoint_status,
    update_bundle_token,
    update_endpoint_keys,
)
from jobs.kube.scoring_manifests import DEFAULT_IMAGE, KubeEndpointSpec
from jobs.kube.worker_manifests import KubeWorkerSpec
from jobs.kube.workers import WorkersStatus, delete_workers, deploy_workers, workers_status

__all__ = [
    "DEFAULT_IMAGE",
    "Cluster",
    "EndpointStatus",
    "KubeConfigError",
    "KubeEndpointSpec",
    "KubeError",
    "KubeForbiddenError",
    "KubeNotFoundError",
    "KubeRejectedError",
    "KubeSpecError",
    "KubeUnreachableError",
    "KubeWorkerSpec",
    "WorkersStatus",
    "connect",
    "current_context",
    "delete_endpoint",
    "delete_workers",
    "deploy_endpoint",
    "deploy_workers",
    "endpoint_status",
    "list_contexts",
    "update_bundle_token",
    "update_endpoint_keys",
    "workers_status",
]
