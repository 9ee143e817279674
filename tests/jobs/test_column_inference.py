"""Columns known before running: each declared rule against what the component really outputs,
and validation of column parameters (unknown_column, columns_unknown)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

import components
from components.errors import ComponentInputError
from components.metadata import describe_columns
from jobs.columns import column_names, infer_columns
from jobs.local import run_locally
from jobs.pipeline import PipelineSpec
from jobs.validate import validate_pipeline
from storage.samples import load_sample

EXAMPLES = Path(__file__).parents[2] / "examples"
PEOPLE = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "b", "c"], "age": [30.0, 40.0, None]})
CITIES = pd.DataFrame({"person": [1, 2, 4], "city": ["x", "y", "z"], "age": [1.0, 2.0, 3.0]})
# The same people with ids as text ("1"), as a CSV with quoted ids is read.
BADGES = pd.DataFrame({"person": ["1", "2", "4"], "age": ["30", "x", "41"]})
TABLES = {"people": PEOPLE, "cities": CITIES, "badges": BADGES}


@pytest.fixture(scope="module")
def cars() -> pd.DataFrame:
    return load_sample("automobile-price")


def tutorial() -> dict:
    return json.loads((EXAMPLES / "automobile_price.json").read_text())


def loader(cars):
    tables = {**TABLES, "automobile-price": cars}
    return lambda name, version: tables[name]


def described(cars):
    tables = {**TABLES, "automobile-price": cars}
    return lambda name, version: describe_columns(tables[name]) if name in tables else None


def check_against_run(document: dict, cars: pd.DataFrame) -> dict:
    """Infer, run for real, and compare every dataset output whose columns were inferred."""
    spec = PipelineSpec.from_dict(document)
    inferred = infer_columns(spec, described(cars))
    outputs = run_locally(spec, loader(cars))
    compared = {}
    for node_id, ports in inferred.items():
        for port, known in ports.items():
            if isinstance(known, list) and node_id in outputs:
                actual = describe_columns(outputs[node_id][port])
                assert [_described(c) for c in known] == [_described(c) for c in actual], (
                    node_id,
                    port,
                )
                compared[f"{node_id}.{port}"] = [c["name"] for c in known]
    return compared


def _described(column: dict) -> tuple:
    """What a rule must get right of a column: its name, role, categorical flag and type,
    where Integer and Double count as one (a column gains missing values in an outer join, and
    pandas makes it Double; no check tells them apart)."""
    kind = "Numeric" if column["type"] in ("Integer", "Double") else column["type"]
    return column["name"], column["role"], column["categorical"], kind


def test_tutorial_columns_match_what_the_steps_output(cars):
    """Select Columns drops the four columns, Clean and Split pass through, Score Model adds
    Scored Labels beside the label Price: as inferred, so the run outputs."""
    compared = check_against_run(tutorial(), cars)
    assert {
        "select.results_dataset",
        "clean.cleaned_dataset",
        "split.results_dataset1",
        "split.results_dataset2",
        "score.scored_dataset",
    } <= set(compared)
    assert not {"Min.Price", "Max.Price", "Make", "Model"} & set(compared["select.results_dataset"])
    assert compared["score.scored_dataset"][-1] == "Scored Labels"


def two_tables(*steps: dict, edges: list[dict]) -> dict:
    nodes = [{"id": "people", "dataset": "people"}, {"id": "cities", "dataset": "cities"}, *steps]
    return {"name": "t", "nodes": nodes, "edges": edges}


def test_join_and_add_columns_rules_match_their_outputs(cars):
    """Join Data keeps left then right columns (a clashing name gets ' (right)'), with or
    without the right keys; Add Columns the same."""
    for keep in (True, False):
        document = two_tables(
            {
                "id": "join",
                "component": "join_data",
                "params": {
                    "left_keys": {"names": ["id"]},
                    "right_keys": {"names": ["person"]},
                    "join_type": "Left Outer Join",
                    "keep_right_keys": keep,
                },
            },
            edges=[
                {"source": "people.dataset", "target": "join.left_dataset"},
                {"source": "cities.dataset", "target": "join.right_dataset"},
            ],
        )
        compared = check_against_run(document, cars)
        assert ("person" in compared["join.results_dataset"]) is keep
        assert "age (right)" in compared["join.results_dataset"]


def test_edit_metadata_and_score_rules_match_their_outputs(cars):
    """Edit Metadata renames and marks the label; a two-class model's scores add a
    probability."""
    document = two_tables(
        {
            "id": "edit",
            "component": "edit_metadata",
            "params": {"columns": {"names": ["name", "age"]}, "new_column_names": "who, years"},
        },
        edges=[{"source": "people.dataset", "target": "edit.dataset"}],
    )
    assert check_against_run(document, cars)["edit.results_dataset"] == ["id", "who", "years"]

    spec = tutorial()
    spec["nodes"] = [
        dict(n, component="two_class_logistic_regression") if n["id"] == "learner" else n
        for n in spec["nodes"]
    ]
    spec["nodes"] = [
        dict(n, params={"label_column": "Man.trans.avail"}) if n["id"] == "train" else n
        for n in spec["nodes"]
    ]
    inferred = infer_columns(PipelineSpec.from_dict(spec), described(cars))
    names = [c["name"] for c in inferred["score"]["scored_dataset"]]
    assert names[-2:] == ["Scored Labels", "Scored Probabilities"]


def test_every_declared_rule_is_exercised():
    """The components that declare columns (a guard that this file covers the rules it
    should: a new rule needs a test here)."""
    declared = {c.spec.id for c in components.all_components() if c.spec.columns}
    assert declared == {
        "select_columns_in_dataset",
        "split_data",
        "clean_missing_data",
        "remove_duplicate_rows",
        "clip_values",
        "partition_and_sample",
        "smote",
        "normalize_data",
        "score_model",
        "edit_metadata",
        "add_rows",
        "add_columns",
        "join_data",
        "train_model",
    }


@pytest.mark.parametrize(
    "component,params,port",
    [
        ("remove_duplicate_rows", {"key_columns": {"names": ["name"]}}, "dataset"),
        ("clip_values", {"columns": {"names": ["age"]}}, "dataset"),
        ("normalize_data", {"columns": {"names": ["age"]}}, "dataset"),
        ("partition_and_sample", {}, "dataset"),
        ("clean_missing_data", {}, "dataset"),
    ],
)
def test_pass_through_rules_match_their_outputs(cars, component, params, port):
    document = two_tables(
        {"id": "step", "component": component, "params": params},
        edges=[{"source": "people.dataset", "target": f"step.{port}"}],
    )
    compared = check_against_run(document, cars)
    assert any(v == ["id", "name", "age"] for v in compared.values()), compared


def validate(document, cars, warnings=None):
    spec = PipelineSpec.from_dict(document)
    return validate_pipeline(
        spec,
        dataset_exists=lambda n, v: True,
        columns=infer_columns(spec, described(cars)),
        warnings=warnings,
    )


def test_lowercase_label_is_caught_before_running(cars):
    """The tutorial's `price` (the column is `Price`) is an unknown_column issue on Train
    Model's label field, naming the columns that do reach it and the near miss."""
    document = tutorial()
    for node in document["nodes"]:
        if node["id"] == "train":
            node["params"]["label_column"] = "price"
    found = [i for i in validate(document, cars) if i.code == "unknown_column"]
    assert [(i.node, i.field) for i in found] == [("train", "label_column")]
    assert "Did you mean 'Price'?" in found[0].message
    assert "Horsepower" in found[0].message and "Min.Price" not in found[0].message


