"""The Pipeline endpoints page under AppTest against the session's real control plane: versions,
Submit form built from the parameters, the curl sample pasted into a shell, schedules; and the
typed Rerun form of the run page."""

from __future__ import annotations

import json
import re
import subprocess
import uuid

from app.ui import state
from tests.app.ui.conftest import TUTORIAL


def tutorial_with_parameters() -> dict:
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


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_page_lists_versions_submits_with_values_and_the_curl_works(app, client, stack):
    name = f"ui-{uuid.uuid4().hex[:6]}"
    client.publish(name, spec=tutorial_with_parameters())
    client.publish(name, spec=tutorial_with_parameters(), description="second")
    at = app("pipeline_endpoints")
    at.selectbox(key="pipelines.endpoint").set_value(name).run()
    assert not at.exception, at.exception
    versions = next(f.value for f in at.dataframe if "state" in f.value.columns)
    assert list(versions["version"]) == [1, 2]
    assert list(versions["default"]) == ["✔", ""]
    assert set(versions["state"]) == {"enabled"}

    # Version 2 becomes the default; then version 1 is disabled.
    at.selectbox(key="pipelines.version").set_value(2).run()
    button(at, "Set as default").click().run()
    assert client.pipeline(name)["default_version"] == 2
    at.selectbox(key="pipelines.version").set_value(1).run()
    button(at, "Disable").click().run()
    assert [v["enabled"] for v in client.pipeline(name)["versions"]] == [False, True]

    # The Submit form has one input per parameter, typed.
    fraction = next(n for n in at.number_input if n.label == "fraction (float)")
    fraction.set_value(0.8)
    next(t for t in at.text_input if t.label == "Experiment" and t.value == name).set_value(
        "from-the-page"
    )
    button(at, "Submit").click().run()
    assert not at.exception, at.exception
    assert any("Submitted run" in s.value for s in at.success), [e.value for e in at.error]
    run = client.pipeline_runs(name)[0]["run"]
    assert run["parameters"]["fraction"] == 0.8
    assert run["parameters"]["input"]["name"] == "automobile-price"
    assert run["experiment"] == "from-the-page"

    # Regenerate the key: the curl sample now carries it and works when pasted into a shell.
    button(at, "Regenerate key").click().run()
    curl = next(c.value for c in at.code if c.value.startswith("export FLOWBENCH_KEY"))
    assert "<the endpoint key>" not in curl
    done = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=60)
    answer = json.loads(done.stdout)
    assert answer["Endpoint"] == name and answer["Version"] == 2, done.stdout + done.stderr
    assert client.run_origin(answer["RunId"])["endpoint"] == name
    python = next(c.value for c in at.code if "import httpx" in c.value)
    assert f"{stack.api_url}/pipelines/{name}/runs" in python

    # Schedules: add one from the form, see it with its runs, pause, delete.
    next(n for n in at.number_input if n.label == "Every (seconds)").set_value(3600)
    button(at, "Add schedule").click().run()
    assert not at.exception, at.exception
    schedules = client.schedules(name)
    assert len(schedules) == 1 and schedules[0]["interval_s"] == 3600
    assert any(schedules[0]["id"] in m.value for m in at.markdown)
    button(at, "Pause").click().run()
    assert client.schedules(name)[0]["paused"] is True
    button(at, "Delete").click().run()
    assert client.schedules(name) == []
    runs = next(f.value for f in at.dataframe if "started by" in f.value.columns)
    assert set(runs["run"]) == {r["run"]["id"] for r in client.pipeline_runs(name)}


def test_run_page_reruns_with_typed_values(app, client):
    """Rerun on the run page shows one typed input per parameter and submits the new values."""
    run = client.submit(
        tutorial_with_parameters(), experiment="ui-rerun", parameters={"fraction": 0.6}
    )
    client.wait(run.id, timeout=300)
    at = app("run", **{state.RUN_ID: run.id})
    fraction = next(n for n in at.number_input if n.label == "fraction (float)")
    assert fraction.value == 0.6
    fraction.set_value(0.75)
    button(at, "Submit again").click().run()
    assert not at.exception, at.exception
    newest = client.runs(experiment="ui-rerun", limit=1).runs[0]
    assert newest.id != run.id
    assert newest.parameters["fraction"] == 0.75
    assert newest.parameters["input"]["name"] == "automobile-price"


def test_publish_from_a_finished_run_keeps_its_values_as_defaults(app, client):
    run = client.submit(
        tutorial_with_parameters(), experiment="ui-publish", parameters={"fraction": 0.65}
    )
    client.wait(run.id, timeout=300)
    at = app("run", **{state.RUN_ID: run.id})
    name = f"from-run-{uuid.uuid4().hex[:6]}"
    at.text_input(key="run.publish.name").set_value(name)
    button(at, "Publish").click().run()
    assert not at.exception, at.exception
    assert any(re.search(rf"Published {name} version 1", s.value) for s in at.success)
    version = client.pipeline(name)["versions"][0]
    assert version["source_kind"] == "run" and version["source_id"] == run.id
    assert version["parameters"][0]["default"] == 0.65


def test_run_page_registers_an_output_table_and_runs_page_filters_by_source(app, client):
    name = f"src-{uuid.uuid4().hex[:6]}"
    client.publish(name, spec=tutorial_with_parameters())
    answer = client.submit_pipeline(name, experiment="ui-source", parameters={"fraction": 0.7})
    client.wait(answer["RunId"], timeout=300)
    at = app("run", **{state.RUN_ID: answer["RunId"], state.RUN_STEP: "score"})
    assert not at.exception, at.exception
    assert any(f"pipeline endpoint **{name}** v1" in c.value for c in at.caption)
    dataset = f"scored-{uuid.uuid4().hex[:6]}"
    at.text_input(key="register_output.name.score.scored_dataset").set_value(dataset)
    button(at, "Register").click().run()
    assert not at.exception, at.exception
    assert any(f"Registered {dataset} version 1" in s.value for s in at.success)
    lineage = client.dataset_lineage(dataset, 1)
    assert (lineage["run_id"], lineage["node_id"]) == (answer["RunId"], "score")

    at = app("runs")
    at.selectbox(key="runs.source").set_value("endpoint").run()
    assert not at.exception, at.exception
    table = next(f.value for f in at.dataframe if "source" in f.value.columns)
    assert set(table["source"]) == {"endpoint"} and answer["RunId"] in set(table["id"])
