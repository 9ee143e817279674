"""A small typed client of the control plane, used by the CLI, the UI and notebooks alike.

>>> from app.client import FlowbenchClient
>>> client = FlowbenchClient.from_settings()
>>> run = client.submit(spec, experiment="tutorial")
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter

from app.api.schemas import RunDetail, RunList, SubmittedRun, ValidateResponse
from app.settings import Settings, load_client_settings, read_token
from storage import Dataset, DatasetVersion, Draft, Experiment, ModelVersion, Run

# The statuses of what the client returns, re-exported for its callers (the UI may not import
# storage itself).
from storage.entities import REUSED as REUSED
from storage.entities import RunStatus as RunStatus
from storage.entities import StepStatus as StepStatus
from storage.entities import step_state as step_state
from storage.records.endpoints import EndpointLogLine, EndpointStatus, RealtimeEndpoint

T = TypeVar("T")


@dataclass
class ClientError(Exception):
    """The control plane refused a request or could not be reached.

    `status` is the HTTP status (0: no answer), `code` the error's stable code (such as
    ``not_found`` or ``invalid_pipeline``; empty when there is none) and `detail` its message.
    """

    status: int
    detail: str
    issues: list[dict[str, Any]] = field(default_factory=list)
    code: str = ""

    def __str__(self) -> str:
        return self.detail


class FlowbenchClient:
    """Typed calls to the control plane's REST API."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0):
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"},
        )

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> FlowbenchClient:
        """A client of the workspace found from here (see app.settings.load_client_settings).

        Raises:
            ClientError: no token was found; the message lists every place looked at.
        """
        looked = [str(settings.token_path)] if settings else []
        if settings is None:
            settings, looked = load_client_settings()
        token = read_token(settings)
        if not token:
            places = ", ".join(dict.fromkeys([*looked, str(settings.token_path)]))
            raise ClientError(
                0,
                f"No Flowbench token found (FLOWBENCH_TOKEN is unset). Looked "
                f"in: {places}. Start Flowbench with 'flowbench up', or set "
                f"FLOWBENCH_HOME to its workspace folder.",
            )
        return cls(settings.api_url, token)

    def close(self) -> None:
        self._http.close()

    # -- plumbing ----------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ClientError(
                0,
                f"The control plane at {self._http.base_url} does not answer "
                f"({exc.__class__.__name__}). Is 'flowbench up' running?",
            ) from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"detail": response.text}
            detail = body.get("message", body.get("detail", response.reason_phrase))
            if not isinstance(detail, str):  # a validation error from an older control plane
                detail = "; ".join(
                    f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}" for d in detail
                )
            raise ClientError(
                response.status_code, detail, body.get("issues", []), body.get("code", "")
            )
        return response

    def _get(self, path: str, kind: type[T], **params: Any) -> T:
        params = {k: v for k, v in params.items() if v is not None}
        return TypeAdapter(kind).validate_python(self._request("GET", path, params=params).json())

    def _post(self, path: str, kind: type[T], body: Any = None) -> T:
        return TypeAdapter(kind).validate_python(self._request("POST", path, json=body).json())

    # -- catalog -----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/health").json()

    def components(self) -> list[dict[str, Any]]:
        return self._request("GET", "/components").json()

    def compute_targets(self) -> list[dict[str, Any]]:
        return self._request("GET", "/compute").json()

    def put_compute_target(
        self, name: str, queue: str, description: str = "", is_default: bool = False
    ) -> dict[str, Any]:
        return self._request(
            "PUT",
            f"/compute/{name}",
            json={"queue": queue, "description": description, "is_default": is_default},
        ).json()

    # -- datasets ----------------------------------------------------------------------------

    def datasets(self) -> list[Dataset]:
        return self._get("/datasets", list[Dataset])

    def dataset_versions(self, name: str) -> list[DatasetVersion]:
        return self._get(f"/datasets/{name}/versions", list[DatasetVersion])

    def upload_dataset(
        self, name: str, filename: str, data: bytes, description: str = ""
    ) -> DatasetVersion:
        response = self._request(
            "POST",
            f"/datasets/{name}/versions",
            files={"file": (filename, data)},
            data={"description": description},
        )
        return TypeAdapter(DatasetVersion).validate_python(response.json())

    def preview_dataset(self, name: str, version: int, limit: int = 100) -> dict[str, Any]:
        return self._request(
            "GET", f"/datasets/{name}/versions/{version}/preview", params={"limit": limit}
        ).json()

    # -- drafts ------------------------------------------------------------------------------

    def drafts(self) -> list[Draft]:
        return self._get("/drafts", list[Draft])

    def create_draft(self, name: str, spec: dict[str, Any]) -> Draft:
        return self._post("/drafts", Draft, {"name": name, "spec": spec})

    def get_draft(self, draft_id: str) -> Draft:
        return self._get(f"/drafts/{draft_id}", Draft)

    def save_draft(
        self,
        draft_id: str,
        spec: dict[str, Any],
        *,
        name: str | None = None,
        expected_revision: int | None = None,
    ) -> Draft:
        body = {"spec": spec, "name": name, "expected_revision": expected_revision}
        response = self._request("PUT", f"/drafts/{draft_id}", json=body)
        return TypeAdapter(Draft).validate_python(response.json())

    def undo_draft(self, draft_id: str) -> Draft:
        return self._post(f"/drafts/{draft_id}/undo", Draft)

    def delete_draft(self, draft_id: str) -> None:
        self._request("DELETE", f"/drafts/{draft_id}")

    # -- pipelines and runs ------------------------------------------------------------------

    def validate(
        self, spec: dict[str, Any], parameters: dict[str, Any] | None = None
    ) -> ValidateResponse:
        return self._post(
            "/pipelines/validate", ValidateResponse, {"spec": spec, "parameters": parameters or {}}
        )

    def submit(
        self,
        spec: dict[str, Any],
        *,
        experiment: str,
        parameters: dict[str, Any] | None = None,
        force_rerun: bool = False,
        name: str | None = None,
        source: str = "api",
    ) -> SubmittedRun:
        """Submit a run; its `warnings` name queues no live worker listens on."""
        return self._post(
            "/runs",
            SubmittedRun,
            {
                "spec": spec,
                "experiment": experiment,
                "parameters": parameters or {},
                "force_rerun": force_rerun,
                "name": name,
                "source": source,
            },
        )

    def runs(
        self,
        *,
        experiment: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
        source: str | None = None,
    ) -> RunList:
        return self._get(
            "/runs",
            RunList,
            experiment=experiment,
            status=status,
            limit=limit,
            offset=offset,
            source=source,
        )

    def run(self, run_id: str, *, wait: float = 0.0) -> RunDetail:
        """A run and its steps; with `wait` > 0 the control plane answers once the run has
        ended, or after `wait` seconds (at most 10) if it has not."""
        if wait > 0:
            return self._get(f"/runs/{run_id}", RunDetail, wait=min(wait, 10.0))
        return self._get(f"/runs/{run_id}", RunDetail)

    def step_log(self, run_id: str, node_id: str) -> str:
        return self._request("GET", f"/runs/{run_id}/steps/{node_id}/log").text

    def output_preview(
        self, run_id: str, node_id: str, port: str, limit: int = 100
    ) -> dict[str, Any]:
        return self._request(
            "GET", f"/runs/{run_id}/steps/{node_id}/outputs/{port}/preview", params={"limit": limit}
        ).json()

    def cancel(self, run_id: str) -> Run:
        return self._post(f"/runs/{run_id}/cancel", Run)

    def clone(self, run_id: str, name: str | None = None) -> Draft:
        return self._post(f"/runs/{run_id}/clone", Draft, {"name": name})

    def experiments(self) -> list[Experiment]:
        return self._get("/experiments", list[Experiment])

    def wait(
        self,
        run_id: str,
        *,
        timeout: float = 600.0,
        poll: float = 0.05,
        on_update: Callable[[RunDetail], None] | None = None,
    ) -> RunDetail:
        """Wait until a run ends; `on_update` sees every change of its steps.

        Without `on_update` the control plane is asked to answer when the run ends (a long
        poll, so the end is seen at once rather than up to `poll` later); with it, the run is
        polled every `poll` seconds so that each change is seen.
        """
        deadline = time.monotonic() + timeout
        seen: Any = None
        while True:
            asked = time.monotonic()
            long_poll = 0.0 if on_update is not None else max(0.0, min(deadline - asked, 10.0))
            detail = self.run(run_id, wait=long_poll)
            state = [(s.node_id, s.status) for s in detail.steps] + [detail.run.status]
            if on_update is not None and state != seen:
                on_update(detail)
            seen = state
            if detail.run.status.is_terminal:
                return detail
            if time.monotonic() > deadline:
                raise ClientError(
                    0,
                    f"Run {run_id} did not finish within {timeout:.0f} s "
                    f"(status {detail.run.status.value}).",
                )
            if time.monotonic() - asked < max(poll, long_poll / 2):
                time.sleep(poll)  # answered early and unfinished (a control plane without wait)

    # -- UI views: templates, models, profiles, compute status, run summaries ----------------

    def templates(self) -> list[dict[str, Any]]:
        """The sample pipelines (examples/*.json): id, name, description, spec."""
        return self._request("GET", "/templates").json()

    def draft_from_template(self, template_id: str, name: str | None = None) -> Draft:
        """A new draft holding a copy of a sample pipeline."""
        template = self._request("GET", f"/templates/{template_id}").json()
        return self.create_draft(name or template["name"], template["spec"])

    def models(self) -> list[ModelVersion]:
        return self._get("/models", list[ModelVersion])

    def register_model(
        self, name: str, run_id: str, node_id: str, description: str = ""
    ) -> ModelVersion:
        """Register a completed Train Model step's trained model as the model's next version."""
        return self._post(
            "/models",
            ModelVersion,
            {"name": name, "run_id": run_id, "node_id": node_id, "description": description},
        )

    def model_metrics(self) -> dict[tuple[str, int], dict[str, Any]]:
        """{(model, version): metrics measured by the run that trained it}."""
        found = self._request("GET", "/models/metrics/all").json()
        return {(m["name"], m["version"]): m["metrics"] for m in found}

    def dataset_profile(self, name: str, version: int) -> dict[str, Any]:
        """Summarize Data statistics per column, and a histogram or bar chart per column."""
        return self._request("GET", f"/datasets/{name}/versions/{version}/profile").json()

    def compute_status(self) -> list[dict[str, Any]]:
        """Each compute target with its queue depth, failed jobs and workers."""
        return self._request("GET", "/compute-status").json()

    def run_summaries(
        self,
        *,
        experiment: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
        source: str | None = None,
    ) -> dict[str, Any]:
        """A page of runs with durations and key metrics: {"total": n, "runs": [...]}."""
        params = {
            k: v
            for k, v in {
                "experiment": experiment,
                "status": status,
                "limit": limit,
                "offset": offset,
                "source": source,
            }.items()
            if v is not None
        }
        return self._request("GET", "/run-summaries", params=params).json()

    def evaluation(self, run_id: str, node_id: str) -> dict[str, Any]:
        """Chart data of an Evaluate Model step (curves, confusion matrix or residuals)."""
        return self._request("GET", f"/runs/{run_id}/steps/{node_id}/evaluation").json()

    # -- real-time endpoints -----------------------------------------------------------------

    def inference_pipeline(
        self, run_id: str, kind: str = "realtime", name: str | None = None
    ) -> Draft:
        """A new draft: the real-time or batch inference pipeline of a completed training run."""
        return self._post(f"/runs/{run_id}/inference-pipeline", Draft, {"kind": kind, "name": name})

    def endpoints(self) -> list[RealtimeEndpoint]:
        return self._get("/endpoints", list[RealtimeEndpoint])

    def endpoint(self, name: str) -> RealtimeEndpoint:
        return self._get(f"/endpoints/{name}", RealtimeEndpoint)

    def deploy_endpoint(
        self,
        name: str,
        run_id: str,
        *,
        target: str = "local",
        description: str = "",
        model: str | None = None,
        resources: dict[str, Any] | None = None,
    ) -> RealtimeEndpoint:
        """Start deploying a run (training or real-time inference) as endpoint `name`."""
        return self._post(
            "/endpoints",
            RealtimeEndpoint,
            {
                "name": name,
                "run_id": run_id,
                "target": target,
                "description": description,
                "model": model,
                "resources": resources or {},
            },
        )

    def update_endpoint(
        self,
        name: str,
        *,
        run_id: str | None = None,
        description: str | None = None,
        resources: dict[str, Any] | None = None,
    ) -> RealtimeEndpoint:
        """Start rolling endpoint `name` to another run or resources (URL and keys stay)."""
        body = {"run_id": run_id, "description": description, "resources": resources}
        response = self._request("PATCH", f"/endpoints/{name}", json=body)
        return TypeAdapter(RealtimeEndpoint).validate_python(response.json())

    def wait_endpoint(
        self,
        name: str,
        *,
        timeout: float = 1800.0,
        poll: float = 0.2,
        on_log: Callable[[str], None] | None = None,
        skip_logs: int = 0,
    ) -> RealtimeEndpoint:
        """Poll until the endpoint leaves `transitioning`; `on_log` sees each log line after
        the first `skip_logs` (those an update's caller saw already)."""
        deadline, seen = time.monotonic() + timeout, skip_logs
        while True:
            endpoint = self.endpoint(name)
            if on_log is not None:
                lines = self.endpoint_logs(name)
                for line in lines[seen:]:
                    on_log(line.message)
                seen = len(lines)
            if endpoint.status != EndpointStatus.TRANSITIONING:
                return endpoint
            if time.monotonic() > deadline:
                raise ClientError(
                    0, f"Endpoint {name} is still transitioning after {timeout:.0f} s."
                )
            time.sleep(poll)

    def delete_endpoint(self, name: str) -> None:
        self._request("DELETE", f"/endpoints/{name}")

    def endpoint_logs(self, name: str) -> list[EndpointLogLine]:
        return self._get(f"/endpoints/{name}/logs", list[EndpointLogLine])

    def endpoint_keys(self, name: str) -> dict[str, str]:
        """{"primary": key, "secondary": key}."""
        return self._request("GET", f"/endpoints/{name}/keys").json()

    def regenerate_endpoint_key(self, name: str, slot: str) -> dict[str, str]:
        """Replace the primary or secondary key; returns both keys."""
        return self._request("POST", f"/endpoints/{name}/keys/{slot}/regenerate").json()

    def endpoint_stats(self, name: str) -> dict[str, Any]:
        """Requests, errors, mean/p50/p99 latency in ms (`available` False when unreachable)."""
        return self._request("GET", f"/endpoints/{name}/stats").json()

    def endpoint_schema(self, name: str) -> dict[str, Any]:
        """The bundle's input schema, output columns, sample request and lineage."""
        return self._request("GET", f"/endpoints/{name}/schema").json()

    def test_endpoint(self, name: str, request: dict[str, Any]) -> dict[str, Any]:
        """Send a scoring request through the control plane: {"status_code", "body"}."""
        return self._request("POST", f"/endpoints/{name}/test", json=request).json()

    # -- Kubernetes: contexts, compute targets on a cluster -----------------------------------

    def kubernetes_contexts(self, kubeconfig: str | None = None) -> dict[str, Any]:
        """The control plane's kubeconfig: {"kubeconfig", "contexts", "current", "error"}."""
        params = {"kubeconfig": kubeconfig} if kubeconfig else None
        return self._request("GET", "/kubernetes/contexts", params=params).json()

    def kube_compute_targets(self) -> list[dict[str, Any]]:
        """Every Kubernetes compute target with its settings."""
        return self._request("GET", "/kubernetes/compute").json()

    def put_kube_compute_target(self, name: str, **settings: Any) -> dict[str, Any]:
        """Deploy (or update) a compute target's workers on a cluster (see KubeComputeIn)."""
        return self._request("PUT", f"/kubernetes/compute/{name}", json=settings).json()

    def kube_compute_status(self, name: str) -> dict[str, Any]:
        """A Kubernetes compute target with its workers' state on the cluster."""
        return self._request("GET", f"/kubernetes/compute/{name}").json()

    def delete_kube_compute_target(self, name: str) -> dict[str, Any]:
        return self._request("DELETE", f"/kubernetes/compute/{name}").json()

    # -- pipeline endpoints (published pipelines), schedules, step outputs as datasets --------

    def pipelines(self) -> list[dict[str, Any]]:
        """Every pipeline endpoint with its versions, REST URL and sample requests."""
        return self._request("GET", "/pipelines").json()

    def pipeline(self, name: str) -> dict[str, Any]:
        return self._request("GET", f"/pipelines/{name}").json()

    def publish(
        self,
        name: str,
        *,
        spec: dict[str, Any] | None = None,
        draft_id: str | None = None,
        run_id: str | None = None,
        description: str = "",
        make_default: bool = False,
    ) -> dict[str, Any]:
        """Publish a spec, a draft or a run's pipeline as the endpoint's next version:
        {"endpoint": ..., "version": n, "key": the endpoint key when this created it}."""
        return self._request(
            "POST",
            f"/pipelines/{name}/versions",
            json={
                "spec": spec,
                "draft_id": draft_id,
                "run_id": run_id,
                "description": description,
                "make_default": make_default,
            },
        ).json()

    def set_default_version(self, name: str, version: int) -> dict[str, Any]:
        return self._request("POST", f"/pipelines/{name}/default", json={"version": version}).json()

    def enable_version(self, name: str, version: int, enabled: bool = True) -> dict[str, Any]:
        action = "enable" if enabled else "disable"
        return self._request("POST", f"/pipelines/{name}/versions/{version}/{action}").json()

    def regenerate_pipeline_key(self, name: str) -> str:
        return self._request("POST", f"/pipelines/{name}/key").json()["key"]

    def submit_pipeline(
        self,
        name: str,
        *,
        experiment: str | None = None,
        parameters: dict[str, Any] | None = None,
        datasets: dict[str, Any] | None = None,
        description: str = "",
        tags: dict[str, Any] | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Start a run of an endpoint (its default version unless `version`): {"RunId", ...}."""
        path = f"/pipelines/{name}" + (f"/versions/{version}" if version else "") + "/runs"
        return self._request(
            "POST",
            path,
            json={
                "ExperimentName": experiment,
                "ParameterAssignments": parameters or {},
                "DataSetDefinitionValueAssignments": datasets or {},
                "Description": description,
                "Tags": tags or {},
            },
        ).json()

    def pipeline_runs(self, name: str, limit: int = 100) -> list[dict[str, Any]]:
        """Runs an endpoint started, newest first: [{"run", "origin", "url"}]."""
        return self._request("GET", f"/pipelines/{name}/runs", params={"limit": limit}).json()

    def run_origin(self, run_id: str) -> dict[str, Any] | None:
        """The endpoint, version and schedule that started a run; None for other runs."""
        try:
            return self._request("GET", f"/runs/{run_id}/origin").json()
        except ClientError as exc:
            if exc.status == 404 and "pipeline endpoint" in exc.detail:
                return None
            raise

    def schedules(self, name: str) -> list[dict[str, Any]]:
        return self._request("GET", f"/pipelines/{name}/schedules").json()

    def add_schedule(
        self,
        name: str,
        *,
        cron: str | None = None,
        interval_seconds: int | None = None,
        parameters: dict[str, Any] | None = None,
        datasets: dict[str, Any] | None = None,
        experiment: str | None = None,
        version: int | None = None,
        description: str = "",
    ) -> dict[str, Any]:
        return self._request(
            "POST",
            f"/pipelines/{name}/schedules",
            json={
                "cron": cron,
                "interval_seconds": interval_seconds,
                "version": version,
                "ExperimentName": experiment,
                "ParameterAssignments": parameters or {},
                "DataSetDefinitionValueAssignments": datasets or {},
                "description": description,
            },
        ).json()

    def pause_schedule(self, schedule_id: str) -> dict[str, Any]:
        return self._request("POST", f"/schedules/{schedule_id}/pause").json()

    def resume_schedule(self, schedule_id: str) -> dict[str, Any]:
        return self._request("POST", f"/schedules/{schedule_id}/resume").json()

    def delete_schedule(self, schedule_id: str) -> None:
        self._request("DELETE", f"/schedules/{schedule_id}")

    def schedule_runs(self, schedule_id: str) -> list[dict[str, Any]]:
        return self._request("GET", f"/schedules/{schedule_id}/runs").json()

    def register_output(
        self, run_id: str, node_id: str, port: str, name: str, description: str = ""
    ) -> dict[str, Any]:
        """Register a step's output table as the dataset's next version (with its lineage)."""
        return self._request(
            "POST",
            f"/runs/{run_id}/steps/{node_id}/outputs/{port}/register",
            json={"name": name, "description": description},
        ).json()

    def download_output(self, run_id: str, node_id: str, port: str, format: str = "csv") -> bytes:
        """A step's output table as CSV or Parquet bytes."""
        return self._request(
            "GET",
            f"/runs/{run_id}/steps/{node_id}/outputs/{port}/download",
            params={"format": format},
        ).content

    def dataset_lineage(self, name: str, version: int) -> dict[str, Any]:
        return self._request("GET", f"/datasets/{name}/versions/{version}/lineage").json()