def test_column_removed_upstream_does_not_reach(cars):
    """A label that Select Columns removed is reported, though the dataset has it."""
    document = tutorial()
    for node in document["nodes"]:
        if node["id"] == "train":
            node["params"]["label_column"] = "Min.Price"
    codes = [(i.code, i.node) for i in validate(document, cars)]
    assert ("unknown_column", "train") in codes
    assert validate(tutorial(), cars) == []


def test_unknown_columns_are_a_warning_not_an_issue(cars):
    """After a Python script (no rule, never run), the label cannot be checked: a warning."""
    document = tutorial()
    document["nodes"].append({"id": "script", "component": "execute_python_script", "params": {}})
    document["edges"] = [e for e in document["edges"] if e["target"] != "clean.dataset"] + [
        {"source": "select.results_dataset", "target": "script.dataset1"},
        {"source": "script.result_dataset", "target": "clean.dataset"},
    ]
    warnings = []
    issues = validate(document, cars, warnings)
    assert not [i for i in issues if i.code == "unknown_column"]
    assert [(w.code, w.node, w.field) for w in warnings] == [
        ("columns_unknown", "train", "label_column")
    ]


def test_join_keys_checked_against_their_own_side(cars):
    """Join's right keys are checked against the right dataset's columns."""
    document = two_tables(
        {
            "id": "join",
            "component": "join_data",
            "params": {"left_keys": {"names": ["id"]}, "right_keys": {"names": ["id"]}},
        },
        edges=[
            {"source": "people.dataset", "target": "join.left_dataset"},
            {"source": "cities.dataset", "target": "join.right_dataset"},
        ],
    )
    found = [(i.code, i.field) for i in validate(document, cars)]
    assert found == [("unknown_column", "right_keys")]
    fixed = copy.deepcopy(document)
    fixed["nodes"][2]["params"]["right_keys"] = {"names": ["person"]}
    assert validate(fixed, cars) == []


