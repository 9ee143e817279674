"""Validation returns every issue at once, each with a code, node and field."""

import json
from pathlib import Path

import pytest

from jobs.pipeline import PipelineSpec
from jobs.validate import validate_pipeline

EXAMPLES = Path(__file__).parents[2] / "examples"


def load(name="automobile_price.json"):
    return json.loads((EXAMPLES / name).read_text())


def issues_of(document, **kwargs):
    return validate_pipeline(PipelineSpec.from_dict(document), **kwargs)


def codes(issues):
    return sorted((i.code, i.node, i.field) for i in issues)


@pytest.mark.parametrize("name", ["automobile_price.json", "breast_cancer.json"])
def test_examples_are_valid(name):
    """The shipped examples have no issues."""
    assert (
        issues_of(load(name), dataset_exists=lambda n, v: True, compute_targets={"default"}) == []
    )


def test_every_issue_is_reported_at_once():
    """Several independent mistakes come back together, one issue each."""
    doc = load()
    doc["nodes"][3]["params"]["fraction"] = 1.5  # split: out of range
    doc["nodes"][5]["params"] = {"label_column": "Price", "colour": "red"}  # unknown param
    doc["edges"] = [e for e in doc["edges"] if e["target"] != "score.dataset"]  # unconnected
    doc["nodes"].append({"id": "ghost", "component": "no_such_component"})
    found = codes(issues_of(doc))
    assert ("invalid_parameter", "split", "fraction") in found
    assert ("unknown_parameter", "train", "colour") in found
    assert ("unconnected_input", "score", "dataset") in found
    assert ("unknown_component", "ghost", "component") in found
    assert len(found) == 4


def test_port_kind_mismatch_and_two_sources():
    """A model into a dataset port is a kind mismatch; a second edge into one input is flagged."""
    doc = load()
    doc["edges"].append({"source": "learner.untrained_model", "target": "score.dataset"})
    found = codes(issues_of(doc))
    assert ("kind_mismatch", "score", "dataset") in found
    assert ("input_has_two_sources", "score", "dataset") in found


def test_dataset_rules_and_unknown_ports():
    """Datasets take no inputs; unknown ports and nodes on edges are named."""
    doc = load()
    doc["nodes"].append({"id": "more", "dataset": "iris"})
    doc["edges"] += [
        {"source": "cars.dataset", "target": "more.dataset"},
        {"source": "select.nothing", "target": "clean.dataset"},
        {"source": "nowhere.x", "target": "clean.dataset"},
    ]
    found = codes(issues_of(doc))
    assert ("dataset_to_dataset", "more", "dataset") in found
    assert ("unknown_port", "select", "nothing") in found
    assert ("unknown_node", "nowhere", "source") in found


def test_cycle_is_found():
    """A loop between components is reported as a cycle."""
    doc = load()
    doc["nodes"].append(
        {
            "id": "select2",
            "component": "select_columns_in_dataset",
            "params": {"columns": {"names": ["Price"]}},
        }
    )
    doc["edges"] = [e for e in doc["edges"] if e["target"] != "select.dataset"]
    doc["edges"] += [
        {"source": "clean.cleaned_dataset", "target": "select2.dataset"},
        {"source": "select2.results_dataset", "target": "select.dataset"},
    ]
    issues = issues_of(doc)
    assert [i.code for i in issues] == ["cycle"]
    assert "select" in issues[0].message


def test_missing_required_parameter_and_unknown_dataset_and_compute():
    """A required parameter left empty, a dataset or compute target that does not exist."""
    doc = load()
    doc["nodes"][1]["params"] = {}
    doc["nodes"][2]["compute"] = "gpu-cluster"
    found = codes(
        issues_of(
            doc, dataset_exists=lambda n, v: n != "automobile-price", compute_targets={"default"}
        )
    )
    assert ("missing_parameter", "select", "columns") in found
    assert ("unknown_dataset", "cars", "dataset") in found
    assert ("unknown_compute_target", "clean", "compute") in found


def test_pipeline_parameters_are_checked_where_attached():
    """A pipeline parameter value is checked against the component parameter it feeds."""
    doc = load("breast_cancer.json")
    assert issues_of(doc, parameter_values={"train_fraction": 0.5}) == []
    found = codes(issues_of(doc, parameter_values={"train_fraction": 2.0}))
    assert found == [("invalid_parameter", "split", "fraction")]
    found = codes(issues_of(doc, parameter_values={"nope": 1}))
    assert found == [("unknown_pipeline_parameter", None, "nope")]
    doc["nodes"][1]["params"]["seed"] = {"$param": "missing"}
    assert ("unknown_pipeline_parameter", "split", "seed") in codes(issues_of(doc))
