"""Pipeline parameters of every type, dataset nodes bound to parameters, and how values are
checked (type, the attached component parameter's range, unknown names) and planned."""

import json
from pathlib import Path

import pytest

from jobs.pipeline import PipelineSpec, bind_datasets, dataset_value
from jobs.plan import ResolvedDataset, plan_run
from jobs.validate import validate_pipeline

TUTORIAL = Path(__file__).parents[2] / "examples" / "automobile_price.json"
VERSIONS = {("automobile-price", 1), ("my-cars", 1), ("my-cars", 2)}


def parameterized(**extra_parameters):
    doc = json.loads(TUTORIAL.read_text())
    doc["parameters"] = [
        {"name": "fraction", "type": "float", "default": 0.7},
        {"name": "shuffle", "type": "bool", "default": True},
        {"name": "input", "type": "dataset", "default": {"name": "automobile-price"}},
        *({"name": n, "type": t, "default": d} for n, (t, d) in extra_parameters.items()),
    ]
    split = next(n for n in doc["nodes"] if n["id"] == "split")
    split["params"].update(fraction={"$param": "fraction"}, randomized={"$param": "shuffle"})
    next(n for n in doc["nodes"] if n["id"] == "cars")["dataset_param"] = "input"
    return doc


def exists(name, version):
    latest = max((v for n, v in VERSIONS if n == name), default=None)
    return latest is not None and (version is None or (name, version) in VERSIONS)


def issues(doc, values=None):
    found = validate_pipeline(
        PipelineSpec.from_dict(doc), dataset_exists=exists, parameter_values=values or {}
    )
    return sorted((i.code, i.node, i.field) for i in found)


def test_the_spec_round_trips_with_bool_and_dataset_parameters():
    doc = parameterized()
    spec = PipelineSpec.from_dict(doc)
    assert spec.node("cars").dataset_param == "input"
    assert PipelineSpec.from_dict(spec.to_dict()) == spec
    assert [p.type for p in spec.parameters] == ["float", "bool", "dataset"]
    assert issues(doc) == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"fraction": 0.8, "shuffle": False, "input": {"name": "my-cars", "version": 2}}, []),
        ({"input": "my-cars"}, []),
        ({"fractoin": 0.8}, [("unknown_pipeline_parameter", None, "fractoin")]),
        ({"fraction": "0.8"}, [("pipeline_parameter_type", None, "fraction")]),
        ({"shuffle": 1}, [("pipeline_parameter_type", None, "shuffle")]),
        ({"fraction": 1.5}, [("invalid_parameter", "split", "fraction")]),
        ({"input": {"name": "my-cars", "version": 3}}, [("unknown_dataset", "cars", "input")]),
        ({"input": {"name": "nope"}}, [("unknown_dataset", "cars", "input")]),
        (
            {"input": {"name": "my-cars", "version": "2"}},
            [("pipeline_parameter_type", None, "input")],
        ),
        ({"input": {"name": "my-cars", "extra": 1}}, [("pipeline_parameter_type", None, "input")]),
        # Every issue at once.
        (
            {"fraction": -1, "shuffle": "yes", "other": 1},
            [
                ("invalid_parameter", "split", "fraction"),
                ("pipeline_parameter_type", None, "shuffle"),
                ("unknown_pipeline_parameter", None, "other"),
            ],
        ),
    ],
)
def test_values_are_checked(values, expected):
    assert issues(parameterized(), values) == expected


def test_a_value_out_of_the_component_range_names_the_pipeline_parameter():
    found = validate_pipeline(
        PipelineSpec.from_dict(parameterized()), parameter_values={"fraction": 1.5}
    )
    assert "Pipeline parameter 'fraction' = 1.5" in found[0].message


def test_bindings_to_missing_or_wrong_parameters_are_issues():
    doc = parameterized(count=("int", 3))
    doc["nodes"][0]["dataset_param"] = "count"
    assert ("pipeline_parameter_type", "cars", "dataset_param") in issues(doc)
    doc["nodes"][0]["dataset_param"] = "ghost"
    assert ("unknown_pipeline_parameter", "cars", "dataset_param") in issues(doc)
    doc = parameterized()
    next(n for n in doc["nodes"] if n["id"] == "split")["params"]["fraction"] = {"$param": "input"}
    assert ("pipeline_parameter_type", "split", "fraction") in issues(doc)


def test_dataset_values_and_binding():
    assert dataset_value({"name": "a", "version": 2}) == ("a", 2)
    assert dataset_value({"name": "a"}) == ("a", None)
    assert dataset_value("a") == ("a", None)
    for bad in (None, "", 3, {"version": 1}, {"name": "a", "version": True}):
        assert dataset_value(bad) is None
    spec = PipelineSpec.from_dict(parameterized())
    bound = bind_datasets(spec, {"input": {"name": "my-cars", "version": 2}})
    assert (bound.node("cars").dataset, bound.node("cars").dataset_version) == ("my-cars", 2)
    assert bind_datasets(spec, {}) == spec


def test_a_plan_reads_the_bound_dataset_and_records_its_version():
    spec = PipelineSpec.from_dict(parameterized())
    asked = []

    def resolve(name, version):
        asked.append((name, version))
        return ResolvedDataset(name, version or 2, f"artifacts://objects/{name}", "0" * 64)

    plan = plan_run(
        spec,
        resolve_dataset=resolve,
        queue_for=lambda _: "default",
        parameter_values={"input": {"name": "my-cars"}, "fraction": 0.8},
    )
    assert asked == [("my-cars", None)]
    assert plan.parameters == {
        "fraction": 0.8,
        "shuffle": True,
        "input": {"name": "my-cars", "version": 2},
    }
    assert plan.spec.node("cars").dataset == "my-cars"
    assert plan.spec.node("cars").dataset_version == 2
    split = next(s for s in plan.steps if s.node_id == "split")
    assert split.params["fraction"] == 0.8 and split.params["randomized"] is True