def test_column_names_keep_only_known_dataset_outputs(cars):
    spec = PipelineSpec.from_dict(tutorial())
    names = column_names(infer_columns(spec, described(cars)))
    assert "Scored Labels" in names["score"]["scored_dataset"]
    assert names["train"] == {} and names["learner"] == {}


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_shipped_examples_name_only_columns_that_reach(example):
    """Every sample pipeline passes the column check against the bundled sample data."""
    document = json.loads((EXAMPLES / example).read_text())
    spec = PipelineSpec.from_dict(document)

    def sample_columns(name, version):
        return describe_columns(load_sample(name))

    issues = validate_pipeline(spec, columns=infer_columns(spec, sample_columns))
    assert [i for i in issues if i.code in ("unknown_column", "incompatible_columns")] == []


def joined(right: str, *steps: dict, right_source: str | None = None, **params) -> dict:
    """people joined on id with `right` (a dataset, or `right_source`, a step's output)."""
    keys = {"left_keys": {"names": ["id"]}, "right_keys": {"names": ["person"]}, **params}
    nodes = [
        {"id": "people", "dataset": "people"},
        {"id": right, "dataset": right},
        *steps,
        {"id": "join", "component": "join_data", "params": keys},
    ]
    edges = [
        {"source": "people.dataset", "target": "join.left_dataset"},
        {"source": right_source or f"{right}.dataset", "target": "join.right_dataset"},
    ]
    edges += [{"source": f"{right}.dataset", "target": f"{step['id']}.dataset"} for step in steps]
    return {"name": "t", "nodes": nodes, "edges": edges}


def run_error(document: dict, cars) -> str:
    """The message a run of `document` fails with."""
    with pytest.raises(ComponentInputError) as failed:
        run_locally(PipelineSpec.from_dict(document), loader(cars))
    return str(failed.value)


def test_join_keys_that_never_match_are_caught_before_running(cars):
    """An Integer key against a String one matches no row: Validate says so on the right keys,
    in the words the step itself fails with, since both run the one rule."""
    document = joined("badges")
    found = [i for i in validate(document, cars) if i.code == "incompatible_columns"]
    assert [(i.node, i.field) for i in found] == [("join", "right_keys")]
    assert "'id' of the left dataset (Integer) with 'person' of the right (String)" in (
        found[0].message
    )
    assert found[0].message in run_error(document, cars)


def test_join_keys_fixed_with_edit_metadata_validate_and_run(cars):
    """The message's advice, followed: Edit Metadata makes the key Integer; nothing is
    reported and the join matches ids 1 and 2."""
    retype = {
        "id": "retype",
        "component": "edit_metadata",
        "params": {"columns": {"names": ["person"]}, "data_type": "Integer"},
    }
    document = joined("badges", retype, right_source="retype.results_dataset")
    assert validate(document, cars) == []
    joined_rows = run_locally(PipelineSpec.from_dict(document), loader(cars))["join"]
    assert joined_rows["results_dataset"]["name"].tolist() == ["a", "b"]


def test_join_keys_of_integer_and_double_are_no_issue(cars):
    """cities.person is Integer, people.age Double: both numeric, so they may pair."""
    assert validate(joined("cities"), cars) == []
    assert validate(joined("cities", left_keys={"names": ["age"]}), cars) == []


def test_join_key_counts_that_differ_are_caught_before_running(cars):
    document = joined("cities", left_keys={"names": ["id", "name"]})
    found = [i for i in validate(document, cars) if i.code == "incompatible_columns"]
    assert [(i.node, i.field) for i in found] == [("join", "right_keys")]
    assert "got 2 for L (id, name) and 1 for R (person)" in found[0].message
    assert found[0].message in run_error(document, cars)


