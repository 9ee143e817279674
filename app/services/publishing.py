"""Published pipelines: publish a draft, a run's pipeline or a spec as a new immutable version of
a named pipeline endpoint, manage versions and the endpoint's key, and start runs through it with
the designer's REST body (ParameterAssignments, DataSetDefinitionValueAssignments).

Only the control plane uses this module.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pprint
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.services.runs import RunService
from jobs.errors import InvalidPipelineError
from jobs.validate import Issue
from storage import ConflictError, Run, RunSource, WorkspaceStore, new_id, utc_now
from storage.records.pipelines import PipelineEndpoint, PublishedPipeline, RunOrigin

ENDPOINT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
RESERVED_NAMES = frozenset({"validate"})  # POST /pipelines/validate is taken
KEY_PREFIX = "fbp_"


class PublishingError(ValueError):
    """A publishing request that cannot be done as asked; the message is for the user (400)."""


@dataclass(frozen=True)
class Published:
    """A new version, and the endpoint's key when this publish created the endpoint."""

    version: PublishedPipeline
    key: str | None = None


@dataclass(frozen=True)
class EndpointRunRequest:
    """The designer's body of a pipeline endpoint call."""

    experiment: str
    parameters: dict[str, Any] = field(default_factory=dict)
    datasets: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    tags: dict[str, Any] = field(default_factory=dict)


def hash_key(key: str) -> str:
    """The sha256 kept at rest for an endpoint key (keys are random; no salt is needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class PublishingService:
    """Endpoints, versions, keys, and runs started through endpoints."""

    def __init__(self, workspace: WorkspaceStore, runs: RunService):
        self.workspace = workspace
        self.store = workspace.pipelines
        self.runs = runs

    # -- publishing ---------------------------------------------------------------------------

    def publish(
        self,
        endpoint: str,
        *,
        spec: dict[str, Any] | None = None,
        draft_id: str | None = None,
        run_id: str | None = None,
        description: str = "",
        make_default: bool = False,
    ) -> Published:
        """Publish exactly one of a spec, a draft or a run's pipeline as the endpoint's next
        version (creating the endpoint, and its key, on first publish).

        Raises:
            PublishingError: a bad name, or not exactly one source.
            InvalidPipelineError: the pipeline has issues with its default values.
            NotFoundError: the draft or run does not exist.
        """
        if not ENDPOINT_NAME.match(endpoint or "") or endpoint in RESERVED_NAMES:
            raise PublishingError(
                f"Pipeline endpoint name {endpoint!r} is not allowed: use letters, digits, '-', "
                "'_' or '.', starting with a letter or digit (at most 64), and not 'validate'."
            )
        given = [
            k
            for k, v in (("spec", spec), ("draft_id", draft_id), ("run_id", run_id))
            if v is not None
        ]
        if len(given) != 1:
            raise PublishingError(
                f"Publish exactly one of 'spec', 'draft_id' or 'run_id'; got {given or 'none'}."
            )
        source_kind, source_id = "spec", None
        if draft_id is not None:
            spec, source_kind, source_id = (
                self.workspace.get_draft(draft_id).spec,
                "draft",
                draft_id,
            )
        elif run_id is not None:
            run = self.workspace.get_run(run_id)
            spec, source_kind, source_id = _with_run_defaults(run), "run", run_id
        checked = self.runs.validate(spec)
        if checked.issues:
            raise InvalidPipelineError(checked.issues)
        snapshot = checked.spec.to_dict()  # normalized: the version is what runs
        key = None
        if self.store.key_hash(endpoint) is None:
            key = new_key()
            self.store.create_endpoint(endpoint, hash_key(key), description)
        version = self.store.add_version(
            endpoint=endpoint,
            name=checked.spec.name,
            spec=snapshot,
            description=description,
            source_kind=source_kind,
            source_id=source_id,
            make_default=make_default,
            version_id=new_id("pp"),
        )
        return Published(version, key)

    def endpoint(self, name: str) -> PipelineEndpoint:
        return self.store.get_endpoint(name)

    def regenerate_key(self, endpoint: str) -> str:
        """A new key for the endpoint; the old one stops working at once."""
        key = new_key()
        self.store.set_key_hash(endpoint, hash_key(key))
        return key

    def key_matches(self, endpoint: str, key: str) -> bool:
        stored = self.store.key_hash(endpoint)
        return stored is not None and secrets.compare_digest(stored, hash_key(key))

    # -- runs ---------------------------------------------------------------------------------

    def submit(
        self,
        endpoint: str,
        request: EndpointRunRequest,
        *,
        version: int | None = None,
        schedule_id: str | None = None,
        tick: datetime | None = None,
    ) -> tuple[Run, RunOrigin]:
        """Start a run of an endpoint's version (its default when None).

        Raises:
            NotFoundError: unknown endpoint or version (404).
            ConflictError: the version is disabled (409).
            InvalidPipelineError: unknown parameter, wrong type or range, unknown dataset (422);
                nothing is queued.
        """
        published = self.store.get_version(endpoint, version)
        if not published.enabled:
            raise ConflictError(
                f"Version {published.version} of pipeline endpoint '{endpoint}' "
                "is disabled; enable it or call another version."
            )
        parameters = self.parameter_values(published, request)
        run = self.runs.submit(
            published.spec,
            experiment=request.experiment,
            parameters=parameters,
            source=RunSource.SCHEDULE if schedule_id else RunSource.ENDPOINT,
            name=f"{endpoint} v{published.version}",
            published_pipeline_id=published.id,
        )
        origin = RunOrigin(
            run_id=run.id,
            endpoint=endpoint,
            version=published.version,
            schedule_id=schedule_id,
            tick=tick,
            description=request.description,
            tags=dict(request.tags),
            created_at=utc_now(),
        )
        self.store.record_origin(origin)
        return run, origin

    def parameter_values(
        self, published: PublishedPipeline, request: EndpointRunRequest
    ) -> dict[str, Any]:
        """The run's parameter values: ParameterAssignments plus the dataset assignments.

        Raises:
            InvalidPipelineError: a dataset assignment names no dataset parameter, or a name is
                assigned twice.
        """
        kinds = {p["name"]: p.get("type") for p in published.spec.get("parameters", [])}
        for node in published.spec.get("nodes", []):
            if node.get("dataset_param") in kinds:  # a string parameter naming a dataset too
                kinds[node["dataset_param"]] = "dataset"
        issues = []
        values = dict(request.parameters)
        for name, value in request.datasets.items():
            if name in values:
                issues.append(
                    Issue(
                        "duplicate_assignment",
                        f"Parameter {name!r} is assigned in "
                        "both ParameterAssignments and "
                        "DataSetDefinitionValueAssignments.",
                        None,
                        name,
                    )
                )
            elif name not in kinds:
                issues.append(
                    Issue(
                        "unknown_pipeline_parameter",
                        f"No dataset parameter {name!r}; defined: "
                        f"{[n for n, k in kinds.items() if k == 'dataset']}.",
                        None,
                        name,
                    )
                )
            elif kinds[name] != "dataset":
                issues.append(
                    Issue(
                        "pipeline_parameter_type",
                        f"Pipeline parameter {name!r} is {kinds[name]}, not a "
                        "dataset; set it in ParameterAssignments.",
                        None,
                        name,
                    )
                )
            else:
                values[name] = _dataset_reference(value)
        if issues:
            raise InvalidPipelineError(issues)
        return values

    def runs_of(
        self, endpoint: str, *, schedule_id: str | None = None, limit: int = 100
    ) -> list[tuple[Run, RunOrigin]]:
        self.store.get_endpoint(endpoint)
        return self.store.list_runs(endpoint=endpoint, schedule_id=schedule_id, limit=limit)


def _dataset_reference(value: Any) -> Any:
    """{"name", "version"}; Azure's {"SavedDataSetReference": {"Id": "name:version"}} too."""
    if isinstance(value, dict) and set(value) == {"SavedDataSetReference"}:
        reference = value["SavedDataSetReference"]
        ident = reference.get("Id") if isinstance(reference, dict) else None
        if isinstance(ident, str):
            name, _, version = ident.partition(":")
            return {"name": name, "version": int(version) if version.isdigit() else None}
    return value  # validation names a malformed value


