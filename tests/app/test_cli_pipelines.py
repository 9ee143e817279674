"""`flowbench pipelines ...` and `flowbench datasets --register-output/--download` against the
session's real control plane and workers."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pandas as pd

from tests.conftest import ROOT

TUTORIAL = ROOT / "examples" / "automobile_price.json"


def cli(stack, *args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=stack.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_publish_submit_schedule_and_register_from_the_command_line(stack, client, tmp_path):
    spec = json.loads(TUTORIAL.read_text())
    spec["parameters"] = [
        {"name": "fraction", "type": "float", "default": 0.7},
        {
            "name": "input",
            "type": "dataset",
            "default": {"name": "automobile-price", "version": None},
        },
    ]
    spec["nodes"][3]["params"]["fraction"] = {"$param": "fraction"}
    spec["nodes"][0]["dataset_param"] = "input"
    path = tmp_path / "tutorial.json"
    path.write_text(json.dumps(spec))
    name = f"cli-{uuid.uuid4().hex[:6]}"

    published = cli(stack, "pipelines", "publish", name, str(path), "--description", "cli")
    assert published.returncode == 0, published.stderr
    assert f"Published {name} version 1" in published.stdout
    assert "fbp_" in published.stdout  # the key, shown once
    listed = cli(stack, "pipelines", "list")
    assert name in listed.stdout and "fraction: float" in listed.stdout

    submitted = cli(
        stack,
        "pipelines",
        "submit",
        name,
        "--param",
        "fraction=0.75",
        "--dataset",
        "input=automobile-price:1",
        "--experiment",
        "cli-pipes",
        "--wait",
        "--json",
    )
    assert submitted.returncode == 0, submitted.stderr
    answer = json.loads(submitted.stdout)
    assert answer["Status"] == "completed"
    run = client.run(answer["RunId"]).run
    assert run.parameters == {"fraction": 0.75, "input": {"name": "automobile-price", "version": 1}}
    runs = cli(stack, "runs", "--source", "endpoint", "--limit", "100")
    assert answer["RunId"] in runs.stdout and "endpoint" in runs.stdout
    assert answer["RunId"] in cli(stack, "pipelines", "runs", name).stdout

    bad = cli(stack, "pipelines", "submit", name, "--param", "fraction=2")
    assert bad.returncode == 2 and "fraction" in bad.stderr
    missing = cli(stack, "pipelines", "submit", "no-such-endpoint")
    assert missing.returncode == 2 and "no-such-endpoint" in missing.stderr
    cron = cli(stack, "pipelines", "schedule", "add", name, "--cron", "not a cron")
    assert cron.returncode == 2 and "not a cron" in cron.stderr

    added = cli(
        stack,
        "pipelines",
        "schedule",
        "add",
        name,
        "--cron",
        "0 6 * * 1-5",
        "--param",
        "fraction=0.6",
        "--json",
    )
    assert added.returncode == 0, added.stderr
    schedule = json.loads(added.stdout)
    assert schedule["cron"] == "0 6 * * 1-5" and schedule["parameters"]["fraction"] == 0.6
    assert schedule["id"] in cli(stack, "pipelines", "schedule", "list", name).stdout
    paused = cli(stack, "pipelines", "schedule", "pause", schedule["id"], "--json")
    assert json.loads(paused.stdout)["paused"] is True
    resumed = cli(stack, "pipelines", "schedule", "resume", schedule["id"], "--json")
    assert json.loads(resumed.stdout)["paused"] is False
    assert cli(stack, "pipelines", "schedule", "delete", schedule["id"]).returncode == 0
    assert client.schedules(name) == []

    dataset = f"cli-scored-{uuid.uuid4().hex[:6]}"
    registered = cli(
        stack, "datasets", "--register-output", answer["RunId"], "score", "scored_dataset", dataset
    )
    assert registered.returncode == 0, registered.stderr
    assert f"Registered {dataset} version 1" in registered.stdout
    saved = tmp_path / "scored.parquet"
    downloaded = cli(
        stack, "datasets", "--download", answer["RunId"], "score", "scored_dataset", str(saved)
    )
    assert downloaded.returncode == 0, downloaded.stderr
    table = pd.read_parquet(saved)
    preview = client.preview_dataset(dataset, 1, limit=10_000)
    assert len(table) == preview["row_count"]
    assert list(table["Scored Labels"]) == [r["Scored Labels"] for r in preview["rows"]]
