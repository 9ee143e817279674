"""Runs end to end: real control plane, real Redis, real worker processes."""

import json
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from app.client import ClientError
from app.durations import took
from tests.conftest import ROOT

TUTORIAL = ROOT / "examples" / "automobile_price.json"
REGRESSION_METRICS = [
    "Mean_Absolute_Error",
    "Root_Mean_Squared_Error",
    "Relative_Squared_Error",
    "Relative_Absolute_Error",
    "Coefficient_of_Determination",
]


def tutorial():
    return json.loads(TUTORIAL.read_text())


def experiment():
    return f"exp-{uuid.uuid4().hex[:8]}"


def cli(stack, *args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=stack.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_tutorial_runs_and_reports_metrics_that_match_the_scores(stack, client):
    """The CLI runs the tutorial; its metrics agree with sklearn on the scored rows."""
    name = experiment()
    done = cli(stack, "submit", str(TUTORIAL), "--experiment", name, "--wait")
    assert done.returncode == 0, done.stdout + done.stderr
    for node in ("select", "clean", "split", "learner", "train", "score", "evaluate"):
        assert f"{node}" in done.stdout
    for metric in REGRESSION_METRICS:
        assert metric in done.stdout
    run = client.runs(experiment=name).runs[0]
    detail = client.run(run.id)
    assert {s.status.value for s in detail.steps} == {"completed"}
    scored = client.output_preview(run.id, "score", "scored_dataset", limit=10_000)
    actual = np.array([row["Price"] for row in scored["rows"]], dtype=float)
    predicted = np.array([row["Scored Labels"] for row in scored["rows"]], dtype=float)
    reported = next(s.metrics for s in detail.steps if s.node_id == "evaluate")
    assert reported["Mean_Absolute_Error"] == pytest.approx(
        skm.mean_absolute_error(actual, predicted)
    )
    assert reported["Root_Mean_Squared_Error"] == pytest.approx(
        np.sqrt(skm.mean_squared_error(actual, predicted))
    )
    assert reported["Coefficient_of_Determination"] == pytest.approx(
        skm.r2_score(actual, predicted)
    )
    assert reported["Relative_Absolute_Error"] == pytest.approx(
        np.abs(actual - predicted).sum() / np.abs(actual - actual.mean()).sum()
    )
    assert reported["Relative_Squared_Error"] == pytest.approx(
        ((actual - predicted) ** 2).sum() / ((actual - actual.mean()) ** 2).sum()
    )
    clean = next(s for s in detail.steps if s.node_id == "clean")
    assert "Remove entire row" in client.step_log(run.id, "clean")
    assert clean.log_uri


def test_unchanged_resubmit_reuses_every_step_and_json_is_parseable(stack, client):
    """A second identical submit marks every step reused with the same metrics."""
    first = cli(stack, "submit", str(TUTORIAL), "--experiment", experiment(), "--wait", "--json")
    assert first.returncode == 0, first.stderr
    again = cli(stack, "submit", str(TUTORIAL), "--experiment", experiment(), "--wait", "--json")
    assert again.returncode == 0, again.stderr
    one, two = json.loads(first.stdout), json.loads(again.stdout)
    assert all(step["reused"] for step in two["steps"])
    assert all(step["status"] == "completed" for step in two["steps"])
    assert two["metrics"] == one["metrics"]
    assert two["run"]["status"] == "completed"
    reused_from = {step["reused_from"] for step in two["steps"]}
    assert None not in reused_from


def test_force_rerun_and_regenerate_bypass_reuse(client):
    """Force rerun executes every step; regenerate on one node reruns it and what follows."""
    spec = tutorial()
    client.wait(client.submit(spec, experiment=experiment()).id)
    forced = client.wait(client.submit(spec, experiment=experiment(), force_rerun=True).id)
    assert not any(s.reused for s in forced.steps)
    spec["nodes"][3]["regenerate"] = True  # split
    partial = client.wait(client.submit(spec, experiment=experiment()).id)
    reused = {s.node_id for s in partial.steps if s.reused}
    assert reused == {"select", "clean", "learner"}
    assert partial.run.status.value == "completed"


def test_invalid_pipeline_is_refused_with_every_issue(stack, client, tmp_path):
    """422 from the API and exit code 2 from the CLI, listing each issue; nothing is queued."""
    spec = tutorial()
    spec["nodes"][3]["params"]["fraction"] = 7
    spec["edges"] = [e for e in spec["edges"] if e["target"] != "evaluate.scored_dataset"]
    before = client.runs().total
    with pytest.raises(ClientError) as caught:
        client.submit(spec, experiment=experiment())
    assert caught.value.status == 422
    assert {(i["code"], i["node"]) for i in caught.value.issues} == {
        ("invalid_parameter", "split"),
        ("unconnected_input", "evaluate"),
    }
    assert client.runs().total == before
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(spec))
    done = cli(stack, "validate", str(bad))
    assert done.returncode == 2
    assert "invalid_parameter" in done.stderr and "unconnected_input" in done.stderr
    done = cli(stack, "submit", str(bad), "--experiment", "x")
    assert done.returncode == 2