def test_add_rows_column_of_two_types_is_caught_before_running(cars):
    """people.age is Double, badges.age String: one issue on the second input, the step's own
    message; people.id and cities.person share no name, so only age is named."""
    document = {
        "name": "t",
        "nodes": [
            {"id": "people", "dataset": "people"},
            {"id": "badges", "dataset": "badges"},
            {"id": "rows", "component": "add_rows"},
        ],
        "edges": [
            {"source": "people.dataset", "target": "rows.dataset1"},
            {"source": "badges.dataset", "target": "rows.dataset2"},
        ],
    }
    found = [i for i in validate(document, cars) if i.code == "incompatible_columns"]
    assert [(i.node, i.field) for i in found] == [("rows", "dataset2")]
    assert "column 'age': it is Double in Dataset1 and String in Dataset2" in found[0].message
    assert found[0].message in run_error(document, cars)
    document["nodes"][1] = {"id": "badges", "dataset": "cities"}  # age Double in both
    assert validate(document, cars) == []


def test_checks_wait_for_columns_that_are_unknown(cars):
    """Behind a Python script (no rule, never run) the right side is unknown: no issue, the
    run decides."""
    script = {"id": "script", "component": "execute_python_script", "params": {}}
    document = joined("badges", right_source="script.result_dataset")
    document["nodes"].insert(2, script)
    document["edges"].append({"source": "badges.dataset", "target": "script.dataset1"})
    assert [i for i in validate(document, cars) if i.code == "incompatible_columns"] == []


REGRESSION_LEARNERS = sorted(
    c.spec.id for c in components.all_components() if c.spec.category == "Regression"
)


def tutorial_with(learner: str | None = None, **train_params) -> dict:
    """The tutorial, its learner and Train Model's parameters replaced where given."""
    document = tutorial()
    for node in document["nodes"]:
        if node["id"] == "learner" and learner:
            node.update(component=learner, params={})
        if node["id"] == "train":
            node["params"] = train_params
    return document


@pytest.mark.parametrize("learner", REGRESSION_LEARNERS)
def test_a_text_label_for_a_regression_learner_is_caught_before_running(cars, learner):
    """Type is text: every regression learner refuses it, and Validate says so first, on
    Train Model's label, in the words of the failed step."""
    document = tutorial_with(learner, label_column="Type")
    found = [i for i in validate(document, cars) if i.code == "incompatible_columns"]
    assert [(i.node, i.field) for i in found] == [("train", "label_column")]
    assert "needs a numeric label; column 'Type' is String" in found[0].message
    assert found[0].message in run_error(document, cars)


def trained_on_people(**train_params) -> dict:
    """Linear Regression trained on `people`, whose columns carry no roles."""
    return {
        "name": "t",
        "nodes": [
            {"id": "people", "dataset": "people"},
            {"id": "learner", "component": "linear_regression"},
            {"id": "train", "component": "train_model", "params": train_params},
        ],
        "edges": [
            {"source": "learner.untrained_model", "target": "train.untrained_model"},
            {"source": "people.dataset", "target": "train.dataset"},
        ],
    }


def assert_valid_and_trained_on(document: dict, cars, label: str) -> None:
    """Validate finds nothing, and the run trains its model on `label`."""
    assert validate(document, cars) == []
    outputs = run_locally(PipelineSpec.from_dict(document), loader(cars))
    assert outputs["train"]["trained_model"].label_column == label


def test_a_missing_label_is_caught_before_running(cars):
    """No label chosen and none marked: Validate names the way out, as the step would."""
    document = trained_on_people()
    found = [i for i in validate(document, cars) if i.code == "incompatible_columns"]
    assert [(i.node, i.field) for i in found] == [("train", "label_column")]
    assert found[0].message.startswith("No label column: choose one in 'Label column'")
    assert "available: id, name, age" in found[0].message
    assert found[0].message in run_error(document, cars)
    assert validate(trained_on_people(label_column="age"), cars) == []


def test_a_label_marked_with_edit_metadata_needs_no_name(cars):
    """age marked as the label upstream (Fields: Labels): nothing to report, and it trains."""
    document = trained_on_people()
    document["nodes"].append(
        {
            "id": "mark",
            "component": "edit_metadata",
            "params": {"columns": {"names": ["age"]}, "fields": "Labels"},
        }
    )
    document["edges"][1:] = [
        {"source": "people.dataset", "target": "mark.dataset"},
        {"source": "mark.results_dataset", "target": "train.dataset"},
    ]
    assert_valid_and_trained_on(document, cars, "age")