def _with_run_defaults(run: Run) -> dict[str, Any]:
    """A run's spec whose parameter defaults are the values that run used."""
    spec = copy.deepcopy(run.spec)
    for parameter in spec.get("parameters", []):
        if parameter["name"] in run.parameters:
            parameter["default"] = run.parameters[parameter["name"]]
    return spec


def sample_body(spec: dict[str, Any], experiment: str) -> dict[str, Any]:
    """A request body that runs `spec` with its defaults, every parameter spelled out."""
    parameters = spec.get("parameters", [])
    return {
        "ExperimentName": experiment,
        "ParameterAssignments": {
            p["name"]: p.get("default") for p in parameters if p.get("type") != "dataset"
        },
        "DataSetDefinitionValueAssignments": {
            p["name"]: p.get("default") for p in parameters if p.get("type") == "dataset"
        },
        "Description": "",
        "Tags": {},
    }


def sample_requests(rest_url: str, endpoint: str, spec: dict[str, Any]) -> dict[str, str]:
    """Sample calls in curl and Python that work when pasted, with the key in FLOWBENCH_KEY."""
    body = json.dumps(sample_body(spec, endpoint), indent=2)
    shell_body = body.replace("'", "'\\''")
    curl = (
        f"export FLOWBENCH_KEY='<the endpoint key>'\n"
        f"curl -sS -X POST '{rest_url}' \\\n"
        f'  -H "Authorization: Bearer $FLOWBENCH_KEY" \\\n'
        f"  -H 'Content-Type: application/json' \\\n"
        f"  -d '{shell_body}'"
    )
    python = (
        f"import os\n\nimport httpx\n\n"
        f"body = {_python_literal(sample_body(spec, endpoint))}\n"
        f"response = httpx.post({rest_url!r}, json=body, timeout=30,\n"
        f'                      headers={{"Authorization": '
        f"f\"Bearer {{os.environ['FLOWBENCH_KEY']}}\"}})\n"
        f"response.raise_for_status()\n"
        f'print(response.json()["RunId"], response.json()["Url"])'
    )
    return {"curl": curl, "python": python}


def _python_literal(value: Any) -> str:
    return pprint.pformat(value, indent=1, width=88, sort_dicts=False)