def test_a_failing_step_fails_the_run_cancels_downstream_and_keeps_its_log(client):
    """A wrong label column that validation cannot check (the columns are unknown until a
    script above has run) fails Train Model with a clear message; other runs go on. Without
    the script, the same label is refused before anything runs."""
    spec = tutorial()
    spec["nodes"][5]["params"]["label_column"] = "prize"
    with pytest.raises(ClientError) as caught:
        client.submit(spec, experiment=experiment())
    assert [(i["code"], i["node"]) for i in caught.value.issues] == [("unknown_column", "train")]
    spec["nodes"].append(
        {"id": "script", "component": "execute_python_script", "version": 1, "params": {}}
    )
    spec["edges"] = [e for e in spec["edges"] if e["target"] != "split.dataset"] + [
        {"source": "clean.cleaned_dataset", "target": "script.dataset1"},
        {"source": "script.result_dataset", "target": "split.dataset"},
    ]
    failing = client.submit(spec, experiment=experiment(), force_rerun=True)
    healthy = client.submit(tutorial(), experiment=experiment(), force_rerun=True)
    failed = client.wait(failing.id)
    assert failed.run.status.value == "failed"
    steps = {s.node_id: s for s in failed.steps}
    assert steps["train"].status.value == "failed"
    assert "prize" in steps["train"].error and "Price" in steps["train"].error
    assert steps["score"].status.value == "canceled"
    assert steps["evaluate"].status.value == "canceled"
    assert steps["split"].status.value == "completed"
    assert "prize" in failed.run.error
    log = client.step_log(failing.id, "train")
    assert "Traceback" in log and "prize" in log
    assert client.wait(healthy.id).run.status.value == "completed"


def test_clone_gives_a_draft_with_the_exact_spec(client):
    """Cloning a run creates a draft whose spec is the run's snapshot (datasets pinned)."""
    run = client.wait(client.submit(tutorial(), experiment=experiment()).id).run
    draft = client.clone(run.id)
    assert draft.spec == run.spec
    assert draft.source_run_id == run.id
    assert draft.spec["nodes"][0]["dataset_version"] == 1


def test_errors_for_unknown_things_and_tokens(stack, client):
    """Unknown run or dataset is a 404; a missing or wrong token is a 401."""
    import httpx

    with pytest.raises(ClientError) as caught:
        client.run("run_doesnotexist")
    assert caught.value.status == 404
    with pytest.raises(ClientError) as caught:
        client.dataset_versions("no-such-dataset")
    assert caught.value.status == 404
    assert httpx.get(f"{stack.api_url}/runs").status_code == 401
    wrong = httpx.get(f"{stack.api_url}/runs", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert httpx.get(f"{stack.api_url}/health").status_code == 200


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("latin.csv", "name,town\nJosé,Málaga\n".encode("latin-1"), "UTF-8"),
        ("ragged.csv", b"a,b\n1,2\n3,4,5,6\n", "Line 3 has 4 values"),
        ("table.xlsx", b"PK\x03\x04", r"reads \.csv, \.tsv, \.txt and \.parquet"),
        ("broken.parquet", b"PAR1 not really", "Parquet"),
    ],
)
def test_bad_uploads_are_refused_and_store_nothing(client, filename, data, message):
    """A malformed upload gets a 400 that says what is wrong; no dataset is created."""
    before = [d.name for d in client.datasets()]
    with pytest.raises(ClientError, match=message) as caught:
        client.upload_dataset("bad-upload", filename, data)
    assert caught.value.status == 400
    assert [d.name for d in client.datasets()] == before


