"""The worker contract: records survive the trip through JSON, and a record of another version,
or with a field missing, fails with a sentence naming the versions or the field."""

from __future__ import annotations

import json

import pytest
from redis import Redis
from rq import Queue

from jobs import contract, defaults
from jobs.contract import CONTRACT_VERSION, JobPayload, StepEvent, StepInput, StepResult
from jobs.errors import ContractError
from jobs.tracking import fetch_job_states, next_event

RESULT = StepResult(
    outputs={"results_dataset": "artifacts://objects/abc.parquet"},
    summaries={"results_dataset": {"rows": 3, "columns": 2}},
    metrics={"Accuracy": 0.5},
    log_uri="artifacts://logs/run_1/select.log",
    started_at=1.0,
    finished_at=2.5,
    duration_s=1.5,
)
PAYLOAD = JobPayload(
    run_id="run_1",
    node_id="select",
    component="select_columns_in_dataset",
    component_version=1,
    params={"columns": {"begin": "all", "rules": []}},
    inputs={
        "dataset": StepInput(uri="artifacts://objects/in.parquet"),
        "other": StepInput(node="split", port="results_dataset1"),
    },
    upstream_jobs={"split": "fb-run_1-split"},
    events_key="flowbench:events:abc",
    log_uri="artifacts://logs/run_1/select.log",
    timeout=60,
    artifacts="/tmp/artifacts",
)
EVENT = StepEvent(run_id="run_1", node_id="select", job_id="fb-run_1-select", result=RESULT)
FAILED = StepEvent(
    "run_1", "select", "fb-run_1-select", error="boom", started_at=1.5, finished_at=2.25
)
RECORDS = [PAYLOAD, RESULT, EVENT, FAILED]
EVENT_IDS = ("run_1", "select", "fb-run_1-select")


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
def test_a_record_survives_json_both_ways(record):
    """What one side writes the other reads back equal, through the dict RQ stores and JSON."""
    assert type(record).from_dict(record.to_dict()) == record
    assert type(record).from_json(record.to_json()) == record
    assert json.loads(record.to_json())["version"] == CONTRACT_VERSION


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: type(r).__name__)
@pytest.mark.parametrize("other", [CONTRACT_VERSION - 1, CONTRACT_VERSION + 1, None])
def test_another_version_is_refused_naming_both_versions(record, other):
    """An older or newer writer (or one with no version) gets a ContractError, not a KeyError."""
    data = record.to_dict()
    data["version"] = other
    with pytest.raises(ContractError) as caught:
        type(record).from_dict(data)
    assert f"version {other!r}" in str(caught.value)
    assert f"reads version {CONTRACT_VERSION}" in str(caught.value)
    assert caught.value.code == "worker_contract"


def test_a_newer_writer_is_refused_by_an_older_reader(monkeypatch):
    """The same check seen from the other side: this version's record read by an older one."""
    text = PAYLOAD.to_json()
    monkeypatch.setattr(contract, "CONTRACT_VERSION", CONTRACT_VERSION - 1)
    with pytest.raises(ContractError, match=f"version {CONTRACT_VERSION} reached a side that "):
        JobPayload.from_json(text)


def test_a_missing_field_is_named():
    data = PAYLOAD.to_dict()
    del data["events_key"], data["log_uri"]
    with pytest.raises(ContractError, match="lacks the field.s. events_key, log_uri"):
        JobPayload.from_dict(data)


def test_an_unknown_field_is_named():
    data = RESULT.to_dict() | {"surprise": 1}
    with pytest.raises(ContractError, match="unknown field.s. surprise"):
        StepResult.from_dict(data)


def test_a_nested_result_of_another_version_is_refused():
    data = EVENT.to_dict()
    data["result"]["version"] = CONTRACT_VERSION + 1
    with pytest.raises(ContractError, match="step result of worker contract version"):
        StepEvent.from_dict(data)


@pytest.mark.parametrize(
    ("record", "field", "value", "named"),
    [
        (RESULT, "outputs", 5, "outputs: Input should be a valid dictionary"),
        (RESULT, "outputs", {"scored": 1}, "outputs.scored: Input should be a valid string"),
        (RESULT, "metrics", ["x"], "metrics: Input should be a valid dictionary"),
        (RESULT, "started_at", "soon", "started_at: Input should be a valid number"),
        (FAILED, "finished_at", [2.25], "finished_at: Input should be a valid number"),
        (FAILED, "error", 7, "error: Input should be a valid string"),
        (PAYLOAD, "component_version", "one", "component_version: Input should be a valid int"),
        (PAYLOAD, "params", [], "params: Input should be a valid dictionary"),
    ],
    ids=lambda v: v if isinstance(v, str) else type(v).__name__,
)
def test_a_value_of_the_wrong_type_is_named(record, field, value, named):
    """A record of the right version whose value has the wrong type is refused, naming the
    field, where it would have reached the reader as a TypeError further on."""
    data = record.to_dict() | {field: value}
    with pytest.raises(ContractError, match="has a value of the wrong type") as caught:
        type(record).from_dict(data)
    assert named in str(caught.value)


@pytest.mark.parametrize("bad", [None, [], "text", {"uri": None}, {"node": "a"}, {"x": 1}])
def test_an_input_that_names_nothing_is_refused(bad):
    data = PAYLOAD.to_dict()
    data["inputs"]["dataset"] = bad
    with pytest.raises(ContractError, match="Input 'dataset'"):
        JobPayload.from_dict(data)


def test_not_json_is_refused():
    with pytest.raises(ContractError, match="not valid JSON"):
        StepEvent.from_json("{")
    with pytest.raises(ContractError, match="must be a JSON object"):
        StepEvent.from_json("[1]")


def test_an_unreadable_event_comes_back_as_a_failed_event_with_the_reason(redis_url):
    """The monitor fails the step of an event it cannot read, saying why."""
    redis = Redis.from_url(redis_url)
    key = "flowbench:events:contract-test"
    redis.delete(key)
    newer = EVENT.to_dict() | {"version": CONTRACT_VERSION + 1}
    wrong = EVENT.to_dict()
    wrong["result"]["started_at"] = "soon"
    redis.rpush(key, json.dumps(newer), json.dumps(wrong), json.dumps({"version": 0}))
    for reason in (f"version {CONTRACT_VERSION + 1}", "wrong type: started_at: Input should be"):
        event = next_event(redis, key, timeout=1)
        assert (event.run_id, event.node_id, event.job_id) == EVENT_IDS
        assert event.result is None
        assert reason in event.error
    assert next_event(redis, key, timeout=1) is None  # no ids: dropped, the sweep reads the job


def test_a_finished_job_whose_result_is_unreadable_carries_the_reason(redis_url):
    """The sweep reads a result of another version as an error, not a KeyError."""
    redis = Redis.from_url(redis_url)
    queue = Queue("contract-test", connection=redis, serializer=defaults.SERIALIZER)
    # Jobs that return what a worker of contract version 1 returned, and a result of this
    # version with outputs that are not an object, run here as a worker would.
    for returned, reason in (
        ({"outputs": {}, "version": 1}, "step result of worker contract version 1"),
        ({"outputs": [], "version": CONTRACT_VERSION}, "outputs: Input should be a valid dict"),
    ):
        job = queue.enqueue_call("builtins.dict", kwargs=returned, job_id="fb-contract-test-old")
        queue.run_sync(job)
        state = fetch_job_states(redis, [job.id])[job.id]
        assert state.status == "finished"
        assert state.result is None
        assert reason in state.error
