"""Validating and submitting keep what does not change between requests (validation outcomes,
dataset versions, compute targets, reusable steps), and never answer from a stale copy: a new
dataset version or a changed compute target is seen by the next validation and submit."""

from __future__ import annotations

import copy
import threading
import uuid

import pytest
from redis import Redis

from app.services.datasets import DatasetService
from app.services.runs import RunService
from jobs.errors import InvalidPipelineError
from storage import ArtifactStore, DuckDBWorkspaceStore, RunStatus

SPEC = {
    "schema_version": 1,
    "name": "pick c",
    "parameters": [],
    "settings": {"default_compute": "pool"},
    "nodes": [
        {"id": "tiny", "dataset": "tiny", "dataset_version": None},
        {
            "id": "pick",
            "component": "select_columns_in_dataset",
            "version": 1,
            "params": {
                "columns": {
                    "begin": "none",
                    "rules": [{"action": "include", "by": "names", "values": ["c"]}],
                }
            },
        },
    ],
    "edges": [{"source": "tiny.dataset", "target": "pick.dataset"}],
}


@pytest.fixture
def runs(tmp_path, redis_url):
    """A run service whose steps go to a queue no worker serves; dataset `tiny` (a, b)."""
    store = DuckDBWorkspaceStore(tmp_path / "workspace.duckdb")
    artifacts = ArtifactStore(tmp_path / "artifacts")
    store.upsert_compute_target(name="pool", queue=f"nobody-{uuid.uuid4().hex[:8]}")
    DatasetService(store, artifacts).register_upload("tiny", "tiny.csv", b"a,b\n1,2\n")
    yield RunService(store, artifacts, Redis.from_url(redis_url))
    store.close()


def codes(runs: RunService, spec=SPEC) -> list[str]:
    return [issue.code for issue in runs.validate(spec).issues]


def test_a_new_dataset_version_is_seen_by_the_next_validation(runs):
    assert codes(runs) == ["unknown_column"]
    assert codes(runs) == ["unknown_column"]  # the same outcome, kept
    DatasetService(runs.store, runs.artifacts).register_upload("tiny", "v2.csv", b"a,c\n1,2\n")
    checked = runs.validate(SPEC)
    assert checked.issues == []
    assert checked.columns["tiny"]["dataset"] == ["a", "c"]


def test_a_changed_compute_target_is_seen_by_the_next_validation(runs):
    spec = copy.deepcopy(SPEC)
    spec["settings"]["default_compute"] = "later"
    assert "unknown_compute_target" in codes(runs, spec)
    runs.store.upsert_compute_target(name="later", queue="later-queue")
    assert "unknown_compute_target" not in codes(runs, spec)
    runs.store.kube_targets.remove_target("later")
    assert "unknown_compute_target" in codes(runs, spec)


def test_a_submit_reads_the_latest_dataset_version_and_queue(runs):
    service = DatasetService(runs.store, runs.artifacts)
    service.register_upload("tiny", "v2.csv", b"a,c\n1,2\n")
    first = runs.submit(SPEC, experiment="caches")
    assert first.spec["nodes"][0]["dataset_version"] == 2
    assert (
        runs.store.get_step(first.id, "pick").queue
        == runs.store.list_compute_targets()[
            [t.name for t in runs.store.list_compute_targets()].index("pool")
        ].queue
    )
    service.register_upload("tiny", "v3.csv", b"c,d\n1,2\n")
    runs.store.upsert_compute_target(name="pool", queue="moved-queue")
    second = runs.submit(SPEC, experiment="caches")
    assert second.spec["nodes"][0]["dataset_version"] == 3
    assert runs.store.get_step(second.id, "pick").queue == "moved-queue"
    # The step's input changed (another version), so it is not the first run's step again.
    assert (
        runs.store.get_step(second.id, "pick").cache_key
        != runs.store.get_step(first.id, "pick").cache_key
    )


def test_an_invalid_submit_after_a_dataset_change_records_nothing(runs):
    DatasetService(runs.store, runs.artifacts).register_upload("tiny", "v2.csv", b"a,c\n1,2\n")
    assert runs.validate(SPEC).issues == []
    DatasetService(runs.store, runs.artifacts).register_upload("tiny", "v3.csv", b"a,b\n1,2\n")
    with pytest.raises(InvalidPipelineError, match="'c'"):
        runs.submit(SPEC, experiment="caches")
    assert runs.store.list_runs() == []


def test_a_kept_outcome_is_not_changed_by_what_a_caller_does_with_it(runs):
    first = runs.validate(SPEC)
    first.issues.clear()
    first.warnings.append(first.issues)
    first.columns["tiny"]["dataset"].append("mine")
    first.columns.clear()
    again = runs.validate(SPEC)
    assert [i.code for i in again.issues] == ["unknown_column"] and again.warnings == []
    assert again.columns["tiny"]["dataset"] == ["a", "b"]


def test_every_step_reused_is_recorded_completed(runs):
    """Two submits of the same pipeline, the first one's step finished meanwhile: the second
    reuses it and is recorded completed, naming the first run."""
    DatasetService(runs.store, runs.artifacts).register_upload("tiny", "v2.csv", b"a,c\n1,2\n")
    first = runs.submit(SPEC, experiment="caches")
    runs.store.update_step(first.id, "pick", status="running")
    dataset = runs.store.get_dataset_version("tiny")  # an existing artifact as its output
    runs.store.update_step(
        first.id, "pick", status="completed", outputs={"results_dataset": dataset.uri}
    )
    second = runs.submit(SPEC, experiment="caches")
    assert second.status is RunStatus.COMPLETED
    step = runs.store.get_step(second.id, "pick")
    assert (step.reused, step.reused_from) == (True, first.id)


def test_refused_submits_leave_room_for_the_next_ones(runs):
    """Validation runs a few threads at a time; a refused submit gives its place back (else
    the calls after it would wait forever: they run in a thread the test stops waiting for)."""
    outcome: list = []

    def calls() -> None:
        for _ in range(runs.submitter.WORKERS + 1):
            with pytest.raises(InvalidPipelineError):
                runs.submit(SPEC, experiment="caches")
        outcome.append(runs.validate(SPEC))

    thread = threading.Thread(target=calls, daemon=True)
    thread.start()
    thread.join(30)
    assert outcome and [i.code for i in outcome[0].issues] == ["unknown_column"]