def test_upload_creates_immutable_versions_usable_in_a_run(client):
    """Each upload is a new version; a pipeline can use it."""
    name = f"cars-{uuid.uuid4().hex[:6]}"
    csv = b"size,colour,price\n1,red,10\n2,blue,20\n3,red,30\n4,blue,40\n5,red,50\n6,blue,60\n"
    first = client.upload_dataset(name, "cars.csv", csv)
    second = client.upload_dataset(name, "cars.csv", csv + b"7,red,70\n")
    assert (first.version, second.version) == (1, 2)
    assert (first.row_count, second.row_count) == (6, 7)
    assert [c["type"] for c in first.columns] == ["Integer", "String", "Integer"]
    preview = client.preview_dataset(name, 1)
    assert preview["rows"][0] == {"size": 1, "colour": "red", "price": 10}
    spec = {
        "name": "tiny",
        "nodes": [
            {"id": "data", "dataset": name, "dataset_version": 1},
            {
                "id": "pick",
                "component": "select_columns_in_dataset",
                "params": {"columns": {"names": ["price", "size"]}},
            },
        ],
        "edges": [{"source": "data.dataset", "target": "pick.dataset"}],
    }
    detail = client.wait(client.submit(spec, experiment=experiment()).id)
    assert detail.run.status.value == "completed"
    out = client.output_preview(detail.run.id, "pick", "results_dataset")
    # Select Columns keeps the table's order (the designer's rule), not the order named.
    assert [c["name"] for c in out["columns"]] == ["size", "price"]
    assert out["row_count"] == 6


def test_cancel_stops_a_run_whose_steps_wait(client):
    """Steps queued on a target no worker serves are canceled with the run."""
    client.put_compute_target("idle", queue=f"idle-{uuid.uuid4().hex[:6]}")
    spec = tutorial()
    spec["settings"] = {"default_compute": "idle"}
    run = client.submit(spec, experiment=experiment(), force_rerun=True)
    canceled = client.cancel(run.id)
    assert canceled.status.value == "canceled"
    steps = client.run(run.id).steps
    assert {s.status.value for s in steps} == {"canceled"}


def test_get_run_with_wait_answers_once_the_run_has_ended(client):
    """A long poll (`GET /runs/{id}?wait=`) answers with the ended run, asked right after the
    submit; a run that cannot end is answered as it is once the wait is over."""
    run = client.submit(tutorial(), experiment=experiment(), force_rerun=True)
    detail = client.run(run.id, wait=10)
    assert detail.run.status.value == "completed"
    assert {s.status.value for s in detail.steps} == {"completed"}

    client.put_compute_target("unserved", queue=f"unserved-{uuid.uuid4().hex[:6]}")
    spec = tutorial()
    spec["settings"] = {"default_compute": "unserved"}
    waiting = client.submit(spec, experiment=experiment(), force_rerun=True)
    assert client.run(waiting.id, wait=0.3).run.status.value == "running"
    assert client.cancel(waiting.id).status.value == "canceled"


def test_step_timeout_fails_the_step(stack, client):
    """A step that runs past its node's timeout is stopped and the run fails; the step keeps
    how long it ran, which the CLI shows."""
    spec = tutorial()
    learner = spec["nodes"][4]
    learner.update(
        component="boosted_decision_tree_regression",
        params={"num_trees": 200000, "min_leaf_instances": 1},
        timeout=None,
    )
    spec["nodes"][5]["timeout"] = 2  # train
    detail = client.wait(
        client.submit(spec, experiment=experiment(), force_rerun=True).id, timeout=120
    )
    train = next(s for s in detail.steps if s.node_id == "train")
    assert train.status.value == "failed"
    assert "timeout" in train.error
    # About the timeout: RQ's alarm starts a little before the step's own clock does.
    assert 1.5 < train.duration_s < 60
    assert detail.run.status.value == "failed"
    shown = cli(stack, "runs", detail.run.id)
    assert f"failed after {took(train.duration_s)}: The step ran longer" in shown.stdout


def test_experiments_list_counts_runs(client):
    """An experiment lists its number of runs and the last status."""
    name = experiment()
    client.wait(client.submit(tutorial(), experiment=name).id)
    client.wait(client.submit(tutorial(), experiment=name).id)
    found = next(e for e in client.experiments() if e.name == name)
    assert found.run_count == 2
    assert found.last_status.value == "completed"


def test_components_and_datasets_listed_by_the_cli(stack):
    """`flowbench components` and `flowbench datasets` show the catalogue and the samples."""
    done = cli(stack, "components", "--json")
    assert done.returncode == 0
    ids = {c["id"] for c in json.loads(done.stdout)}
    assert {"split_data", "train_model", "evaluate_model"} <= ids
    done = cli(stack, "datasets")
    assert "automobile-price" in done.stdout and "breast-cancer" in done.stdout


def test_examples_run_to_completion(client):
    """Every shipped example pipeline runs."""
    for path in sorted(Path(ROOT / "examples").glob("*.json")):
        detail = client.wait(
            client.submit(json.loads(path.read_text()), experiment=experiment()).id, timeout=300
        )
        assert detail.run.status.value == "completed", (path.name, detail.run.error)
