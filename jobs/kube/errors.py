"""Errors of the Kubernetes deployment targets, each naming what is wrong and where."""

from __future__ import annotations

from jobs.errors import PipelineError


class KubeError(PipelineError):
    """Base class: something went wrong talking to a Kubernetes cluster."""


class KubeConfigError(KubeError):
    """No kubeconfig, a kubeconfig that does not parse, or a context it does not have."""


class KubeUnreachableError(KubeError):
    """No API server answers at the address the context names."""


class KubeForbiddenError(KubeError):
    """The cluster refused the credentials (401) or the action (403, RBAC)."""


class KubeNotFoundError(KubeError):
    """The namespace, or the object asked about, does not exist."""


class KubeRejectedError(KubeError):
    """The API server rejected an object (422 invalid, 409 conflict, 5xx)."""


class KubeSpecError(KubeError):
    """A deployment setting is not valid (name, replicas, CPU or memory, image)."""
