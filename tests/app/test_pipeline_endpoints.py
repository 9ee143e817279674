"""Published pipelines end to end: real control plane, real Redis, real worker processes.

Publish the tutorial with its split fraction and dataset as parameters, call it over HTTP with
the designer's body (endpoint key and workspace token), batch-score a new dataset and register
the scored table, and every kind of bad input (a 4xx naming it, nothing queued).
"""

from __future__ import annotations

import copy
import io
import json
import uuid

import httpx
import pandas as pd
import pytest
from redis import Redis

from tests.conftest import ROOT

TUTORIAL = ROOT / "examples" / "automobile_price.json"
DROPPED = ["Min.Price", "Max.Price", "Make", "Model"]  # the tutorial's Select Columns


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def parameterized_tutorial() -> dict:
    """The tutorial with `fraction` on Split Data and its dataset as the `input` parameter."""
    spec = json.loads(TUTORIAL.read_text())
    spec["parameters"] = [
        {"name": "fraction", "type": "float", "default": 0.7},
        {
            "name": "input",
            "type": "dataset",
            "default": {"name": "automobile-price", "version": None},
        },
    ]
    for node in spec["nodes"]:
        if node["id"] == "split":
            node["params"]["fraction"] = {"$param": "fraction"}
        if node["id"] == "cars":
            node["dataset_param"] = "input"
    return spec


@pytest.fixture(scope="module")
def cars(client) -> pd.DataFrame:
    preview = client.preview_dataset("automobile-price", 1, limit=10_000)
    return pd.DataFrame(preview["rows"], columns=[c["name"] for c in preview["columns"]])


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def client(stack):
    with_client = stack.client()
    yield with_client
    with_client.close()


@pytest.fixture(scope="module")
def published(client):
    """The parameterized tutorial published as a new endpoint: (name, key)."""
    name = unique("car-price-training")
    answer = client.publish(name, spec=parameterized_tutorial(), description="tutorial")
    assert answer["version"] == 1 and answer["key"].startswith("fbp_")
    return name, answer["key"]


