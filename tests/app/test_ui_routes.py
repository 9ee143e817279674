"""The control-plane routes the UI needs: templates, models, profiles, compute status, run views."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.client import ClientError

TUTORIAL = Path(__file__).parents[2] / "examples" / "automobile_price.json"
CANCER = Path(__file__).parents[2] / "examples" / "breast_cancer.json"


@pytest.fixture(scope="module")
def tutorial_run(stack):
    """A completed run of the regression tutorial."""
    client = stack.client()
    try:
        run = client.submit(json.loads(TUTORIAL.read_text()), experiment="routes")
        return client.wait(run.id, timeout=180)
    finally:
        client.close()


def test_templates_list_the_examples(client):
    """Every examples/*.json is a template, and a draft made from one holds its spec."""
    templates = {t["id"]: t for t in client.templates()}
    assert {"automobile_price", "breast_cancer"} <= set(templates)
    draft = client.draft_from_template("automobile_price")
    assert draft.spec == json.loads(TUTORIAL.read_text())
    assert draft.name == draft.spec["name"]


def test_unknown_template_is_404(client):
    """Asking for a template that does not exist names the known ones."""
    with pytest.raises(ClientError, match="known: .*automobile_price") as caught:
        client.draft_from_template("nope")
    assert caught.value.status == 404


def test_model_registered_from_train_model_step(client, tutorial_run):
    """A Train Model step's output registers as version 1, then 2, with its run."""
    first = client.register_model("price", tutorial_run.run.id, "train", "tutorial")
    second = client.register_model("price", tutorial_run.run.id, "train")
    assert (first.version, second.version) == (1, 2)
    listed = [m for m in client.models() if m.name == "price"]
    assert [m.run_id for m in listed] == [tutorial_run.run.id] * 2


def test_model_from_a_step_without_trained_model_is_refused(client, tutorial_run):
    """Registering a step that has no trained_model output is a 400 naming the port."""
    with pytest.raises(ClientError, match="no 'trained_model' output") as caught:
        client.register_model("price", tutorial_run.run.id, "split")
    assert (caught.value.status, caught.value.code) == (400, "invalid")


def test_preview_of_a_model_output_is_refused(client, tutorial_run):
    """Only table outputs have a preview; a trained model is a 400 that says so."""
    with pytest.raises(ClientError, match="not a table") as caught:
        client.output_preview(tutorial_run.run.id, "train", "trained_model")
    assert (caught.value.status, caught.value.code) == (400, "invalid")


def test_profile_has_summarize_statistics_and_charts(client):
    """The profile has a Summarize Data row and a chart per column."""
    version = client.dataset_versions("automobile-price")[-1]
    profile = client.dataset_profile("automobile-price", version.version)
    rows = {r["Feature"]: r for r in profile["summary"]}
    assert rows["Price"]["Min"] <= rows["Price"]["Median"] <= rows["Price"]["Max"]
    assert rows["Price"]["Count"] + rows["Price"]["Missing Value Count"] == profile["row_count"]
    assert rows["Manufacturer"]["Mean"] is None  # text: counts only
    assert profile["charts"]["Price"]["kind"] == "histogram"
    assert profile["charts"]["Manufacturer"]["kind"] == "bar"


def test_compute_status_lists_workers_of_default_queue(client):
    """The default target's queue shows the session's workers."""
    status = {t["name"]: t for t in client.compute_status()}
    workers = {w["name"] for w in status["default"]["workers"]}
    assert {"worker-1", "worker-2"} <= workers
    assert status["default"]["is_default"] is True


def test_run_summaries_have_duration_and_metrics(client, tutorial_run):
    """A completed run's summary carries its duration and Evaluate Model's metrics."""
    page = client.run_summaries(experiment="routes")
    summary = next(r for r in page["runs"] if r["id"] == tutorial_run.run.id)
    assert summary["duration_s"] is not None and summary["duration_s"] >= 0
    assert "Mean_Absolute_Error" in summary["metrics"]


def test_regression_evaluation_points(client, tutorial_run):
    """A regression Evaluate Model step gives actual/predicted/residual points."""
    charts = client.evaluation(tutorial_run.run.id, "evaluate")
    assert charts["task"] == "regression"
    point = charts["points"][0]
    assert point["residual"] == pytest.approx(point["actual"] - point["predicted"])


def test_binary_evaluation_curves(client):
    """A binary Evaluate Model step gives ROC and precision-recall curves and a 2x2 matrix."""
    run = client.submit(json.loads(CANCER.read_text()), experiment="routes")
    client.wait(run.id, timeout=180)
    charts = client.evaluation(run.id, "evaluate")
    assert charts["task"] == "binary"
    assert charts["roc"][0] == {"fpr": 0.0, "tpr": 0.0} and charts["roc"][-1]["tpr"] == 1.0
    assert len(charts["confusion_matrix"]) == 2 and charts["precision_recall"]


def test_evaluation_of_other_step_is_refused(client, tutorial_run):
    """Only Evaluate Model steps have evaluation charts."""
    with pytest.raises(ClientError, match="not Evaluate Model") as caught:
        client.evaluation(tutorial_run.run.id, "split")
    assert (caught.value.status, caught.value.code) == (400, "invalid")
