"""Real-time endpoints: deploy an inference run's bundle as a key-protected scoring server, keep it
running, rotate its keys, read its request figures, and remove it.

A deployment runs in a thread of its own and writes what it does to the endpoint's deployment
log; the endpoint is `transitioning` until its server answers its health route (`healthy`), or
`failed` with the reason. A watcher thread keeps local servers alive: a server that died is
restarted on its port, and a control plane that starts adopts the servers that kept running
while it was down (they run in sessions of their own) and restarts the others. Kubernetes
endpoints are deployed and watched through `jobs.kube`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import shutil
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.services.endpoint_keys import EndpointKeys
from app.services.endpoint_metrics import scrape_figures
from app.services.endpoint_processes import LocalServers
from app.services.inference_pipelines import (
    InferencePipelineError,
    inference_spec,
    is_realtime_inference,
    write_run_bundle,
)
from storage import ArtifactStore, ConflictError, NotFoundError, RunStatus, utc_now
from storage.records.endpoints import EndpointStatus, EndpointTarget, RealtimeEndpoint

log = logging.getLogger("flowbench.endpoints")

RESTART_BACKOFF_MAX = 60.0
UNHEALTHY_AFTER = 3  # failed health checks in a row
KUBE_POLL = 10.0


class EndpointError(Exception):
    """A request about an endpoint that cannot be done (a 400 for the API)."""


class EndpointSettingsError(EndpointError):
    """A deployment setting (CPU, memory, replicas, image, namespace) is invalid (a 422)."""


class _Canceled(Exception):
    """The endpoint was deleted while it was being deployed."""


@dataclass
class DeployRequest:
    """What the Deploy form and `flowbench endpoints deploy` send."""

    name: str
    run_id: str  # a completed real-time inference run, or a training run to convert first
    target: EndpointTarget = EndpointTarget.LOCAL
    description: str = ""
    model: str | None = None  # a registered model "name vN" this deployment serves, if any
    # cpu (cores), memory_gb, replicas, and for kubernetes: context, namespace, image, ...
    resources: dict[str, Any] = field(default_factory=dict)


@dataclass
class UpdateRequest:
    """What `flowbench endpoints update` and the endpoint page's Update form send."""

    run_id: str | None = None  # serve another completed run (training or real-time inference)
    description: str | None = None
    resources: dict[str, Any] | None = None  # merged over the endpoint's current resources


# What an update changes and puts back when the new deployment fails.
_ROLLED_BACK = (
    "inference_run_id",
    "training_run_id",
    "inference_spec",
    "bundle_uri",
    "resources",
    "model",
)


def _rollback_of(endpoint: RealtimeEndpoint) -> dict[str, Any]:
    return {key: getattr(endpoint, key) for key in _ROLLED_BACK}


@dataclass
class _Health:
    failures: int = 0
    restarts: int = 0
    next_restart: float = 0.0
    adopted: bool = False
    kube_checked: float = 0.0
    kube_messages: set[str] = field(default_factory=set)


