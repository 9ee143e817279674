"""A small stand-in for a Kubernetes API server: the paths jobs.kube uses, nothing more.

It answers like the real one where our code depends on it (Status bodies, 404 for a missing
namespace, 409 on a stale resourceVersion or an existing name, immutable Service clusterIP and
Deployment selector, merge patches, label selectors, bearer-token auth), records every request,
and lets a test play the Deployment controller (`settle`, `set_status`) and add pods.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

TOKEN = "fake-token-for-tests"

# plural -> (path prefix, kind, apiVersion, group for RBAC messages)
RESOURCES = {
    "deployments": ("/apis/apps/v1", "Deployment", "apps/v1", "apps"),
    "services": ("/api/v1", "Service", "v1", ""),
    "secrets": ("/api/v1", "Secret", "v1", ""),
    "pods": ("/api/v1", "Pod", "v1", ""),
    "horizontalpodautoscalers": (
        "/apis/autoscaling/v2",
        "HorizontalPodAutoscaler",
        "autoscaling/v2",
        "autoscaling",
    ),
    "scaledobjects": ("/apis/keda.sh/v1alpha1", "ScaledObject", "keda.sh/v1alpha1", "keda.sh"),
}
_PATH = re.compile(
    r"^(?P<prefix>/api/v1|/apis/[^/]+/[^/]+)/namespaces/(?P<ns>[^/]+)/"
    r"(?P<plural>[a-z]+)(?:/(?P<name>[^/]+))?$"
)
_CRD = re.compile(r"^/apis/apiextensions\.k8s\.io/v1/customresourcedefinitions/(?P<name>[^/]+)$")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    content_type: str | None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _status(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details or {},
        "code": code,
    }


class FakeKubeAPI:
    """Objects in memory keyed by (plural, namespace, name)."""

    def __init__(self, namespaces=("default",), keda: bool = False):
        self.namespaces = set(namespaces)
        self.keda = keda
        self.objects: dict[tuple[str, str, str], dict] = {}
        self.requests: list[Request] = []
        self.deny: set[tuple[str, str]] = set()  # (verb, plural) answered 403
        self.conflict_once: set[str] = set()  # plurals whose next PUT meets a concurrent write
        self.rollouts: dict[tuple[str, str], int] = {}  # pod template changes per Deployment
        self._versions = itertools.count(100)
        self._ips = itertools.count(10)
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                code, body = api.handle(
                    self.command,
                    self.path,
                    raw,
                    self.headers.get("Content-Type"),
                    self.headers.get("Authorization"),
                )
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle and kubeconfig ------------------------------------------------------------

    def start(self) -> FakeKubeAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def write_kubeconfig(
        self,
        path: Path,
        *,
        token: str = TOKEN,
        server: str | None = None,
        extra_contexts: tuple[str, ...] = (),
    ) -> Path:
        """A kubeconfig whose context "fake" points here (others at an unused port)."""
        clusters = [{"name": "fake", "cluster": {"server": server or self.url}}]
        contexts = [{"name": "fake", "context": {"cluster": "fake", "user": "tester"}}]
        for name in extra_contexts:
            clusters.append({"name": name, "cluster": {"server": "http://127.0.0.1:9"}})
            contexts.append({"name": name, "context": {"cluster": name, "user": "tester"}})
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "fake",
            "clusters": clusters,
            "contexts": contexts,
            "users": [{"name": "tester", "user": {"token": token}}],
        }
        path.write_text(yaml.safe_dump(doc))
        return path

    # -- what tests look at and play ------------------------------------------------------

    def get(self, plural: str, name: str, namespace: str = "default") -> dict | None:
        return copy.deepcopy(self.objects.get((plural, namespace, name)))

    def names(self, plural: str, namespace: str = "default") -> list[str]:
        return sorted(n for (p, ns, n) in self.objects if p == plural and ns == namespace)

    def sent(self, method: str, plural: str) -> list[Request]:
        return [
            r
            for r in self.requests
            if r.method == method and (m := _PATH.match(r.path)) and m["plural"] == plural
        ]

    def settle(self, name: str, namespace: str = "default", ready: int | None = None) -> None:
        """Play the Deployment controller: the latest template rolled out, `ready` pods ready."""
        with self._lock:
            obj = self.objects[("deployments", namespace, name)]
            wanted = obj["spec"].get("replicas", 1)
            ready = wanted if ready is None else ready
            available = ready >= wanted
            obj["status"] = {
                "observedGeneration": obj["metadata"]["generation"],
                "replicas": wanted,
                "updatedReplicas": wanted,
                "readyReplicas": ready,
                "availableReplicas": ready,
                "conditions": [
                    {
                        "type": "Available",
                        "status": "True" if available else "False",
                        "reason": "MinimumReplicasAvailable"
                        if available
                        else "MinimumReplicasUnavailable",
                    },
                    {
                        "type": "Progressing",
                        "status": "True",
                        "reason": "NewReplicaSetAvailable"
                        if available or ready < wanted and obj["status"].get("readyReplicas")
                        else "ReplicaSetUpdated",
                    },
                ],
            }

    def set_status(self, name: str, namespace: str = "default", **status: Any) -> None:
        with self._lock:
            self.objects[("deployments", namespace, name)]["status"] = status

    def set_replicas(self, name: str, replicas: int, namespace: str = "default") -> None:
        """What an HPA or KEDA does: change the Deployment's replica count."""
        with self._lock:
            self.objects[("deployments", namespace, name)]["spec"]["replicas"] = replicas

    def add_pod(
        self,
        name: str,
        labels: dict[str, str],
        waiting: str | None = None,
        message: str = "",
        namespace: str = "default",
    ) -> None:
        state = {"waiting": {"reason": waiting, "message": message}} if waiting else {"running": {}}
        self.objects[("pods", namespace, name)] = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": labels,
                "resourceVersion": "1",
            },
            "status": {
                "containerStatuses": [
                    {"name": "c", "state": state, "restartCount": 2 if waiting else 0}
                ]
            },
        }

    # -- the API ----------------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, raw: bytes, content_type: str | None, auth: str | None
    ) -> tuple[int, Any]:
        parts = urlsplit(raw_path)
        body = json.loads(raw) if raw else None
        with self._lock:
            self.requests.append(
                Request(method, parts.path, parse_qs(parts.query), body, content_type)
            )
            if auth != f"Bearer {TOKEN}":
                return 401, _status(401, "Unauthorized", "Unauthorized")
            if parts.path in ("/version", "/version/"):
                return 200, {"major": "1", "minor": "33", "gitVersion": "v1.33.2"}
            if crd := _CRD.match(parts.path):
                if ("get", "customresourcedefinitions") in self.deny:
                    return 403, _status(
                        403,
                        "Forbidden",
                        "customresourcedefinitions.apiextensions"
                        '.k8s.io is forbidden: User "tester" cannot get resource '
                        '"customresourcedefinitions" at the cluster scope',
                    )
                if self.keda and crd["name"] == "scaledobjects.keda.sh":
                    return 200, {
                        "apiVersion": "apiextensions.k8s.io/v1",
                        "kind": "CustomResourceDefinition",
                        "metadata": {"name": crd["name"]},
                    }
                return 404, _status(
                    404,
                    "NotFound",
                    f'customresourcedefinitions.apiextensions.k8s.io "{crd["name"]}" not found',
                )
            match = _PATH.match(parts.path)
            if (
                not match
                or match["plural"] not in RESOURCES
                or (RESOURCES[match["plural"]][0] != match["prefix"])
            ):
                return 404, _status(
                    404, "NotFound", "the server could not find the requested resource"
                )
            plural, ns, name = match["plural"], match["ns"], match["name"]
            if plural == "scaledobjects" and not self.keda:
                return 404, _status(
                    404, "NotFound", "the server could not find the requested resource"
                )
            verb = {
                "GET": "get" if name else "list",
                "POST": "create",
                "PUT": "update",
                "PATCH": "patch",
                "DELETE": "delete",
            }[method]
            group = RESOURCES[plural][3]
            if (verb, plural) in self.deny:
                resource = f"{plural}.{group}" if group else plural
                return 403, _status(
                    403,
                    "Forbidden",
                    f"{resource} is forbidden: User "
                    f'"system:serviceaccount:ci:tester" cannot {verb} resource '
                    f'"{plural}" in API group "{group}" in the namespace '
                    f'"{ns}"',
                    {"kind": plural},
                )
            if ns not in self.namespaces:
                return 404, _status(
                    404,
                    "NotFound",
                    f'namespaces "{ns}" not found',
                    {"name": ns, "kind": "namespaces"},
                )
            return getattr(self, f"_{verb}")(
                plural, ns, name, body, content_type, parse_qs(parts.query)
            )

    def _not_found(self, plural: str, name: str) -> tuple[int, dict]:
        group = RESOURCES[plural][3]
        resource = f"{plural}.{group}" if group else plural
        return 404, _status(
            404, "NotFound", f'{resource} "{name}" not found', {"name": name, "kind": plural}
        )

    def _get(self, plural, ns, name, body, content_type, query):
        obj = self.objects.get((plural, ns, name))
        return (200, obj) if obj else self._not_found(plural, name)

    def _list(self, plural, ns, name, body, content_type, query):
        wanted = dict(
            pair.split("=", 1) for pair in (query.get("labelSelector", [""])[0].split(",")) if pair
        )
        items = [
            o
            for (p, n, _), o in sorted(self.objects.items())
            if p == plural
            and n == ns
            and all(o["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())
        ]
        return 200, {
            "kind": RESOURCES[plural][1] + "List",
            "apiVersion": RESOURCES[plural][2],
            "metadata": {"resourceVersion": str(next(self._versions))},
            "items": items,
        }

    def _check_body(self, plural, ns, body) -> tuple[int, dict] | None:
        kind, api_version = RESOURCES[plural][1], RESOURCES[plural][2]
        if (
            not isinstance(body, dict)
            or body.get("kind") != kind
            or (body.get("apiVersion") != api_version)
        ):
            return 400, _status(400, "BadRequest", f"the body is not a {api_version} {kind}")
        meta = body.get("metadata") or {}
        if not meta.get("name") or meta.get("namespace", ns) != ns:
            return 400, _status(400, "BadRequest", "metadata.name or namespace is wrong")
        return None

    def _create(self, plural, ns, name, body, content_type, query):
        if bad := self._check_body(plural, ns, body):
            return bad
        key = (plural, ns, body["metadata"]["name"])
        if key in self.objects:
            return 409, _status(409, "AlreadyExists", f'{plural} "{key[2]}" already exists')
        obj = copy.deepcopy(body)
        obj["metadata"].update(
            namespace=ns,
            uid=f"uid-{next(self._versions)}",
            resourceVersion=str(next(self._versions)),
            generation=1,
            creationTimestamp="2026-11-30T02:00:00Z",
        )
        if plural == "services":
            ip = f"10.0.0.{next(self._ips)}"
            obj["spec"].setdefault("clusterIP", ip)
            obj["spec"].setdefault("clusterIPs", [obj["spec"]["clusterIP"]])
        if plural == "deployments":
            obj["status"] = {}
            self.rollouts[(ns, key[2])] = 1
        self.objects[key] = obj
        return 201, obj

    def _update(self, plural, ns, name, body, content_type, query):
        if bad := self._check_body(plural, ns, body):
            return bad
        live = self.objects.get((plural, ns, name))
        if live is None:
            return self._not_found(plural, name)
        if plural in self.conflict_once:  # a controller wrote between our read and our write
            self.conflict_once.discard(plural)
            live["metadata"]["resourceVersion"] = str(next(self._versions))
        sent_version = body["metadata"].get("resourceVersion")
        if plural == "scaledobjects" and not sent_version:
            return 422, _status(
                422,
                "Invalid",
                "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
            )
        if sent_version and sent_version != live["metadata"]["resourceVersion"]:
            return 409, _status(
                409,
                "Conflict",
                f"Operation cannot be fulfilled on {plural} "
                f'"{name}": the object has been modified; please apply your '
                "changes to the latest version and try again",
            )
        new = copy.deepcopy(body)
        if plural == "services":
            old_ip = live["spec"].get("clusterIP")
            if new["spec"].get("clusterIP") not in (None, "", old_ip):
                return 422, _status(422, "Invalid", "spec.clusterIP: field is immutable")
            new["spec"]["clusterIP"] = old_ip
            new["spec"]["clusterIPs"] = live["spec"].get("clusterIPs")
        if plural == "deployments" and new["spec"].get("selector") != live["spec"]["selector"]:
            return 422, _status(422, "Invalid", "spec.selector: Invalid value: field is immutable")
        generation = live["metadata"]["generation"]
        if new.get("spec") != live.get("spec"):
            generation += 1
        if plural == "deployments" and _template_hash(new) != _template_hash(live):
            self.rollouts[(ns, name)] = self.rollouts.get((ns, name), 0) + 1
        new["metadata"].update(
            uid=live["metadata"]["uid"],
            creationTimestamp=live["metadata"]["creationTimestamp"],
            resourceVersion=str(next(self._versions)),
            generation=generation,
        )
        if "status" in live:
            new["status"] = live["status"]  # a PUT on the main resource leaves status alone
        self.objects[(plural, ns, name)] = new
        return 200, new

    def _patch(self, plural, ns, name, body, content_type, query):
        live = self.objects.get((plural, ns, name))
        if live is None:
            return self._not_found(plural, name)
        if content_type not in (
            "application/merge-patch+json",
            "application/strategic-merge-patch+json",
        ):
            return 415 if content_type != "application/json-patch+json" else 400, _status(
                400,
                "BadRequest",
                f"patch of type {content_type} with body "
                f"{type(body).__name__} is not supported here",
            )
        new = merge_patch(live, body)
        new["metadata"]["resourceVersion"] = str(next(self._versions))
        self.objects[(plural, ns, name)] = new
        return 200, new

    def _delete(self, plural, ns, name, body, content_type, query):
        obj = self.objects.pop((plural, ns, name), None)
        if obj is None:
            return self._not_found(plural, name)
        return 200, _status(200, "", "") | {"status": "Success"}


def _template_hash(deployment: dict) -> str:
    template = deployment.get("spec", {}).get("template")
    return hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()
