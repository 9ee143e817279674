"""The endpoint pages under AppTest and in a real browser, against the session's control plane
with a real local endpoint deployed from the tutorial run."""

from __future__ import annotations

import time

import pytest

from app.ui import state
from tests.app.ui.test_browser import ARTIFACTS, browser, log_in, ui_url  # noqa: F401 (fixtures)
from tests.app.ui.test_ui_pages import texts


@pytest.fixture(scope="module")
def endpoint(stack, finished_run):
    """Endpoint 'ui-cars', deployed from the tutorial run, healthy."""
    client = stack.client()
    client.deploy_endpoint("ui-cars", finished_run.run.id, description="from the UI tests")
    deployed = client.wait_endpoint("ui-cars", timeout=300)
    assert deployed.status.value == "healthy", deployed.error
    yield deployed
    client.delete_endpoint("ui-cars")


def test_run_page_makes_the_real_time_inference_draft(app, finished_run):
    at = app("run", **{state.RUN_ID: finished_run.run.id})
    labels = [b.label for b in at.button]
    assert "Create real-time inference pipeline" in labels
    assert "Create batch inference pipeline" in labels and "Deploy" in labels
    at.button(key="run.inference.realtime").click().run()
    assert not at.exception, at.exception
    draft = at.session_state[state.DRAFT]
    assert "real-time inference" in draft["name"]
    assert "web_service_input" in {n.get("component") for n in draft["spec"]["nodes"]}
    assert draft["source_run_id"] == finished_run.run.id


def test_endpoint_page_shows_urls_keys_code_and_logs(app, stack, endpoint):
    at = app("endpoints", **{state.ENDPOINT: "ui-cars"})
    assert not at.exception, at.exception
    labels = [t.label for t in at.tabs]
    assert {"Details", "Test", "Consume", "Deployment logs", "Python", "curl"} <= set(labels)
    code = "\n".join(c.value for c in at.code)
    assert endpoint.url in code and endpoint.swagger_url in code
    keys = stack.client().endpoint_keys("ui-cars")
    assert keys["primary"] in code and keys["secondary"] in code
    assert f"curl -sS -X POST {endpoint.url}" in code
    assert "Healthy" in code  # the deployment log
    assert "healthy" in texts(at)


def test_test_tab_scores_the_form_row(app, endpoint):
    at = app("endpoints", **{state.ENDPOINT: "ui-cars"})
    at.button(key="FormSubmitter:endpoints.form.ui-cars-Test").click().run()
    assert not at.exception, at.exception
    assert "HTTP 200" in texts(at)
    answer = at.json[-1].value
    assert "Scored Labels" in answer


def test_regenerating_the_secondary_key_keeps_the_primary(app, stack, endpoint):
    before = stack.client().endpoint_keys("ui-cars")
    at = app("endpoints", **{state.ENDPOINT: "ui-cars"})
    at.button(key="endpoints.regen.secondary").click().run()
    assert not at.exception, at.exception
    after = stack.client().endpoint_keys("ui-cars")
    assert after["primary"] == before["primary"] and after["secondary"] != before["secondary"]
    assert after["secondary"] in "\n".join(c.value for c in at.code)


def test_models_page_shows_metrics_and_offers_deploy(app, finished_run):
    at = app("models")
    assert not at.exception, at.exception
    frame = at.dataframe[0].value
    assert "Mean_Absolute_Error" in frame.columns or any("Absolute" in c for c in frame.columns)
    assert any("Deploy a model version" in e.label for e in at.expander)


def test_endpoint_page_in_the_browser(ui_url, browser, endpoint, stack):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.set_default_timeout(60_000)
    page.goto(f"{ui_url}/endpoints?endpoint=ui-cars")
    log_in(page, stack.token)
    page.get_by_text("REST endpoint").wait_for()
    # the URL shows in the endpoints table too; the details show it as code
    page.get_by_test_id("stCode").filter(has_text=endpoint.url).first.wait_for()
    time.sleep(1.0)
    page.screenshot(path=str(ARTIFACTS / "endpoint-details.png"), full_page=True)
    page.get_by_role("tab", name="Consume").click()
    page.get_by_text("Primary key").wait_for()
    time.sleep(1.0)
    page.screenshot(path=str(ARTIFACTS / "endpoint-consume.png"), full_page=True)
    assert stack.client().endpoint_keys("ui-cars")["primary"] in page.inner_text("body")
    page.get_by_role("tab", name="curl").click()
    page.get_by_text("curl -sS -X POST").first.wait_for()
    time.sleep(0.5)
    page.screenshot(path=str(ARTIFACTS / "endpoint-consume-curl.png"), full_page=True)


def test_deploy_form_deploys_the_run_chosen_on_the_run_page(app, stack, finished_run):
    at = app("run", **{state.RUN_ID: finished_run.run.id})
    at.button(key="run.deploy").click().run()
    assert at.session_state[state.DEPLOY_RUN] == finished_run.run.id
    at = app("endpoints", **{state.DEPLOY_RUN: finished_run.run.id})
    assert at.selectbox(key="deploy.run").value == finished_run.run.id
    at.radio(key="deploy.target").set_value("kubernetes").run()
    assert at.text_input(key="deploy.namespace").value == "default"
    at.radio(key="deploy.target").set_value("local").run()
    at.text_input(key="deploy.name").set_value("Bad Name")
    at.button(key="FormSubmitter:deploy.form-Deploy").click().run()
    assert any("Endpoint name" in e.value for e in at.error)
    at.text_input(key="deploy.name").set_value("ui-form")
    at.button(key="FormSubmitter:deploy.form-Deploy").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    client = stack.client()
    try:
        deployed = client.wait_endpoint("ui-form", timeout=300)
        assert deployed.status.value == "healthy", deployed.error
        assert deployed.training_run_id == finished_run.run.id
        assert deployed.resources["cpu_request"] == "100m"
    finally:
        client.delete_endpoint("ui-form")


def test_update_form_rolls_the_endpoint_to_another_run(app, stack, endpoint):
    import json

    from tests.app.ui.conftest import TUTORIAL

    client = stack.client()
    other = json.loads(TUTORIAL.read_text())
    next(n for n in other["nodes"] if n["id"] == "split")["params"]["fraction"] = 0.6
    retrained = client.wait(client.submit(other, experiment="ui-update").id, timeout=300)
    assert retrained.run.status.value == "completed", retrained.run.error
    keys = client.endpoint_keys("ui-cars")

    at = app("endpoints", **{state.ENDPOINT: "ui-cars"})
    picker = at.selectbox(key="update.ui-cars.run")
    assert any(retrained.run.id in option for option in picker.options)
    current = client.endpoint("ui-cars")
    assert not any(current.training_run_id in option for option in picker.options)
    picker.set_value(retrained.run.id)
    at.button(key="FormSubmitter:update.ui-cars.form-Update").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    updated = client.wait_endpoint("ui-cars", timeout=300)
    assert updated.status.value == "healthy", updated.error
    assert updated.training_run_id == retrained.run.id
    assert updated.url == current.url and client.endpoint_keys("ui-cars") == keys
