"""The contract every registered component must meet (STYLE.md 3.2).

A new component gets these checks for free; it only needs an entry in REQUIRED_PARAMS when it
has required parameters without defaults, or in SCORED_INPUTS when it reads scored data.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import joblib
import pandas as pd
import pytest

from components import all_components, metadata
from components.columns import by_names
from components.learners import Learner, Task, TrainedModel
from components.registry import CATEGORIES, Component
from components.spec import ComponentSpec, PortKind
from components.transforms import Transformation

COMPONENTS = all_components()
IDS = [c.spec.id for c in COMPONENTS]

# Parameters a component cannot run without (required, no default) for the fixture table.
REQUIRED_PARAMS: dict[str, dict[str, Any]] = {
    "select_columns_in_dataset": {"columns": by_names("make", "price")},
    "normalize_data": {"columns": by_names("horsepower", "doors")},
    "edit_metadata": {"columns": by_names("make"), "categorical": "Categorical"},
}
# Components whose dataset input must be the output of Score Model.
SCORED_INPUTS = {"evaluate_model"}
# The fixture column each kind of learner is trained to predict.
LABELS = {Task.REGRESSION: "price", Task.BINARY: "expensive", Task.MULTICLASS: "make"}

# The designer's display names and palette categories (REFERENCE.md 1.1-1.4).
DESIGNER = {
    "select_columns_in_dataset": ("Select Columns in Dataset", "Data Transformation"),
    "clean_missing_data": ("Clean Missing Data", "Data Transformation"),
    "split_data": ("Split Data", "Data Transformation"),
    "normalize_data": ("Normalize Data", "Data Transformation"),
    "edit_metadata": ("Edit Metadata", "Data Transformation"),
    "linear_regression": ("Linear Regression", "Regression"),
    "boosted_decision_tree_regression": ("Boosted Decision Tree Regression", "Regression"),
    "two_class_logistic_regression": ("Two-Class Logistic Regression", "Classification"),
    "train_model": ("Train Model", "Model Training"),
    "score_model": ("Score Model", "Model Scoring and Evaluation"),
    "evaluate_model": ("Evaluate Model", "Model Scoring and Evaluation"),
    "apply_transformation": ("Apply Transformation", "Model Scoring and Evaluation"),
}


def round_trip(value: Any) -> Any:
    buffer = io.BytesIO()
    joblib.dump(value, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


@pytest.fixture
def upstream(table: pd.DataFrame, run: Callable[..., dict[str, Any]]) -> dict[PortKind, Any]:
    """One object of each port kind, made by the components themselves."""
    learner = run("linear_regression")["untrained_model"]
    model = run("train_model", {"untrained_model": learner, "dataset": table})["trained_model"]
    transformation = run("normalize_data", {"dataset": table},
                         columns=by_names("horsepower"))["transformation_function"]
    return {PortKind.DATASET: table, PortKind.UNTRAINED_MODEL: learner,
            PortKind.TRAINED_MODEL: model, PortKind.TRANSFORMATION: transformation}


def inputs_for(component: Component, upstream: dict[PortKind, Any],
               run: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    inputs = {port.name: upstream[port.kind] for port in component.spec.inputs}
    if component.spec.id in SCORED_INPUTS:
        scored = run("score_model", {"trained_model": upstream[PortKind.TRAINED_MODEL],
                                     "dataset": upstream[PortKind.DATASET]})["scored_dataset"]
        inputs = {port.name: scored for port in component.spec.inputs}
    return inputs


def test_all_twelve_designer_components_are_registered() -> None:
    """Every component of this issue is registered under its designer name and category."""
    registered = {c.spec.id: (c.spec.name, c.spec.category) for c in COMPONENTS}
    assert {cid: registered.get(cid) for cid in DESIGNER} == DESIGNER


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_spec_round_trips_through_json(component: Component) -> None:
    """The spec survives to_dict -> JSON -> from_dict unchanged."""
    spec = component.spec
    assert ComponentSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert spec.category in CATEGORIES
    assert spec.description, "the docstring's first paragraph describes the component"


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_defaults_satisfy_their_constraints(component: Component) -> None:
    """Every non-blank default passes its own check; only blank required params are reported."""
    for param in component.spec.params:
        if not param.is_blank(param.default):
            assert param.check(param.default) is None, param.name
    problems = component.spec.check_params(REQUIRED_PARAMS.get(component.spec.id, {}))
    assert problems == []


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_run_returns_declared_outputs(component: Component, upstream: dict[PortKind, Any],
                                      run: Callable[..., dict[str, Any]]) -> None:
    """A run on the fixture table returns each declared output, of its declared kind."""
    inputs = inputs_for(component, upstream, run)
    outputs = component.run(inputs, REQUIRED_PARAMS.get(component.spec.id, {}))
    assert set(outputs) == {port.name for port in component.spec.outputs}
    expected_types = {PortKind.DATASET: pd.DataFrame, PortKind.UNTRAINED_MODEL: Learner,
                      PortKind.TRAINED_MODEL: TrainedModel,
                      PortKind.TRANSFORMATION: Transformation}
    for port in component.spec.outputs:
        assert isinstance(outputs[port.name], expected_types[port.kind]), port.name
    if component.spec.metrics_output:
        first_row = outputs[component.spec.metrics_output].iloc[0]
        assert pd.to_numeric(first_row, errors="coerce").notna().any()


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_model_outputs_survive_pickling(component: Component, table: pd.DataFrame,
                                        upstream: dict[PortKind, Any],
                                        run: Callable[..., dict[str, Any]]) -> None:
    """Models and transformations reload with joblib and then behave identically."""
    params = dict(REQUIRED_PARAMS.get(component.spec.id, {}))
    if component.spec.param("seed") is not None:
        params["seed"] = 1  # so that two fits of the same learner must agree
    outputs = component.run(inputs_for(component, upstream, run), params)
    for port in component.spec.outputs:
        original = outputs[port.name]
        if port.kind is PortKind.DATASET:
            continue
        restored = round_trip(original)
        if port.kind is PortKind.TRAINED_MODEL:
            pd.testing.assert_frame_equal(restored.predict_frame(table),
                                          original.predict_frame(table))
        elif port.kind is PortKind.TRANSFORMATION:
            pd.testing.assert_frame_equal(restored.apply(table), original.apply(table))
        else:
            label = LABELS[Task(original.task)]
            data = metadata.with_roles(table, {label: metadata.LABEL})
            pd.testing.assert_frame_equal(restored.fit(data, label).predict_frame(table),
                                          original.fit(data, label).predict_frame(table))


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_model_outputs_load_safely_with_skops(component: Component, table: pd.DataFrame,
                                              upstream: dict[PortKind, Any],
                                              run: Callable[..., dict[str, Any]]) -> None:
    """Models and transformations also survive skops, the safe format, with few trusted types."""
    sio = pytest.importorskip("skops.io")
    outputs = component.run(inputs_for(component, upstream, run),
                            REQUIRED_PARAMS.get(component.spec.id, {}))
    for port in component.spec.outputs:
        if port.kind in (PortKind.TRAINED_MODEL, PortKind.TRANSFORMATION):
            data = sio.dumps(outputs[port.name])
            untrusted = sio.get_untrusted_types(data=data)
            assert all(t.startswith(("components.", "numpy.", "sklearn.")) for t in untrusted)
            restored = sio.loads(data, trusted=untrusted)
            if port.kind is PortKind.TRAINED_MODEL:
                pd.testing.assert_frame_equal(restored.predict_frame(table),
                                              outputs[port.name].predict_frame(table))
            else:
                pd.testing.assert_frame_equal(restored.apply(table),
                                              outputs[port.name].apply(table))
