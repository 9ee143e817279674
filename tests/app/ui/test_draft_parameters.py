"""Pipeline parameters in the designer's draft edits (pure functions, no Streamlit)."""

from __future__ import annotations

import json

import pytest

from app.ui import draft_ops as ops
from app.ui.widgets.pipeline_panel import parse_default
from jobs.pipeline import PipelineSpec
from tests.app.ui.conftest import TUTORIAL


def tutorial() -> dict:
    return json.loads(TUTORIAL.read_text())


def test_add_to_pipeline_parameter_keeps_the_value_as_default_and_attaches():
    spec = ops.promote_param(tutorial(), "split", "fraction", "float")
    assert spec["parameters"] == [{"name": "fraction", "type": "float", "default": 0.7}]
    assert ops.node(spec, "split")["params"]["fraction"] == {"$param": "fraction"}
    again = ops.promote_param(spec, "train", "label_column", "column")
    assert again["parameters"][1] == {"name": "label_column", "type": "string", "default": "Price"}
    with pytest.raises(ops.DraftEditError, match="already attached"):
        ops.promote_param(spec, "split", "fraction", "float")
    # A second Split attached to the same parameter: two component parameters, one value.
    twin, twin_id = ops.add_component(spec, {"id": "split_data", "version": 1})
    twin = ops.attach_parameter(twin, twin_id, "fraction", "fraction")
    assert ops.node(twin, twin_id)["params"]["fraction"] == {"$param": "fraction"}
    PipelineSpec.from_dict(twin)  # still a well-formed spec


def test_promoted_names_do_not_clash():
    spec = ops.add_parameter(tutorial(), "fraction", "float", 0.5)
    spec = ops.promote_param(spec, "split", "fraction", "float")
    assert [p["name"] for p in spec["parameters"]] == ["fraction", "fraction_2"]


def test_a_dataset_made_a_parameter_and_detached_keeps_its_current_value():
    spec = ops.bind_dataset(tutorial(), "cars")
    assert spec["parameters"] == [
        {
            "name": "input",
            "type": "dataset",
            "default": {"name": "automobile-price", "version": None},
        }
    ]
    assert ops.node(spec, "cars")["dataset_param"] == "input"
    assert PipelineSpec.from_dict(spec).node("cars").dataset_param == "input"
    spec["parameters"][0]["default"] = {"name": "my-cars", "version": 2}
    detached = ops.unbind_dataset(spec, "cars")
    cars = ops.node(detached, "cars")
    assert "dataset_param" not in cars
    assert (cars["dataset"], cars["dataset_version"]) == ("my-cars", 2)
    removed = ops.remove_parameter(spec, "input")
    assert ops.node(removed, "cars")["dataset"] == "my-cars"
    with pytest.raises(ops.DraftEditError, match="only a dataset"):
        ops.bind_dataset(tutorial(), "split")
    with pytest.raises(ops.DraftEditError, match="not a dataset"):
        ops.bind_dataset(ops.add_parameter(tutorial(), "n", "int", 1), "cars", "n")


def test_detaching_a_component_parameter_keeps_the_parameters_value():
    spec = ops.promote_param(tutorial(), "split", "fraction", "float")
    spec["parameters"][0]["default"] = 0.85
    assert (
        ops.node(ops.detach_parameter(spec, "split", "fraction"), "split")["params"]["fraction"]
        == 0.85
    )


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("bool", "true", True),
        ("bool", "No", False),
        ("int", "3", 3),
        ("float", "0.5", 0.5),
        ("dataset", "my-cars:2", {"name": "my-cars", "version": 2}),
        ("dataset", "my-cars", {"name": "my-cars", "version": None}),
        ("string", "x", "x"),
    ],
)
def test_defaults_parse_for_every_type(kind, text, value):
    assert parse_default(kind, text) == (value, None)


@pytest.mark.parametrize(
    ("kind", "text"), [("bool", "maybe"), ("int", "3.5"), ("dataset", "cars:two")]
)
def test_bad_defaults_are_named(kind, text):
    value, problem = parse_default(kind, text)
    assert value is None and text in problem
