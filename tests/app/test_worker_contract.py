"""A control plane and a worker of different contract versions: the step fails, saying why.

The control plane runs in this process (a RunService over a workspace of its own) with its
contract version patched; the worker is a real `flowbench worker` process of this version.
"""

from __future__ import annotations

import time
import uuid

import pytest
from redis import Redis

from app.services.datasets import DatasetService
from app.services.runs import RunService
from jobs import contract
from jobs.tracking import fetch_job_states, next_event
from storage import ArtifactStore, DuckDBWorkspaceStore, RunStatus, StepStatus
from tests.conftest import make_stack


def spec(target: str) -> dict:
    return {
        "schema_version": 1,
        "name": "contract",
        "parameters": [],
        "settings": {"default_compute": target},
        "nodes": [
            {"id": "tiny", "dataset": "tiny", "dataset_version": None},
            {
                "id": "select",
                "component": "select_columns_in_dataset",
                "version": 1,
                "params": {"columns": {"begin": "all", "rules": []}},
            },
            {
                "id": "again",
                "component": "select_columns_in_dataset",
                "version": 1,
                "params": {"columns": {"begin": "all", "rules": []}},
            },
        ],
        "edges": [
            {"source": "tiny.dataset", "target": "select.dataset"},
            {"source": "select.results_dataset", "target": "again.dataset"},
        ],
    }


@pytest.fixture
def plane(tmp_path, redis_url):
    """An in-process control plane and one real worker on a queue of their own."""
    queue = f"contract-{uuid.uuid4().hex[:8]}"
    store = DuckDBWorkspaceStore(tmp_path / "workspace.duckdb")
    artifacts = ArtifactStore(tmp_path / "artifacts")
    store.upsert_compute_target(name="contract", queue=queue)
    DatasetService(store, artifacts).register_upload("tiny", "tiny.csv", b"a,b\n1,2\n3,4\n")
    runs = RunService(store, artifacts, Redis.from_url(redis_url))
    stack = make_stack(tmp_path / "worker-home", redis_url)
    stack.start_worker("contract-worker", queue)
    yield runs
    stack.stop_all()


def wait_for_run(runs: RunService, run_id: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = runs.sync(run_id)
        if run.status.is_terminal:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} did not end")


def test_a_payload_of_another_version_fails_the_step_with_the_versions(plane, monkeypatch):
    """The worker refuses the payload; the sweep fails the step with the worker's sentence and
    cancels the step after it."""
    monkeypatch.setattr(contract, "CONTRACT_VERSION", contract.CONTRACT_VERSION + 7)
    run = plane.submit(spec("contract"), experiment="contract")
    ended = wait_for_run(plane, run.id)
    steps = {s.node_id: s for s in plane.store.list_steps(run.id)}
    assert ended.status is RunStatus.FAILED
    assert steps["select"].status is StepStatus.FAILED
    version = contract.CONTRACT_VERSION
    assert steps["select"].error == (
        f"A job payload of worker contract version {version} reached a side that reads version "
        f"{version - 7}: run the control plane and the workers from the same Flowbench release."
    )
    assert steps["again"].status is StepStatus.CANCELED
    assert "worker contract version" in ended.error


def test_a_result_and_an_event_of_another_version_fail_the_step(plane, monkeypatch):
    """A worker of this version finishes the step; a control plane of the next version reads
    neither its result (the sweep) nor its event (the monitor), and fails the step saying so."""
    run = plane.submit(spec("contract"), experiment="contract")
    job_id = plane.store.get_step(run.id, "select").job_id
    deadline = time.monotonic() + 120
    while fetch_job_states(plane.redis, [job_id])[job_id].status != "finished":
        assert time.monotonic() < deadline, "the step did not finish"
        time.sleep(0.2)
    monkeypatch.setattr(contract, "CONTRACT_VERSION", contract.CONTRACT_VERSION + 1)
    ended = plane.sync(run.id)
    step = plane.store.get_step(run.id, "select")
    assert step.status is StepStatus.FAILED
    assert step.error.startswith("A step result of worker contract version ")
    assert ended.status is RunStatus.FAILED
    event = next_event(plane.redis, plane.events_key, timeout=10)
    assert (event.run_id, event.node_id, event.result) == (run.id, "select", None)
    assert event.error.startswith("A step event of worker contract version ")
