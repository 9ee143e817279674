"""The worker contract: what the control plane and a worker say to each other, as typed records.

Three records cross Redis: the job payload (`jobs.scheduler` enqueues one per step, `jobs.step`
reads it), the step result (the worker returns it for RQ to keep; downstream steps and the
control plane read it) and the step event (the worker pushes it when a step ends; the control
plane's monitor pops it). Each carries `version`, the contract version of the side that wrote
it, and is turned into JSON and back only here: `to_dict`/`from_dict` for the RQ path (RQ's
JSONSerializer writes the dict, see `jobs.defaults.SERIALIZER`), `to_json`/`from_json` for the
events list. A record of another version, with a field missing or unknown, or with a value of
the wrong type (checked by pydantic against the dataclass's annotations) raises
`ContractError` naming the versions or the field, so a worker and a control plane of different
Flowbench versions fail a step with a sentence instead of a KeyError or a TypeError.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from pydantic import TypeAdapter, ValidationError

from jobs.errors import ContractError

# Bump whenever a field is added, removed, renamed or changes meaning. Version 1 was the untyped
# dicts of earlier releases (they carried the component's version under "version"); version 3
# added when a failed step ran to its event.
CONTRACT_VERSION = 3


@dataclass(frozen=True)
class _Record:
    """Shared encoding of the contract's records (the single place they become JSON)."""

    kind: ClassVar[str]
    # Fields holding nested records: name -> record class, decoded with the same checks.
    nested: ClassVar[dict[str, type[_Record]]] = {}

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data, with this side's contract version."""
        data: dict[str, Any] = {"version": CONTRACT_VERSION}
        for item in dataclasses.fields(self):
            data[item.name] = _plain(getattr(self, item.name))
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Read a record written by `to_dict`, on this side or the other.

        Raises:
            ContractError: not a JSON object, another contract version, a field missing or
                unknown, or a value of the wrong type.
        """
        if not isinstance(data, dict):
            raise ContractError(f"A {cls.kind} must be a JSON object; got {type(data).__name__}.")
        version = data.get("version")
        if version != CONTRACT_VERSION:
            raise ContractError(
                f"A {cls.kind} of worker contract version {version!r} reached a side that reads "
                f"version {CONTRACT_VERSION}: run the control plane and the workers from the "
                f"same Flowbench release."
            )
        names = {item.name for item in dataclasses.fields(cls)}
        required = [
            item.name
            for item in dataclasses.fields(cls)
            if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING
        ]
        missing = [name for name in required if name not in data]
        if missing:
            raise ContractError(
                f"A {cls.kind} (contract version {version}) lacks the field(s) "
                f"{', '.join(missing)}."
            )
        unknown = sorted(set(data) - names - {"version"})
        if unknown:
            raise ContractError(
                f"A {cls.kind} (contract version {version}) has unknown field(s) "
                f"{', '.join(unknown)}."
            )
        values = cls._decoded({name: data[name] for name in names if name in data})
        try:
            return _ADAPTERS[cls].validate_python(values)
        except ValidationError as exc:
            wrong = "; ".join(
                f"{'.'.join(map(str, error['loc']))}: {error['msg']}" for error in exc.errors()
            )
            raise ContractError(
                f"A {cls.kind} (contract version {version}) has a value of the wrong type: {wrong}."
            ) from exc

    @classmethod
    def _decoded(cls, values: dict[str, Any]) -> dict[str, Any]:
        """`values` with nested records read (with their own checks) before types are."""
        for name, record in cls.nested.items():
            values[name] = _decode_nested(record, values.get(name))
        return values

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Read a record from its JSON text (see `from_dict`)."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ContractError(f"A {cls.kind} is not valid JSON: {exc}") from exc
        return cls.from_dict(data)


@dataclass(frozen=True)
class StepInput:
    """Where one input of a step comes from: a fixed artifact URI, or an upstream step's port
    (whose URI the worker reads from that step's result)."""

    uri: str | None = None
    node: str | None = None
    port: str | None = None

    @property
    def output(self) -> tuple[str, str]:
        """(node, port) of an input an upstream step gives; a payload without them is refused."""
        if self.node is None or self.port is None:
            raise ContractError(
                f"A step input has neither a URI nor an upstream node and port: {self!r}."
            )
        return self.node, self.port


@dataclass(frozen=True)
class JobPayload(_Record):
    """What a step job carries: the component to run, its parameters and where its inputs are.

    `artifacts` is the store's location without credentials (a worker whose environment pins
    no store uses it); credentials come from the worker's own environment.
    """

    kind: ClassVar[str] = "job payload"

    run_id: str
    node_id: str
    component: str
    component_version: int
    params: dict[str, Any]
    inputs: dict[str, StepInput]
    upstream_jobs: dict[str, str]  # upstream node id -> its RQ job id
    events_key: str
    log_uri: str
    timeout: int | None = None
    artifacts: str | None = None

    @classmethod
    def _decoded(cls, values: dict[str, Any]) -> dict[str, Any]:
        inputs = values.get("inputs")
        if not isinstance(inputs, dict):
            raise ContractError(f"A {cls.kind}'s inputs must be an object.")
        return {
            **values,
            "inputs": {port: _decode_input(port, ref) for port, ref in inputs.items()},
        }


@dataclass(frozen=True)
class StepResult(_Record):
    """What a finished step returns: output URIs per port, metrics, its log and timings."""

    kind: ClassVar[str] = "step result"

    outputs: dict[str, str]
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    log_uri: str | None = None
    started_at: float | None = None  # seconds since the epoch
    finished_at: float | None = None
    duration_s: float | None = None


@dataclass(frozen=True)
class StepEvent(_Record):
    """A step's own report that it ended: its result when it completed, else its error and
    when it ran (a completed step's times are in its result)."""

    kind: ClassVar[str] = "step event"
    nested: ClassVar[dict[str, type[_Record]]] = {"result": StepResult}

    run_id: str
    node_id: str
    job_id: str
    result: StepResult | None = None
    error: str | None = None
    started_at: float | None = None  # seconds since the epoch
    finished_at: float | None = None

    @property
    def completed(self) -> bool:
        return self.result is not None


# pydantic checks each field's value against the dataclass's annotations (a number where a time
# is, an object of strings where outputs are), so that a record of the right version but with a
# wrong value fails its step with a sentence, not the reader with a TypeError. Built at import
# (about 75 ms, the payload's most): a forking worker's parent imports this module, so its work
# horses inherit them rather than each building them on its first step.
_ADAPTERS: dict[type, TypeAdapter] = {
    record: TypeAdapter(record) for record in (JobPayload, StepResult, StepEvent)
}


def _decode_nested(record: type[_Record], value: Any) -> Any:
    return None if value is None else record.from_dict(value)


def _decode_input(port: str, ref: Any) -> StepInput:
    if isinstance(ref, StepInput):
        return ref
    if not isinstance(ref, dict) or set(ref) - {"uri", "node", "port"}:
        raise ContractError(f"Input {port!r} of a job payload must be {{uri}} or {{node, port}}.")
    found = StepInput(**ref)
    if found.uri is None and (found.node is None or found.port is None):
        raise ContractError(f"Input {port!r} of a job payload names neither a URI nor a step.")
    return found


def _plain(value: Any) -> Any:
    if isinstance(value, _Record):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
