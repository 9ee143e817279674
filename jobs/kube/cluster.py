"""A connection to one Kubernetes cluster through the official client, and the few verbs we use.

Objects travel as plain dicts (the manifests this package builds); reads ask the client for the
raw JSON (`_preload_content=False`) so typed resources and custom resources (KEDA) look alike.
Every client error becomes a `KubeError` that says which context, namespace and object failed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from jobs.kube.errors import (
    KubeConfigError,
    KubeError,
    KubeForbiddenError,
    KubeNotFoundError,
    KubeRejectedError,
    KubeUnreachableError,
)

# (connect seconds, read seconds) for every call: an unreachable cluster fails fast.
REQUEST_TIMEOUT = (5.0, 30.0)

# kind -> (client API class, the suffix of its *_namespaced_<suffix> methods)
_TYPED: dict[str, tuple[type, str]] = {
    "Deployment": (k8s.AppsV1Api, "deployment"),
    "Service": (k8s.CoreV1Api, "service"),
    "Secret": (k8s.CoreV1Api, "secret"),
    "Pod": (k8s.CoreV1Api, "pod"),
    "HorizontalPodAutoscaler": (k8s.AutoscalingV2Api, "horizontal_pod_autoscaler"),
}
# kind -> (group, version, plural) of custom resources
_CUSTOM: dict[str, tuple[str, str, str]] = {
    "ScaledObject": ("keda.sh", "v1alpha1", "scaledobjects"),
}
KEDA_CRD = "scaledobjects.keda.sh"


def kubeconfig_path(kubeconfig: str | os.PathLike[str] | None = None) -> str:
    """The kubeconfig to read: the argument, else $KUBECONFIG, else ~/.kube/config."""
    if kubeconfig:
        return str(kubeconfig)
    return os.environ.get("KUBECONFIG") or str(Path("~/.kube/config").expanduser())


def list_contexts(kubeconfig: str | os.PathLike[str] | None = None) -> list[str]:
    """The context names of a kubeconfig, in file order (for the deploy form's choice).

    Raises:
        KubeConfigError: No kubeconfig there, or it does not parse.
    """
    contexts, _ = _contexts(kubeconfig)
    return [c["name"] for c in contexts]


def current_context(kubeconfig: str | os.PathLike[str] | None = None) -> str | None:
    """The kubeconfig's current-context, or None when it names none."""
    _, active = _contexts(kubeconfig)
    return active["name"] if active else None


def _contexts(kubeconfig: str | os.PathLike[str] | None) -> tuple[list[dict], dict | None]:
    path = kubeconfig_path(kubeconfig)
    if not any(Path(p).expanduser().is_file() for p in path.split(os.pathsep) if p):
        raise KubeConfigError(
            f"No kubeconfig file at {path}: point KUBECONFIG (or the "
            "kubeconfig setting) at one, e.g. from `az aks get-credentials`."
        )
    try:
        contexts, active = k8s_config.list_kube_config_contexts(config_file=path)
    except ConfigException as exc:
        # A file with no current-context still lists its contexts.
        if "current-context" in str(exc):
            return _contexts_without_current(path), None
        raise KubeConfigError(f"The kubeconfig {path} cannot be read: {exc}") from exc
    except Exception as exc:  # yaml errors and the like
        raise KubeConfigError(f"The kubeconfig {path} cannot be read: {exc}") from exc
    return list(contexts or []), active


def _contexts_without_current(path: str) -> list[dict]:
    import yaml  # a dependency of the kubernetes client

    try:
        with open(Path(path).expanduser()) as fh:
            doc = yaml.safe_load(fh) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise KubeConfigError(f"The kubeconfig {path} cannot be read: {exc}") from exc
    return [c for c in doc.get("contexts") or [] if isinstance(c, dict) and "name" in c]


@dataclass
class Cluster:
    """An API client bound to one context; `namespace` is where objects go."""

    api: k8s.ApiClient
    context: str
    namespace: str

    @property
    def host(self) -> str:
        return self.api.configuration.host

    # -- verbs on objects (plain dicts) -------------------------------------------------------

    def read(self, kind: str, name: str) -> dict[str, Any] | None:
        """The live object, or None when it does not exist."""
        try:
            return self._raw(f"read {kind} {name}", self._method("read", kind), name)
        except KubeNotFoundError:
            return None

    def list(self, kind: str, label_selector: str) -> list[dict[str, Any]]:
        """Objects of `kind` in the namespace whose labels match `label_selector`."""
        try:
            found = self._raw(
                f"list {kind} ({label_selector})",
                self._method("list", kind),
                label_selector=label_selector,
            )
        except KubeNotFoundError:
            if kind in _CUSTOM:  # the cluster does not know the kind (KEDA not installed)
                return []
            raise
        return list(found.get("items") or [])

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        kind, name = body["kind"], body["metadata"]["name"]
        return self._raw(f"create {kind} {name}", self._method("create", kind), body=body)

    def replace(self, body: dict[str, Any]) -> dict[str, Any]:
        """Replace the whole object (PUT); `body` must carry the live resourceVersion."""
        kind, name = body["kind"], body["metadata"]["name"]
        return self._raw(f"replace {kind} {name}", self._method("replace", kind), name, body=body)

    def patch(self, kind: str, name: str, patch: dict[str, Any]) -> dict[str, Any]:
        """A merge patch of part of an object (used for the Secret's data only)."""
        # Said explicitly: the client would otherwise pick a type by its own rules, and custom
        # resources do not take strategic merge patches.
        return self._raw(
            f"patch {kind} {name}",
            self._method("patch", kind),
            name,
            body=patch,
            _content_type="application/merge-patch+json",
        )

    def delete(self, kind: str, name: str) -> bool:
        """Delete an object and, in the background, what it owns; False if it was not there."""
        options = {"propagationPolicy": "Background"}
        try:
            self._raw(f"delete {kind} {name}", self._method("delete", kind), name, body=options)
        except KubeNotFoundError:
            return False
        return True

    def has_crd(self, name: str) -> bool:
        """Whether the cluster knows a custom resource definition, e.g. KEDA's scaledobjects."""
        api = k8s.ApiextensionsV1Api(self.api)
        try:
            self._raw(f"look up CRD {name}", api.read_custom_resource_definition, name)
        except KubeNotFoundError:
            return False
        except KubeForbiddenError:
            # Reading CRDs is cluster-scoped and often not granted: try listing the kind itself.
            return self._can_list_custom("ScaledObject") if name == KEDA_CRD else False
        return True

    def server_version(self) -> str:
        """The API server's version (`/version`), e.g. "v1.33.2": a reachability check."""
        found = self._raw("read the server version", k8s.VersionApi(self.api).get_code)
        return str(found.get("gitVersion") or "")

    # -- plumbing -------------------------------------------------------------------------------

    def _can_list_custom(self, kind: str) -> bool:
        try:
            self.list(kind, "app.kubernetes.io/managed-by=flowbench")
        except KubeError:
            return False
        return True

    def _method(self, verb: str, kind: str):
        """A bound client method for `verb` on `kind`, with the namespace filled in."""
        if kind in _TYPED:
            api_class, suffix = _TYPED[kind]
            method = getattr(api_class(self.api), f"{verb}_namespaced_{suffix}")

            def typed(*args, **kwargs):
                if verb in ("read", "replace", "patch", "delete"):
                    return method(args[0], self.namespace, *args[1:], **kwargs)
                return method(self.namespace, *args, **kwargs)

            return typed
        if kind in _CUSTOM:
            group, version, plural = _CUSTOM[kind]
            api = k8s.CustomObjectsApi(self.api)
            name = {
                "read": "get",
                "list": "list",
                "create": "create",
                "replace": "replace",
                "patch": "patch",
                "delete": "delete",
            }[verb]
            method = getattr(api, f"{name}_namespaced_custom_object")

            def custom(*args, **kwargs):
                return method(group, version, self.namespace, plural, *args, **kwargs)

            return custom
        raise ValueError(f"jobs.kube does not handle kind {kind!r}")  # programmer mistake

    def _raw(self, what: str, method, *args, **kwargs) -> dict[str, Any]:
        try:
            response = method(
                *args, _preload_content=False, _request_timeout=REQUEST_TIMEOUT, **kwargs
            )
        except ApiException as exc:
            raise self._api_error(what, exc) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise KubeUnreachableError(
                f"No Kubernetes API server answers at {self.host} (context '{self.context}'): "
                f"could not {what}: {_reason(exc)}"
            ) from exc
        data = response.data
        return json.loads(data) if data else {}

    def _api_error(self, what: str, exc: ApiException) -> KubeError:
        status = _status_body(exc)
        message = status.get("message") or exc.reason or ""
        where = f"context '{self.context}', namespace '{self.namespace}'"
        if exc.status == 401:
            return KubeForbiddenError(
                f"The cluster of context '{self.context}' did not accept its credentials "
                f"(401 Unauthorized) trying to {what}: refresh them (e.g. az aks get-credentials)."
            )
        if exc.status == 403:
            return KubeForbiddenError(f"Not allowed to {what} ({where}): {message}")
        if exc.status == 404:
            details = status.get("details") or {}
            if details.get("kind") == "namespaces" or message.startswith("namespaces "):
                return KubeNotFoundError(
                    f"Namespace '{self.namespace}' does not exist in context '{self.context}' "
                    f"(could not {what}): create it with `kubectl create namespace "
                    f"{self.namespace}` or choose another."
                )
            return KubeNotFoundError(f"Could not {what} ({where}): not found. {message}".strip())
        return KubeRejectedError(
            f"The API server refused to {what} ({where}): {exc.status} {exc.reason}: {message}"
        )


def connect(
    *,
    kubeconfig: str | os.PathLike[str] | None = None,
    context: str | None = None,
    namespace: str = "default",
) -> Cluster:
    """A client for `context` of the kubeconfig (its current context when None).

    Inside a pod with no kubeconfig file, the pod's service account is used.

    Raises:
        KubeConfigError: No kubeconfig, or it lacks the context, or its credentials are unusable.
    """
    path = kubeconfig_path(kubeconfig)
    configuration = k8s.Configuration()
    configuration.retries = 1  # urllib3's default (3) only delays the "unreachable" answer
    in_cluster = (
        not kubeconfig
        and context is None
        and os.environ.get("KUBERNETES_SERVICE_HOST")
        and not Path(path).expanduser().exists()
    )
    if in_cluster:
        try:
            k8s_config.load_incluster_config(client_configuration=configuration)
        except ConfigException as exc:
            raise KubeConfigError(f"In-cluster Kubernetes configuration failed: {exc}") from exc
        return Cluster(k8s.ApiClient(configuration), "in-cluster", namespace)
    names = list_contexts(path)
    chosen = context or current_context(path)
    if chosen is None:
        raise KubeConfigError(
            f"The kubeconfig {path} has no current context: choose one of "
            f"{', '.join(names) or '(none)'}."
        )
    if chosen not in names:
        raise KubeConfigError(
            f"The kubeconfig {path} has no context '{chosen}'; it has: "
            f"{', '.join(names) or '(none)'}."
        )
    try:
        k8s_config.load_kube_config(
            config_file=path, context=chosen, client_configuration=configuration
        )
    except (ConfigException, OSError, ValueError) as exc:
        raise KubeConfigError(f"Context '{chosen}' of {path} cannot be used: {exc}") from exc
    return Cluster(k8s.ApiClient(configuration), chosen, namespace)


def _status_body(exc: ApiException) -> dict[str, Any]:
    try:
        body = json.loads(exc.body) if exc.body else {}
    except (TypeError, ValueError):
        return {"message": str(exc.body)[:300]}
    return body if isinstance(body, dict) else {}


def _reason(exc: urllib3.exceptions.HTTPError) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)