def test_a_text_label_is_fine_for_a_classifier(cars):
    """Type (six classes) is a label a multiclass learner can learn: no issue."""
    document = tutorial_with("multiclass_decision_forest", label_column="Type")
    assert [i for i in validate(document, cars) if i.code == "incompatible_columns"] == []


@pytest.mark.parametrize(
    "trainer,port",
    [("cross_validate_model", "dataset"), ("tune_model_hyperparameters", "training_dataset")],
)
def test_other_trainers_check_their_label_the_same_way(cars, trainer, port):
    """Cross Validate Model and Tune Model Hyperparameters take a label as Train Model does."""
    document = tutorial()
    document["nodes"] = [n for n in document["nodes"] if n["id"] not in ("score", "evaluate")]
    for node in document["nodes"]:
        if node["id"] == "train":
            node.update(component=trainer, params={"label_column": "Type"})
    document["edges"] = [
        {**e, "target": e["target"].replace("train.dataset", f"train.{port}")}
        for e in document["edges"]
        if not e["target"].startswith(("score.", "evaluate."))
    ]
    found = [i for i in validate(document, cars) if i.code == "incompatible_columns"]
    assert [(i.node, i.field) for i in found] == [("train", "label_column")], found
    assert "Linear Regression needs a numeric label; column 'Type' is String" in found[0].message
    assert found[0].message in run_error(document, cars)


@pytest.mark.parametrize(
    "component,shown",
    [
        ("normalize_data", "Normalize Data transforms"),
        ("group_data_into_bins", "Group Data into Bins bins"),
        ("clip_values", "Clip Values clips"),
    ],
)
def test_a_text_column_where_numbers_are_needed_is_caught_before_running(cars, component, shown):
    """people.name is text: the three components that take numeric columns only say so on
    their column selection before the run, in the words of the failed step; age alone is
    fine."""
    document = two_tables(
        {"id": "step", "component": component, "params": {"columns": {"names": ["age", "name"]}}},
        edges=[{"source": "people.dataset", "target": "step.dataset"}],
    )
    found = [i for i in validate(document, cars) if i.code == "incompatible_columns"]
    assert [(i.node, i.field) for i in found] == [("step", "columns")]
    assert found[0].message.startswith(f"{shown} numeric columns only; got 'name' (String).")
    assert found[0].message in run_error(document, cars)
    document["nodes"][2]["params"]["columns"] = {"names": ["age"]}
    assert validate(document, cars) == []


@pytest.mark.parametrize(
    "params",
    [
        {"columns": {"names": ["Type"]}, "fields": "Labels"},  # Price, the label, becomes a feature
        {"columns": {"names": ["Price", "Type"]}, "fields": "ClearLabels"},
        {"columns": {"names": ["Price", "Type"]}, "fields": "ClearFeatures"},
        {"columns": {"names": ["Cylinders"]}, "categorical": "Categorical"},
        {"columns": {"names": ["Passengers"]}, "categorical": "Categorical", "data_type": "Double"},
        {"columns": {"names": ["Type"]}, "categorical": "NonCategorical"},
        {"columns": {"names": ["Passengers", "Type"]}, "new_column_names": "Seats, Kind"},
    ],
)
def test_edit_metadata_rule_matches_its_output(cars, params):
    """Whatever Edit Metadata changes (roles, the categorical flag, types, names), the columns
    known before the run are those it outputs: the checks that read them would otherwise
    refuse a pipeline that runs."""
    document = {
        "name": "t",
        "nodes": [
            {"id": "cars", "dataset": "automobile-price"},
            {"id": "edit", "component": "edit_metadata", "params": params},
        ],
        "edges": [{"source": "cars.dataset", "target": "edit.dataset"}],
    }
    assert "edit.results_dataset" in check_against_run(document, cars)