class EndpointService:
    """The control plane's endpoint logic.

    Args:
        store: The workspace store (its `endpoints` repository).
        artifacts: The artifact store, where bundles are written.
        runs: The run service, to submit the inference run of a training run.
        home: The workspace folder; endpoint folders live in `home/endpoints`.
        api_url: The control plane's URL as pods reach it (for the bundle download).
        token: The workspace token, the key that signs bundle download tokens.
        serve_command: How to start a scoring server (default `python -m app.cli serve`).
        ports: The ports local scoring servers may take (default: any free port).
    """

    def __init__(
        self,
        store: Any,
        artifacts: ArtifactStore,
        runs: Any,
        home: Path,
        *,
        api_url: str,
        token: str,
        serve_command: list[str] | None = None,
        ports: range | None = None,
        watch_interval: float = 1.0,
        run_timeout: float = 1800.0,
    ) -> None:
        self.store = store
        self.artifacts = artifacts
        self.runs = runs
        self.root = home / "endpoints"
        self.servers = LocalServers(self.root, serve_command, ports)
        self.api_url = api_url
        self._secret = token.encode()
        self.watch_interval = watch_interval
        self.run_timeout = run_timeout
        self._busy: set[str] = set()  # being deployed or deleted: the watcher leaves them
        self._canceled: set[str] = set()
        self._health: dict[str, _Health] = {}
        self._schemas: dict[str, dict[str, Any]] = {}  # by bundle URI (bundles are immutable)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._deployers: list[threading.Thread] = []

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Resume deployments a stopped control plane left half done, and start the watcher
        (which adopts or restarts the servers of existing endpoints)."""
        for endpoint in self.store.endpoints.list():
            if endpoint.status is EndpointStatus.TRANSITIONING and not endpoint.bundle_uri:
                self._log(
                    endpoint.name, "The control plane restarted during the deployment; resuming it."
                )
                self._start_deployer(endpoint.name)
        self._watcher = threading.Thread(target=self._watch, name="endpoint-watcher", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        """Stop watching; the scoring servers keep running (they outlive the control plane)."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)

    # -- queries ----------------------------------------------------------------------------

    def list(self) -> list[RealtimeEndpoint]:
        return self.store.endpoints.list()

    def get(self, name: str) -> RealtimeEndpoint:
        return self.store.endpoints.get(name)

    def logs(self, name: str) -> list[Any]:
        self.get(name)
        return self.store.endpoints.logs(name)

    def keys(self, name: str) -> dict[str, str]:
        """The endpoint's primary and secondary keys."""
        self.get(name)
        return self._keys(name).read()

    def stats(self, name: str) -> dict[str, Any]:
        """Request count, errors and latency, read from the server's /metrics."""
        endpoint = self.get(name)
        base = _base_url(endpoint)
        if base is None or endpoint.target is EndpointTarget.KUBERNETES:
            return {"available": False, "reason": "The endpoint has no reachable server."}
        try:
            text = httpx.get(f"{base}/metrics", timeout=5).text
        except httpx.HTTPError as exc:
            return {"available": False, "reason": f"The server did not answer ({exc})."}
        return {"available": True, **scrape_figures(text)}

    def schema(self, name: str) -> dict[str, Any]:
        """What the bundle's manifest says: inputs (with column types), outputs, sample request,
        lineage (training and inference run, datasets, frozen model and transformations).

        Raises:
            EndpointError: The endpoint has no bundle yet, or it cannot be read.
        """
        endpoint = self.get(name)
        if not endpoint.bundle_uri:
            raise EndpointError(f"Endpoint '{name}' has no bundle yet ({endpoint.status.value}).")
        cached = self._schemas.get(endpoint.bundle_uri)
        if cached is None:
            # Only the manifest is needed (no model is loaded in the control plane).
            try:
                with zipfile.ZipFile(self.artifacts.path_for(endpoint.bundle_uri)) as bundle:
                    manifest = json.loads(bundle.read("manifest.json"))
            except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
                raise EndpointError(f"The endpoint's bundle cannot be read: {exc}") from exc
            cached = {
                key: manifest.get(key)
                for key in (
                    "inputs",
                    "outputs",
                    "sample_request",
                    "lineage",
                    "pipeline",
                    "format_version",
                    "created_at",
                )
            }
            self._schemas[endpoint.bundle_uri] = cached
        return cached

    # -- deploy -----------------------------------------------------------------------------

    def deploy(self, request: DeployRequest) -> RealtimeEndpoint:
        """Record the endpoint (transitioning), make its keys and deploy it in the background.

        Raises:
            AlreadyExistsError: An endpoint has that name.
            NotFoundError: The run does not exist.
            EndpointError: The run is not completed.
            EndpointSettingsError: A Kubernetes setting is invalid.
        """
        if request.target is EndpointTarget.KUBERNETES:
            self.check_kube_settings(request.name, request.resources)
        run = self.store.get_run(request.run_id)
        if run.status is not RunStatus.COMPLETED:
            raise EndpointError(f"Run '{run.id}' is {run.status.value}; deploy a completed run.")
        inference = is_realtime_inference(run)
        endpoint = RealtimeEndpoint(
            name=request.name,
            status=EndpointStatus.TRANSITIONING,
            target=request.target,
            created_at=utc_now(),
            description=request.description,
            inference_run_id=run.id if inference else None,
            training_run_id=None if inference else run.id,
            model=request.model,
            resources=dict(request.resources),
            inference_spec=run.spec if inference else {},
        )
        with self._lock:
            self.store.endpoints.create(endpoint)
            self._busy.add(request.name)
            self._canceled.discard(request.name)
        try:
            self._keys(request.name).create()
            hashes = self._keys(request.name).hashes()
            endpoint = self.store.endpoints.update(
                request.name,
                primary_key_hash=hashes["primary_sha256"],
                secondary_key_hash=hashes["secondary_sha256"],
            )
        except BaseException:
            self._busy.discard(request.name)
            raise
        self._log(
            request.name,
            f"Deployment requested: run {run.id} to the {request.target.value} target.",
        )
        self._start_deployer(request.name)
        return endpoint

    def update(self, name: str, request: UpdateRequest) -> RealtimeEndpoint:
        """Roll the endpoint to another run or other resources; its name, URL and keys stay.

        The current deployment keeps answering until the new one is ready: locally the new
        server takes over the same port once the new bundle is built (a pause of about a
        second); on Kubernetes the Deployment rolls its pods. When the new deployment fails,
        the endpoint goes back to what it served before, and its log says why.

        Raises:
            NotFoundError: No endpoint or no run has that name.
            EndpointError: Nothing to change, the run is not completed, or the endpoint is
                being deployed or deleted.
            EndpointSettingsError: A Kubernetes setting is invalid.
        """
        endpoint = self.get(name)
        if request.run_id is None and request.resources is None and request.description is None:
            raise EndpointError("Nothing to update: give a run, resources or a description.")
        fields: dict[str, Any] = {}
        if request.description is not None:
            fields["description"] = request.description
        if request.run_id is None and request.resources is None:
            return self.store.endpoints.update(name, **fields)
        resources = {**endpoint.resources, **(request.resources or {})}
        if endpoint.target is EndpointTarget.KUBERNETES:
            self.check_kube_settings(name, resources)
        if request.run_id is not None:
            run = self.store.get_run(request.run_id)
            if run.status is not RunStatus.COMPLETED:
                raise EndpointError(
                    f"Run '{run.id}' is {run.status.value}; update to a completed run."
                )
            inference = is_realtime_inference(run)
            fields.update(
                inference_run_id=run.id if inference else None,
                training_run_id=None if inference else run.id,
                inference_spec=run.spec if inference else {},
                model=None,
            )
        with self._lock:
            if name in self._busy:
                raise EndpointError(
                    f"Endpoint '{name}' is being deployed or deleted; update it when that ends."
                )
            self._busy.add(name)
            self._canceled.discard(name)
        try:
            # No bundle until the new one is written: a control plane restarted meanwhile
            # resumes the deployment (see `start`); the running server keeps answering. What to
            # go back to is kept with the endpoint, so that a resumed update can roll back too.
            updated = self.store.endpoints.update(
                name,
                status=EndpointStatus.TRANSITIONING,
                error=None,
                bundle_uri=None,
                resources=resources,
                rollback=endpoint.rollback or _rollback_of(endpoint),
                **fields,
            )
        except BaseException:
            with self._lock:
                self._busy.discard(name)
            raise
        what = f"run {request.run_id}" if request.run_id else "new resources"
        self._log(name, f"Update requested: {what}; the current deployment serves meanwhile.")
        self._start_deployer(name)
        return updated

    def _start_deployer(self, name: str) -> None:
        with self._lock:
            self._busy.add(name)
        thread = threading.Thread(
            target=self._deploy, args=(name,), name=f"deploy-{name}", daemon=True
        )
        self._deployers.append(thread)
        thread.start()

    def _deploy(self, name: str) -> None:
        try:
            endpoint = self.get(name)
            if endpoint.inference_run_id is None:
                endpoint = self._run_inference_pipeline(endpoint)
            self._check_canceled(name)
            run = self.store.get_run(endpoint.inference_run_id)
            bundle = write_run_bundle(self.store, self.artifacts, run, endpoint.training_run_id)
            self._log(
                name,
                f"Bundle written: {bundle.path.name} (sha256 {bundle.sha256[:12]}…,"
                f" format {bundle.format_version}).",
            )
            models = [
                f["source"]
                for f in bundle.manifest.get("lineage", {}).get("frozen", [])
                if f.get("component") == "frozen_model" and f.get("source")
            ]
            self.store.endpoints.update(
                name,
                bundle_uri=self.artifacts.uri_for(bundle.path),
                model=endpoint.model or "; ".join(models) or None,
            )
            self._check_canceled(name)
            if endpoint.target is EndpointTarget.LOCAL:
                running = self.servers.read(name)
                if running is not None:  # an update: the new server takes over the same port
                    self.servers.stop(name)
                    self._log(name, f"Stopped the previous scoring server (pid {running.pid}).")
                self._start_local(name, bundle.path, port=running.port if running else None)
            else:
                self._deploy_kubernetes(name, bundle.sha256)
                self.store.endpoints.update(name, rollback=None)  # applied: the cluster rolls
        except _Canceled:
            self.servers.stop(name)
        except (InferencePipelineError, EndpointError, NotFoundError) as exc:
            self._fail_or_roll_back(name, str(exc))
        except Exception as exc:  # a bug or an outage: say so on the endpoint, keep the trace
            log.exception("Deploying endpoint %s failed", name)
            self._fail_or_roll_back(name, f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._busy.discard(name)

    def _fail_or_roll_back(self, name: str, message: str) -> None:
        try:
            previous = self.get(name).rollback
        except NotFoundError:
            return
        if previous is not None:
            self._roll_back(name, message, previous)
        else:
            self._fail(name, message)

    def _roll_back(self, name: str, message: str, previous: dict[str, Any]) -> None:
        """An update failed: serve what the endpoint served before (the watcher restarts a
        local server that was already stopped)."""
        self._log(name, f"Update failed: {message}. Back to the previous deployment.")
        with contextlib.suppress(NotFoundError):
            self.store.endpoints.update(
                name, status=EndpointStatus.TRANSITIONING, error=message, rollback=None, **previous
            )

    def _run_inference_pipeline(self, endpoint: RealtimeEndpoint) -> RealtimeEndpoint:
        name, training = endpoint.name, endpoint.training_run_id
        self._log(
            name, f"Run {training} is a training run: making its real-time inference pipeline."
        )
        spec = inference_spec(self.store, self.artifacts, training, "realtime")
        training_run = self.store.get_run(training)
        run = self.runs.submit(
            spec,
            experiment=training_run.experiment,
            source="api",
            name=f"{name} real-time inference",
        )
        self._log(name, f"Submitted the real-time inference run {run.id}; waiting for it.")
        run = self.runs.wait(run.id, timeout=self.run_timeout)
        if run.status is not RunStatus.COMPLETED:
            raise EndpointError(
                f"The real-time inference run {run.id} ended "
                f"{run.status.value}: {run.error or 'see its steps'}."
            )
        self._log(name, f"Inference run {run.id} completed.")
        return self.store.endpoints.update(name, inference_run_id=run.id, inference_spec=run.spec)

    def _start_local(self, name: str, bundle: Path, port: int | None) -> bool:
        server = self.servers.start(name, bundle, port)
        self._log(
            name, f"Started the scoring server (pid {server.pid}) on 127.0.0.1:{server.port}."
        )
        if self._canceled_now(name):
            raise _Canceled
        if not self.servers.wait_healthy(server):
            tail = _tail(self.servers.folder(name) / "server.log")
            code = self.servers.exit_code(server)
            self._fail_or_roll_back(
                name,
                "The scoring server did not become healthy"
                + (f" (it exited with code {code})." if code is not None else " in time.")
                + (f" Its log ends with:\n{tail}" if tail else ""),
            )
            self.servers.stop(name)
            return False
        self.store.endpoints.update(
            name,
            status=EndpointStatus.HEALTHY,
            error=None,
            url=f"{server.base_url}/score",
            swagger_url=f"{server.base_url}/swagger.json",
            rollback=None,  # an update that got here is done
        )
        self._health.setdefault(name, _Health()).adopted = True  # ours: nothing to adopt
        self._log(name, "Healthy: the server answers its health route.")
        return True

    def _kube_spec(
        self,
        name: str,
        resources: dict[str, Any],
        *,
        bundle_sha256: str,
        token: str,
        hashes: dict[str, str],
    ) -> Any:
        from jobs import kube

        settings = {k: v for k, v in resources.items() if k in _KUBE_FIELDS and v not in (None, "")}
        return kube.KubeEndpointSpec(
            name=name,
            bundle_url=f"{self.api_url}/endpoints/{name}/bundle",
            bundle_token=token,
            bundle_sha256=bundle_sha256,
            version=bundle_sha256[:16],
            primary_sha256=hashes["primary_sha256"],
            secondary_sha256=hashes["secondary_sha256"],
            **settings,
        )

    def check_kube_settings(self, name: str, resources: dict[str, Any]) -> None:
        """Refuse bad Kubernetes settings before anything is recorded or sent.

        Raises:
            EndpointSettingsError: naming the setting and what is wrong with it.
        """
        from jobs import kube

        placeholder = "0" * 64
        try:
            self._kube_spec(
                name,
                resources,
                bundle_sha256=placeholder,
                token=placeholder,
                hashes={"primary_sha256": placeholder, "secondary_sha256": placeholder},
            ).check()
        except (kube.KubeSpecError, TypeError, ValueError) as exc:
            raise EndpointSettingsError(str(exc)) from exc

    def _deploy_kubernetes(self, name: str, bundle_sha256: str) -> None:
        from jobs import kube

        endpoint = self.get(name)
        spec = self._kube_spec(
            name,
            endpoint.resources,
            bundle_sha256=bundle_sha256,
            token=self.bundle_token(name),
            hashes=self._keys(name).hashes(),
        )
        try:
            applied = kube.deploy_endpoint(spec)
        except kube.KubeError as exc:
            raise EndpointError(f"Kubernetes refused the deployment: {exc}") from exc
        for line in applied or []:
            self._log(name, line)
        self._log(
            name,
            f"Applied in namespace {spec.namespace} (context "
            f"{spec.context or 'current'}); waiting for the pods to be ready.",
        )

    # -- keys -------------------------------------------------------------------------------

    def regenerate_key(self, name: str, slot: str) -> dict[str, str]:
        """Replace one key; clients using the other keep working. Returns both keys.

        Raises:
            EndpointError: `slot` is not primary or secondary.
        """
        endpoint = self.get(name)
        try:
            keys = self._keys(name).regenerate(slot)
        except ValueError as exc:
            raise EndpointError(str(exc)) from exc
        hashes = self._keys(name).hashes()
        self.store.endpoints.update(
            name,
            primary_key_hash=hashes["primary_sha256"],
            secondary_key_hash=hashes["secondary_sha256"],
        )
        if endpoint.target is EndpointTarget.KUBERNETES:
            from jobs import kube

            try:
                kube.update_endpoint_keys(
                    name,
                    hashes["primary_sha256"],
                    hashes["secondary_sha256"],
                    **_kube_place(endpoint),
                )
            except kube.KubeError as exc:
                raise EndpointError(
                    f"The key changed here, but Kubernetes did not take it: {exc}"
                ) from exc
        self._log(name, f"The {slot} key was regenerated.")
        return keys

    def _keys(self, name: str) -> EndpointKeys:
        return EndpointKeys(self.servers.folder(name))

    # -- test -------------------------------------------------------------------------------

    def test(self, name: str, body: Any) -> dict[str, Any]:
        """Send a request to the endpoint with its primary key; its status and answer."""
        endpoint = self.get(name)
        if not endpoint.url:
            raise EndpointError(
                f"Endpoint '{name}' has no scoring URL yet ({endpoint.status.value})."
            )
        key = self._keys(name).read()["primary"]
        try:
            response = httpx.post(
                endpoint.url, json=body, timeout=60, headers={"Authorization": f"Bearer {key}"}
            )
        except httpx.HTTPError as exc:
            raise EndpointError(f"The endpoint did not answer: {exc}") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = response.text
        return {"status_code": response.status_code, "body": answer}

    # -- the bundle, for pods ---------------------------------------------------------------

    def bundle_token(self, name: str) -> str:
        """A token for downloading the endpoint's current bundle.

        It is bound to the endpoint and its bundle, so it ends when the endpoint is deleted or
        redeployed with another bundle (pods that start later, as the autoscaler adds them,
        still fetch the bundle with it).
        """
        endpoint = self.get(name)
        message = f"bundle:{name}:{endpoint.bundle_uri}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def bundle_path(self, name: str, token: str) -> Path:
        """The bundle file of endpoint `name`, when `token` is its current bundle token.

        Raises:
            PermissionError: The token is wrong or no longer valid.
            NotFoundError: No endpoint, or no bundle yet.
        """
        endpoint = self.get(name)
        if not endpoint.bundle_uri:
            raise NotFoundError(f"Endpoint '{name}' has no bundle yet.")
        if not hmac.compare_digest(token.encode(), self.bundle_token(name).encode()):
            raise PermissionError("The bundle token is wrong or no longer valid.")
        return self.artifacts.path_for(endpoint.bundle_uri)

    # -- delete -----------------------------------------------------------------------------

    def delete(self, name: str) -> None:
        """Stop the endpoint's server (or remove its Kubernetes objects) and forget it."""
        endpoint = self.get(name)
        with self._lock:
            self._canceled.add(name)
            self._busy.add(name)
        try:
            if endpoint.target is EndpointTarget.KUBERNETES:
                from jobs import kube

                try:
                    kube.delete_endpoint(name, **_kube_place(endpoint))
                except kube.KubeError as exc:
                    raise ConflictError(f"Kubernetes did not remove the endpoint: {exc}") from exc
            self.servers.stop(name)
            self.store.endpoints.delete(name)
            shutil.rmtree(self.servers.folder(name), ignore_errors=True)
            self._health.pop(name, None)
        finally:
            with self._lock:
                self._busy.discard(name)

    # -- watching ---------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self.check_all()
            except Exception:  # keep watching; an outage of the store is logged, not fatal
                log.exception("Checking the endpoints failed")
            self._stop.wait(self.watch_interval)

    def check_all(self) -> None:
        """One pass of the watcher over every endpoint not being deployed or deleted."""
        for endpoint in self.store.endpoints.list():
            with self._lock:
                if endpoint.name in self._busy:
                    continue
            if endpoint.status is EndpointStatus.FAILED or not endpoint.bundle_uri:
                continue
            health = self._health.setdefault(endpoint.name, _Health())
            if endpoint.target is EndpointTarget.LOCAL:
                self._check_local(endpoint, health)
            else:
                self._check_kubernetes(endpoint, health)

    def _check_local(self, endpoint: RealtimeEndpoint, health: _Health) -> None:
        name = endpoint.name
        server = self.servers.read(name)
        if server is not None and self.servers.alive(server):
            if not health.adopted:
                health.adopted = True
                if endpoint.status is EndpointStatus.HEALTHY:
                    self._log(name, f"Watching the running scoring server (pid {server.pid}).")
            if self.servers.healthy(server):
                health.failures = health.restarts = 0
                url = f"{server.base_url}/score"
                if endpoint.status is not EndpointStatus.HEALTHY or endpoint.url != url:
                    self.store.endpoints.update(
                        name,
                        status=EndpointStatus.HEALTHY,
                        error=None,
                        url=url,
                        swagger_url=f"{server.base_url}/swagger.json",
                        rollback=None,  # an update interrupted after its bundle is done now
                    )
                    self._log(name, "Healthy: the server answers its health route.")
                return
            health.failures += 1
            if health.failures >= UNHEALTHY_AFTER and endpoint.status is EndpointStatus.HEALTHY:
                self.store.endpoints.update(
                    name,
                    status=EndpointStatus.UNHEALTHY,
                    error="The server does not answer its health route.",
                )
                self._log(name, "Unhealthy: the server does not answer its health route.")
            return
        if time.monotonic() < health.next_restart:
            return
        health.adopted = True
        what = f"(pid {server.pid}) " if server else ""
        self._log(name, f"The scoring server {what}is not running; starting it.")
        self.store.endpoints.update(name, status=EndpointStatus.TRANSITIONING)
        try:
            started = self._start_local(
                name,
                self.artifacts.path_for(endpoint.bundle_uri),
                port=server.port if server else None,
            )
        except _Canceled:
            return
        if started:
            health.restarts = 0
        else:  # keep the endpoint and try again later, waiting longer each time
            health.restarts += 1
            self.store.endpoints.update(name, status=EndpointStatus.UNHEALTHY)
            health.next_restart = time.monotonic() + min(2.0**health.restarts, RESTART_BACKOFF_MAX)

    def _check_kubernetes(self, endpoint: RealtimeEndpoint, health: _Health) -> None:
        if time.monotonic() - health.kube_checked < KUBE_POLL:
            return
        health.kube_checked = time.monotonic()
        from jobs import kube

        try:
            status = kube.endpoint_status(endpoint.name, **_kube_place(endpoint))
        except kube.KubeError as exc:
            self._log_once(endpoint.name, health, f"Cannot read the status: {exc}")
            return
        for message in status.messages:
            self._log_once(endpoint.name, health, message)
        fields: dict[str, Any] = {}
        if status.state != endpoint.status.value:
            fields["status"] = EndpointStatus(status.state)
        if status.url and endpoint.url != f"{status.url}/score":
            fields.update(url=f"{status.url}/score", swagger_url=f"{status.url}/swagger.json")
        if fields:
            self.store.endpoints.update(endpoint.name, **fields)

    # -- helpers ----------------------------------------------------------------------------

    def _log(self, name: str, message: str) -> None:
        try:
            self.store.endpoints.add_log(name, message)
        except Exception:  # the endpoint may be gone; the log line is not worth a failure
            log.info("endpoint %s: %s", name, message)

    def _log_once(self, name: str, health: _Health, message: str) -> None:
        if message not in health.kube_messages:
            health.kube_messages.add(message)
            self._log(name, message)

    def _fail(self, name: str, message: str) -> None:
        self._log(name, f"Failed: {message}")
        try:
            self.store.endpoints.update(name, status=EndpointStatus.FAILED, error=message)
        except NotFoundError:
            pass

    def _check_canceled(self, name: str) -> None:
        if self._canceled_now(name):
            raise _Canceled

    def _canceled_now(self, name: str) -> bool:
        with self._lock:
            return name in self._canceled


_KUBE_FIELDS = frozenset(
    {
        "namespace",
        "context",
        "kubeconfig",
        "image",
        "cpu_request",
        "memory_request",
        "cpu_limit",
        "memory_limit",
        "autoscale",
        "min_replicas",
        "max_replicas",
        "target_cpu_percent",
        "replicas",
        "service_type",
        "image_pull_secret",
    }
)


def _kube_place(endpoint: RealtimeEndpoint) -> dict[str, Any]:
    res = endpoint.resources
    return {k: res[k] for k in ("namespace", "context", "kubeconfig") if res.get(k)}


def _base_url(endpoint: RealtimeEndpoint) -> str | None:
    if not endpoint.url:
        return None
    return endpoint.url.rsplit("/", 1)[0]


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