def post(stack, path: str, body: dict, key: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    return httpx.post(f"{stack.api_url}{path}", json=body, headers=headers, timeout=60)


def clean_rows(frame: pd.DataFrame) -> int:
    """Rows left after the tutorial's Select Columns and Clean Missing Data (remove rows)."""
    return len(frame.drop(columns=DROPPED).dropna())


def test_publish_then_submit_twice_over_http_with_other_values(stack, client, published, cars):
    name, key = published
    endpoint = client.pipeline(name)
    assert endpoint["default_version"] == 1
    assert [p["name"] for p in endpoint["versions"][0]["parameters"]] == ["fraction", "input"]
    # A new dataset whose version 2 holds fewer rows than version 1.
    dataset = unique("my-cars")
    client.upload_dataset(dataset, "cars.csv", csv_bytes(cars))
    smaller = cars.iloc[: len(cars) * 2 // 3]
    assert client.upload_dataset(dataset, "cars.csv", csv_bytes(smaller)).version == 2

    first = post(
        stack,
        f"/pipelines/{name}/runs",
        {
            "ExperimentName": "retrain",
            "ParameterAssignments": {"fraction": 0.8},
            "DataSetDefinitionValueAssignments": {"input": {"name": dataset, "version": 2}},
            "Description": "new cars",
            "Tags": {"team": "pricing"},
        },
        key,
    )
    assert first.status_code == 201, first.text
    second = post(
        stack,
        f"/pipelines/{name}/versions/1/runs",
        {"ExperimentName": "retrain", "ParameterAssignments": {"fraction": 0.6}},
        stack.token,
    )
    assert second.status_code == 201, second.text
    for answer in (first.json(), second.json()):
        assert answer["Url"] == f"{stack.api_url}/runs/{answer['RunId']}"
        assert answer["Endpoint"] == name and answer["Version"] == 1
        assert (
            httpx.get(answer["Url"], headers={"Authorization": f"Bearer {stack.token}"}).status_code
            == 200
        )

    version_id = endpoint["versions"][0]["id"]
    expected = {
        first.json()["RunId"]: (0.8, {"name": dataset, "version": 2}, smaller),
        second.json()["RunId"]: (0.6, {"name": "automobile-price", "version": 1}, cars),
    }
    for run_id, (fraction, data, frame) in expected.items():
        detail = client.wait(run_id, timeout=300)
        assert detail.run.status.value == "completed", detail.run.error
        assert detail.run.parameters == {"fraction": fraction, "input": data}
        assert detail.run.source.value == "endpoint"
        assert detail.run.published_pipeline_id == version_id
        cars_node = next(n for n in detail.run.spec["nodes"] if n["id"] == "cars")
        assert (cars_node["dataset"], cars_node["dataset_version"]) == (
            data["name"],
            data["version"],
        )
        # The split used the fraction sent: round(rows * fraction) training rows, counted here
        # from the uploaded table with pandas.
        train = client.output_preview(run_id, "split", "results_dataset1", limit=1)
        assert train["row_count"] == round(clean_rows(frame) * fraction)
        origin = client.run_origin(run_id)
        assert (origin["endpoint"], origin["version"], origin["schedule_id"]) == (name, 1, None)
    assert client.run_origin(first.json()["RunId"])["tags"] == {"team": "pricing"}

    listed = client.pipeline_runs(name)
    assert {row["run"]["id"] for row in listed} == set(expected)
    by_source = client.runs(source="endpoint", limit=1000).runs
    assert set(expected) <= {r.id for r in by_source}
    assert all(r.source.value == "endpoint" for r in by_source)
    assert not set(expected) & {r.id for r in client.runs(source="cli", limit=1000).runs}


def test_endpoint_key_opens_only_its_own_endpoint(stack, client, published):
    name, key = published
    other = unique("other")
    other_key = client.publish(other, spec=parameterized_tutorial())["key"]
    body = {"ExperimentName": "keys", "ParameterAssignments": {"fraction": 1.5}}
    # 422 (the value is out of range) proves the key got past authentication: nothing runs.
    assert post(stack, f"/pipelines/{name}/runs", body, key).status_code == 422
    assert post(stack, f"/pipelines/{other}/runs", body, key).status_code == 401
    assert post(stack, f"/pipelines/{name}/runs", body, other_key).status_code == 401
    assert post(stack, f"/pipelines/{name}/runs", body, None).status_code == 401
    # The key opens nothing else of the workspace.
    assert (
        httpx.get(f"{stack.api_url}/runs", headers={"Authorization": f"Bearer {key}"}).status_code
        == 401
    )
    # Regenerating replaces it: the old key stops working, the new one works.
    new_key = client.regenerate_pipeline_key(other)
    assert post(stack, f"/pipelines/{other}/runs", body, other_key).status_code == 401
    assert post(stack, f"/pipelines/{other}/runs", body, new_key).status_code == 422


def test_versions_default_and_disable(stack, client, published):
    name, key = published
    spec = parameterized_tutorial()
    spec["parameters"][0]["default"] = 0.5
    answer = client.publish(name, spec=spec)
    assert answer["key"] is None  # the endpoint existed: its key is not shown again
    assert answer["version"] == 2 and answer["endpoint"]["default_version"] == 1
    assert client.set_default_version(name, 2)["default_version"] == 2
    # Version 1 is an immutable snapshot: still its own default.
    versions = {v["version"]: v for v in client.pipeline(name)["versions"]}
    assert versions[1]["parameters"][0]["default"] == 0.7
    assert versions[2]["parameters"][0]["default"] == 0.5
    client.enable_version(name, 2, enabled=False)
    refused = post(stack, f"/pipelines/{name}/runs", {"ExperimentName": "x"}, key)
    assert refused.status_code == 409 and "disabled" in refused.json()["detail"]
    client.enable_version(name, 2, enabled=True)
    client.set_default_version(name, 1)


def _queued_jobs(redis_url: str) -> int:
    redis = Redis.from_url(redis_url)
    # Queues are lists; RQ keeps other bookkeeping under the same prefix (strings, sets).
    return sum(
        redis.llen(key) for key in redis.scan_iter("rq:queue:*") if redis.type(key) == b"list"
    )


@pytest.mark.parametrize(
    ("body", "status", "code", "named"),
    [
        (
            {"ParameterAssignments": {"fractoin": 0.5}},
            422,
            "unknown_pipeline_parameter",
            "fractoin",
        ),
        (
            {"ParameterAssignments": {"fraction": "lots"}},
            422,
            "pipeline_parameter_type",
            "fraction",
        ),
        ({"ParameterAssignments": {"fraction": 1.5}}, 422, "invalid_parameter", "fraction"),
        (
            {"DataSetDefinitionValueAssignments": {"input": {"name": "no-such-data"}}},
            422,
            "unknown_dataset",
            "no-such-data",
        ),
        (
            {
                "DataSetDefinitionValueAssignments": {
                    "input": {"name": "automobile-price", "version": 99}
                }
            },
            422,
            "unknown_dataset",
            "version 99",
        ),
        (
            {"DataSetDefinitionValueAssignments": {"input": {"name": 3}}},
            422,
            "pipeline_parameter_type",
            "input",
        ),
        (
            {"DataSetDefinitionValueAssignments": {"fraction": {"name": "automobile-price"}}},
            422,
            "pipeline_parameter_type",
            "fraction",
        ),
    ],
)
def test_bad_values_are_refused_naming_them_and_nothing_is_queued(
    stack, client, published, redis_url, body, status, code, named
):
    name, key = published
    runs_before, jobs_before = client.runs(limit=1).total, _queued_jobs(redis_url)
    answer = post(stack, f"/pipelines/{name}/runs", {"ExperimentName": "bad", **body}, key)
    assert answer.status_code == status, answer.text
    issues = answer.json()["issues"]
    assert code in {i["code"] for i in issues}
    assert any(named in i["message"] for i in issues), issues
    assert client.runs(limit=1).total == runs_before
    assert _queued_jobs(redis_url) == jobs_before


def test_unknown_endpoint_version_and_bad_schedules_are_refused(
    stack, client, published, redis_url
):
    name, key = published
    runs_before = client.runs(limit=1).total
    missing = post(stack, "/pipelines/no-such-endpoint/runs", {"ExperimentName": "x"}, stack.token)
    assert missing.status_code == 404 and "no-such-endpoint" in missing.json()["detail"]
    version = post(stack, f"/pipelines/{name}/versions/42/runs", {"ExperimentName": "x"}, key)
    assert version.status_code == 404 and "version 42" in version.json()["detail"]
    cron = post(stack, f"/pipelines/{name}/schedules", {"cron": "every monday"}, stack.token)
    assert cron.status_code == 400 and "every monday" in cron.json()["detail"]
    both = post(
        stack,
        f"/pipelines/{name}/schedules",
        {"cron": "* * * * *", "interval_seconds": 5},
        stack.token,
    )
    assert both.status_code == 400
    values = post(
        stack,
        f"/pipelines/{name}/schedules",
        {"interval_seconds": 60, "ParameterAssignments": {"fraction": -1}},
        stack.token,
    )
    assert values.status_code == 422 and "fraction" in values.text
    assert (
        post(
            stack, "/pipelines/validate/versions", {"spec": parameterized_tutorial()}, stack.token
        ).status_code
        == 400
    )
    assert client.schedules(name) == []
    assert client.runs(limit=1).total == runs_before


def test_batch_scoring_of_a_new_dataset_then_register_and_download(stack, client, cars):
    """A batch pipeline scores a new dataset (its parameter) with the model that training
    produced; the scored rows equal the training run's own scores of the same rows."""
    batch = json.loads(TUTORIAL.read_text())
    batch["name"] = "Automobile price batch scoring"
    batch["parameters"] = [
        {"name": "input", "type": "dataset", "default": {"name": "automobile-price", "version": 1}}
    ]
    batch["nodes"] = [n for n in batch["nodes"] if n["id"] != "evaluate"] + [
        {
            "id": "new_cars",
            "dataset": "automobile-price",
            "dataset_version": 1,
            "dataset_param": "input",
        },
        {
            "id": "select_new",
            "component": "select_columns_in_dataset",
            "version": 1,
            "params": copy.deepcopy(batch["nodes"][1]["params"]),
        },
        {"id": "score_new", "component": "score_model", "version": 1, "params": {}},
    ]
    batch["edges"] = [e for e in batch["edges"] if not e["target"].startswith("evaluate.")] + [
        {"source": "new_cars.dataset", "target": "select_new.dataset"},
        {"source": "train.trained_model", "target": "score_new.trained_model"},
        {"source": "select_new.results_dataset", "target": "score_new.dataset"},
    ]
    name = unique("car-price-batch")
    key = client.publish(name, spec=batch)["key"]
    first = post(stack, f"/pipelines/{name}/runs", {"ExperimentName": "batch"}, key).json()
    trained = client.wait(first["RunId"], timeout=300)
    assert trained.run.status.value == "completed", trained.run.error
    test_rows = client.output_preview(first["RunId"], "score", "scored_dataset", limit=10_000)
    scored_by_training = pd.DataFrame(test_rows["rows"])

    # New data: the test rows, without their scores and label, uploaded as a new dataset.
    new = scored_by_training.drop(columns=["Scored Labels", "Price"])
    new = new.assign(**{c: cars.loc[: len(new) - 1, c].to_numpy() for c in DROPPED})
    dataset = unique("cars-to-score")
    client.upload_dataset(dataset, "new.csv", csv_bytes(new))
    answer = post(
        stack,
        f"/pipelines/{name}/runs",
        {
            "ExperimentName": "batch",
            "DataSetDefinitionValueAssignments": {"input": {"name": dataset}},
        },
        key,
    )
    assert answer.status_code == 201, answer.text
    run_id = answer.json()["RunId"]
    detail = client.wait(run_id, timeout=300)
    assert detail.run.status.value == "completed", detail.run.error
    steps = {s.node_id: s for s in detail.steps}
    assert steps["train"].reused  # the model training produced, not a new one

    downloaded = pd.read_csv(
        io.BytesIO(client.download_output(run_id, "score_new", "scored_dataset"))
    )
    assert len(downloaded) == len(new)
    assert downloaded["Scored Labels"].to_numpy() == pytest.approx(
        scored_by_training["Scored Labels"].to_numpy()
    )
    parquet = pd.read_parquet(
        io.BytesIO(client.download_output(run_id, "score_new", "scored_dataset", format="parquet"))
    )
    assert parquet["Scored Labels"].to_numpy() == pytest.approx(
        downloaded["Scored Labels"].to_numpy()
    )

    target = unique("scored-cars")
    registered = client.register_output(run_id, "score_new", "scored_dataset", target)
    assert registered["dataset"]["version"] == 1
    assert registered["dataset"]["source"] == "run"
    assert registered["dataset"]["row_count"] == len(new)
    lineage = client.dataset_lineage(target, 1)
    assert (lineage["run_id"], lineage["node_id"], lineage["port"]) == (
        run_id,
        "score_new",
        "scored_dataset",
    )
    preview = client.preview_dataset(target, 1, limit=10_000)
    assert [r["Scored Labels"] for r in preview["rows"]] == pytest.approx(
        downloaded["Scored Labels"].tolist()
    )
    # A model output is not a table; an unknown port is named.
    with pytest.raises(Exception, match="not a table"):
        client.register_output(run_id, "train", "trained_model", unique("model"))
    with pytest.raises(Exception, match="no output 'nope'"):
        client.register_output(run_id, "score_new", "nope", unique("x"))


def test_batch_inference_pipeline_from_a_finished_training_run(stack, client, cars):
    """The conversion of a training run into a batch inference pipeline (jobs.inference),
    published, called with a new dataset; scores equal the training run's own for those rows."""
    training = client.submit(json.loads(TUTORIAL.read_text()), experiment=unique("train"))
    trained = client.wait(training.id, timeout=300)
    assert trained.run.status.value == "completed", trained.run.error
    draft = client.inference_pipeline(training.id, kind="batch")
    name = unique("car-price-batch-inference")
    published = client.publish(name, draft_id=draft.id)
    key = published["key"]
    version = published["endpoint"]["versions"][0]
    assert version["source_kind"] == "draft" and version["source_id"] == draft.id

    scored_by_training = pd.DataFrame(
        client.output_preview(training.id, "score", "scored_dataset", limit=10_000)["rows"]
    )
    # New data: the rows the training run scored (its test split), without label and scores,
    # with the columns the pipeline's Select Columns drops.
    test_rows = scored_by_training.drop(columns=["Scored Labels", "Price"])
    test_rows = test_rows.assign(
        **{c: cars.loc[: len(test_rows) - 1, c].to_numpy() for c in DROPPED}
    )
    dataset = unique("cars-to-score")
    client.upload_dataset(dataset, "new.csv", csv_bytes(test_rows))
    answer = post(
        stack,
        f"/pipelines/{name}/runs",
        {
            "ExperimentName": "batch-inference",
            "DataSetDefinitionValueAssignments": {"input_dataset": {"name": dataset}},
        },
        key,
    )
    assert answer.status_code == 201, answer.text
    run_id = answer.json()["RunId"]
    detail = client.wait(run_id, timeout=300)
    assert detail.run.status.value == "completed", detail.run.error
    assert detail.run.parameters["input_dataset"] == {"name": dataset, "version": 1}
    scorer = next(s for s in detail.steps if "scored_dataset" in s.outputs)
    scored = pd.read_csv(
        io.BytesIO(client.download_output(run_id, scorer.node_id, "scored_dataset"))
    )
    # The frozen model gives these rows the scores training gave them.
    assert len(scored) == len(test_rows)
    assert scored["Scored Labels"].to_numpy() == pytest.approx(
        scored_by_training["Scored Labels"].to_numpy()
    )
    registered = client.register_output(
        run_id, scorer.node_id, "scored_dataset", unique("scored-by-batch")
    )
    assert registered["dataset"]["row_count"] == len(test_rows)
    assert registered["lineage"]["run_id"] == run_id
