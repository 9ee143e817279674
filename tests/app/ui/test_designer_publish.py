"""The issue's first story under AppTest: in the Designer, make the tutorial's split fraction
and its dataset pipeline parameters, publish the draft as a pipeline endpoint, then call it with
the designer's REST body."""

from __future__ import annotations

import uuid

import httpx

from app.ui import state
from app.ui.widgets.publish import KEYS
from tests.app.ui.test_designer_forms import button, field


def test_parameters_from_the_panes_then_publish_and_call(app, client, stack):
    at = app("designer")
    at.selectbox(key="start.sample").set_value("automobile_price")
    at.button(key="start.open_sample").click().run()
    at.selectbox(key=state.NODE_SELECT).set_value("split").run()
    at.selectbox(key=field(at, "split", "promote")).set_value("fraction")
    at.button(key=field(at, "split", "promote.add")).click().run()
    assert not at.exception, at.exception
    # The attached field is read-only in the pane.
    shown = at.text_input(key=field(at, "split", "fraction.ref"))
    assert shown.disabled and "fraction" in shown.value
    at.selectbox(key=state.NODE_SELECT).set_value("cars").run()
    at.button(key=field(at, "cars", "bind")).click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key=field(at, "cars", "version")).disabled
    spec = client.get_draft(at.session_state[state.DRAFT_ID]).spec
    assert [(p["name"], p["type"]) for p in spec["parameters"]] == [
        ("fraction", "float"),
        ("input", "dataset"),
    ]

    name = f"car-price-training-{uuid.uuid4().hex[:6]}"
    at.text_input(key="designer.publish.name").set_value(name)
    button(at, "Publish").click().run()
    assert not at.exception, at.exception
    assert any(f"Published {name} version 1" in s.value for s in at.success)
    endpoint = client.pipeline(name)
    assert endpoint["default_version"] == 1
    assert endpoint["versions"][0]["source_kind"] == "draft"
    key = at.session_state[KEYS][name]
    answer = httpx.post(
        endpoint["rest_url"],
        headers={"Authorization": f"Bearer {key}"},
        json={
            "ExperimentName": "retrain",
            "ParameterAssignments": {"fraction": 0.8},
            "DataSetDefinitionValueAssignments": {
                "input": {"name": "automobile-price", "version": 1}
            },
        },
        timeout=60,
    )
    assert answer.status_code == 201, answer.text
    detail = client.wait(answer.json()["RunId"], timeout=300)
    assert detail.run.status.value == "completed"
    assert detail.run.parameters == {
        "fraction": 0.8,
        "input": {"name": "automobile-price", "version": 1},
    }