def test_a_new_label_replaces_the_old_one_before_running_too(cars):
    """The tutorial with Type made the label (Price then a feature) and a multiclass learner:
    one label, so no issue, and the run trains on Type."""
    document = tutorial_with("multiclass_decision_forest")
    document["nodes"].append(
        {
            "id": "mark",
            "component": "edit_metadata",
            "params": {"columns": {"names": ["Type"]}, "fields": "Labels"},
        }
    )
    document["edges"] = [e for e in document["edges"] if e["target"] != "clean.dataset"] + [
        {"source": "select.results_dataset", "target": "mark.dataset"},
        {"source": "mark.results_dataset", "target": "clean.dataset"},
    ]
    assert_valid_and_trained_on(document, cars, "Type")


def test_scoring_data_without_a_feature_the_model_trains_on_is_caught_before_running(cars):
    """Horsepower taken out of the test half only: the model will train on it, so Score Model
    cannot score without it. Validate says so on its dataset, as the step would."""
    document = tutorial()
    document["nodes"].append(
        {
            "id": "drop",
            "component": "select_columns_in_dataset",
            "params": {
                "columns": {
                    "begin": "all",
                    "rules": [{"action": "exclude", "by": "names", "values": ["Horsepower"]}],
                }
            },
        }
    )
    document["edges"] = [e for e in document["edges"] if e["target"] != "score.dataset"] + [
        {"source": "split.results_dataset2", "target": "drop.dataset"},
        {"source": "drop.results_dataset", "target": "score.dataset"},
    ]
    found = [i for i in validate(document, cars) if i.code == "incompatible_columns"]
    assert [(i.node, i.field) for i in found] == [("score", "dataset")]
    assert found[0].message.startswith("The dataset lacks feature column(s) 'Horsepower' that")
    assert found[0].message in run_error(document, cars)
    trained = infer_columns(PipelineSpec.from_dict(document), described(cars))["train"]
    outputs = run_locally(PipelineSpec.from_dict(tutorial()), loader(cars))
    assert trained["trained_model"]["features"] == list(
        outputs["train"]["trained_model"].features.columns
    )


def test_a_dataset_without_scores_wired_into_evaluate_model_is_caught_before_running(cars):
    """The test half wired straight into Evaluate Model, past Score Model: no score columns,
    said by Validate on that input as the step would say it; the tutorial as shipped is fine."""
    document = tutorial()
    document["edges"] = [e for e in document["edges"] if e["target"] != "evaluate.scored_dataset"]
    document["edges"].append(
        {"source": "split.results_dataset2", "target": "evaluate.scored_dataset"}
    )
    found = [i for i in validate(document, cars) if i.code == "incompatible_columns"]
    assert [(i.node, i.field) for i in found] == [("evaluate", "scored_dataset")]
    assert found[0].message.startswith("'Scored dataset' has no score columns")
    assert found[0].message in run_error(document, cars)
    assert validate(tutorial(), cars) == []


def test_a_label_that_does_not_reach_is_one_issue_not_a_cascade(cars):
    """Train Model's label 'prize' does not reach it: that is the one issue. The model it
    would give is unknown, not a model of 'prize', whose scores would have no true label for
    Evaluate Model's check to report as well."""
    document = tutorial_with(label_column="prize")
    assert [(i.code, i.node) for i in validate(document, cars)] == [("unknown_column", "train")]
    inferred = infer_columns(PipelineSpec.from_dict(document), described(cars))
    assert inferred["train"]["trained_model"] is None


CHECKED = sorted(c.spec.id for c in components.all_components() if c.spec.checks is not None)
ODD_VALUES = [5, "x", [], {}, {"names": 3}, {"names": ["Price", 7]}, {"rules": "x"}, None, True]


@pytest.mark.parametrize("component", CHECKED)
def test_checks_take_any_parameter_value_without_raising(cars, component):
    """Each parameter of a component with checks, set to values of every wrong shape: the
    checks leave them to invalid_parameter and the like, and validation answers. (A label
    given as a selection raised TypeError inside the trainers' check.)"""
    spec = components.get(component).spec
    feeds = {"untrained_model": "learner.untrained_model"}
    for param in spec.params:
        for value in ODD_VALUES:
            document = {
                "name": "t",
                "nodes": [
                    {"id": "cars", "dataset": "automobile-price"},
                    {"id": "learner", "component": "linear_regression"},
                    {"id": "step", "component": component, "params": {param.name: value}},
                ],
                "edges": [
                    {"source": feeds.get(p.kind.value, "cars.dataset"), "target": f"step.{p.name}"}
                    for p in spec.inputs
                    if p.kind.value in ("dataset", "untrained_model")
                ],
            }
            validate(document, cars)  # raises nothing
