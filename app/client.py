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
from storage import Dataset, DatasetVersion, Draft, Experiment, ModelVersion, Run, RunStatus

T = TypeVar("T")
TERMINAL = {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELED}


@dataclass
class ClientError(Exception):
    """The control plane refused a request or could not be reached."""

    status: int
    detail: str
    issues: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


class FlowbenchClient:
    """Typed calls to the control plane's REST API."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0):
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout,
                                  headers={"Authorization": f"Bearer {token}"})

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
            raise ClientError(0, f"No Flowbench token found (FLOWBENCH_TOKEN is unset). Looked "
                                 f"in: {places}. Start Flowbench with 'flowbench up', or set "
                                 f"FLOWBENCH_HOME to its workspace folder.")
        return cls(settings.api_url, token)

    def close(self) -> None:
        self._http.close()

    # -- plumbing ----------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ClientError(0, f"The control plane at {self._http.base_url} does not answer "
                                 f"({exc.__class__.__name__}). Is 'flowbench up' running?") from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"detail": response.text}
            detail = body.get("detail", response.reason_phrase)
            if not isinstance(detail, str):  # FastAPI's own request validation errors
                detail = "; ".join(f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}"
                                   for d in detail)
            raise ClientError(response.status_code, detail, body.get("issues", []))
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

    def put_compute_target(self, name: str, queue: str, description: str = "",
                           is_default: bool = False) -> dict[str, Any]:
        return self._request("PUT", f"/compute/{name}", json={
            "queue": queue, "description": description, "is_default": is_default}).json()

    # -- datasets ----------------------------------------------------------------------------

    def datasets(self) -> list[Dataset]:
        return self._get("/datasets", list[Dataset])

    def dataset_versions(self, name: str) -> list[DatasetVersion]:
        return self._get(f"/datasets/{name}/versions", list[DatasetVersion])

    def upload_dataset(self, name: str, filename: str, data: bytes,
                       description: str = "") -> DatasetVersion:
        response = self._request("POST", f"/datasets/{name}/versions",
                                 files={"file": (filename, data)},
                                 data={"description": description})
        return TypeAdapter(DatasetVersion).validate_python(response.json())

    def preview_dataset(self, name: str, version: int, limit: int = 100) -> dict[str, Any]:
        return self._request("GET", f"/datasets/{name}/versions/{version}/preview",
                             params={"limit": limit}).json()

    # -- drafts ------------------------------------------------------------------------------

    def drafts(self) -> list[Draft]:
        return self._get("/drafts", list[Draft])

    def create_draft(self, name: str, spec: dict[str, Any]) -> Draft:
        return self._post("/drafts", Draft, {"name": name, "spec": spec})

    def get_draft(self, draft_id: str) -> Draft:
        return self._get(f"/drafts/{draft_id}", Draft)

    def save_draft(self, draft_id: str, spec: dict[str, Any], *, name: str | None = None,
                   expected_revision: int | None = None) -> Draft:
        body = {"spec": spec, "name": name, "expected_revision": expected_revision}
        response = self._request("PUT", f"/drafts/{draft_id}", json=body)
        return TypeAdapter(Draft).validate_python(response.json())

    def undo_draft(self, draft_id: str) -> Draft:
        return self._post(f"/drafts/{draft_id}/undo", Draft)

    def delete_draft(self, draft_id: str) -> None:
        self._request("DELETE", f"/drafts/{draft_id}")

    # -- pipelines and runs ------------------------------------------------------------------

    def validate(self, spec: dict[str, Any],
                 parameters: dict[str, Any] | None = None) -> ValidateResponse:
        return self._post("/pipelines/validate", ValidateResponse,
                          {"spec": spec, "parameters": parameters or {}})

    def submit(self, spec: dict[str, Any], *, experiment: str,
               parameters: dict[str, Any] | None = None, force_rerun: bool = False,
               name: str | None = None, source: str = "api") -> SubmittedRun:
        """Submit a run; its `warnings` name queues no live worker listens on."""
        return self._post("/runs", SubmittedRun, {"spec": spec, "experiment": experiment,
                                         "parameters": parameters or {},
                                         "force_rerun": force_rerun, "name": name,
                                         "source": source})

    def runs(self, *, experiment: str | None = None, status: str | None = None,
             limit: int = 50, offset: int = 0) -> RunList:
        return self._get("/runs", RunList, experiment=experiment, status=status, limit=limit,
                         offset=offset)

    def run(self, run_id: str) -> RunDetail:
        return self._get(f"/runs/{run_id}", RunDetail)

    def step_log(self, run_id: str, node_id: str) -> str:
        return self._request("GET", f"/runs/{run_id}/steps/{node_id}/log").text

    def output_preview(self, run_id: str, node_id: str, port: str,
                       limit: int = 100) -> dict[str, Any]:
        return self._request("GET", f"/runs/{run_id}/steps/{node_id}/outputs/{port}/preview",
                             params={"limit": limit}).json()

    def cancel(self, run_id: str) -> Run:
        return self._post(f"/runs/{run_id}/cancel", Run)

    def clone(self, run_id: str, name: str | None = None) -> Draft:
        return self._post(f"/runs/{run_id}/clone", Draft, {"name": name})

    def experiments(self) -> list[Experiment]:
        return self._get("/experiments", list[Experiment])

    def wait(self, run_id: str, *, timeout: float = 600.0, poll: float = 0.05,
             on_update: Callable[[RunDetail], None] | None = None) -> RunDetail:
        """Poll a run until it ends; `on_update` sees every change of its steps."""
        deadline = time.monotonic() + timeout
        seen: Any = None
        while True:
            detail = self.run(run_id)
            state = [(s.node_id, s.status) for s in detail.steps] + [detail.run.status]
            if on_update is not None and state != seen:
                on_update(detail)
            seen = state
            if detail.run.status in TERMINAL:
                return detail
            if time.monotonic() > deadline:
                raise ClientError(0, f"Run {run_id} did not finish within {timeout:.0f} s "
                                     f"(status {detail.run.status.value}).")
            time.sleep(poll)

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

    def register_model(self, name: str, run_id: str, node_id: str,
                       description: str = "") -> ModelVersion:
        """Register a completed Train Model step's trained model as the model's next version."""
        return self._post("/models", ModelVersion, {"name": name, "run_id": run_id,
                                                    "node_id": node_id,
                                                    "description": description})

    def dataset_profile(self, name: str, version: int) -> dict[str, Any]:
        """Summarize Data statistics per column, and a histogram or bar chart per column."""
        return self._request("GET", f"/datasets/{name}/versions/{version}/profile").json()

    def compute_status(self) -> list[dict[str, Any]]:
        """Each compute target with its queue depth, failed jobs and workers."""
        return self._request("GET", "/compute-status").json()

    def run_summaries(self, *, experiment: str | None = None, status: str | None = None,
                      limit: int = 50, offset: int = 0) -> dict[str, Any]:
        """A page of runs with durations and key metrics: {"total": n, "runs": [...]}."""
        params = {k: v for k, v in {"experiment": experiment, "status": status, "limit": limit,
                                     "offset": offset}.items() if v is not None}
        return self._request("GET", "/run-summaries", params=params).json()

    def evaluation(self, run_id: str, node_id: str) -> dict[str, Any]:
        """Chart data of an Evaluate Model step (curves, confusion matrix or residuals)."""
        return self._request("GET", f"/runs/{run_id}/steps/{node_id}/evaluation").json()
