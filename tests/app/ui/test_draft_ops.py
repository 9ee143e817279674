"""Pure edits of a pipeline spec: add, connect, remove, parameters, layout."""

from __future__ import annotations

import pytest

from app.ui import draft_ops as ops

SPLIT = {
    "id": "split_data",
    "version": 1,
    "outputs": [
        {"name": "results_dataset1", "kind": "dataset"},
        {"name": "results_dataset2", "kind": "dataset"},
    ],
}
TRAIN = {
    "id": "train_model",
    "version": 1,
    "outputs": [{"name": "trained_model", "kind": "trained_model"}],
}
CATALOGUE = {"split_data": SPLIT, "train_model": TRAIN}


def built():
    spec = ops.empty_spec("t")
    spec, cars = ops.add_dataset(spec, "cars")
    spec, split = ops.add_component(spec, SPLIT)
    spec = ops.set_input(spec, split, "dataset", f"{cars}.dataset")
    return spec, cars, split


def test_add_gives_unique_ids_and_leaves_input_alone():
    """Adding the same component twice gives two ids; the original spec is unchanged."""
    spec = ops.empty_spec("t")
    first, a = ops.add_component(spec, SPLIT)
    second, b = ops.add_component(first, SPLIT)
    assert (a, b) == ("split_data", "split_data_2")
    assert spec["nodes"] == [] and len(first["nodes"]) == 1


def test_set_input_replaces_the_previous_source():
    """An input has one source: choosing another replaces the edge; None removes it."""
    spec, cars, split = built()
    spec, other = ops.add_dataset(spec, "cars")
    spec = ops.set_input(spec, split, "dataset", f"{other}.dataset")
    assert spec["edges"] == [{"source": f"{other}.dataset", "target": f"{split}.dataset"}]
    assert ops.set_input(spec, split, "dataset", None)["edges"] == []


def test_node_cannot_feed_itself():
    """Connecting a node to itself is refused with a message."""
    spec, _, split = built()
    with pytest.raises(ops.DraftEditError, match="cannot feed itself"):
        ops.set_input(spec, split, "dataset", f"{split}.results_dataset1")


def test_remove_node_drops_its_edges():
    """Removing a node removes every edge touching it."""
    spec, cars, split = built()
    spec = ops.remove_node(spec, cars)
    assert [n["id"] for n in spec["nodes"]] == [split] and spec["edges"] == []


def test_compatible_sources_match_kind_and_skip_downstream():
    """Only outputs of the port's kind, and not from nodes below (no cycles), are offered."""
    spec, cars, split = built()
    assert ops.compatible_sources(spec, CATALOGUE, split, "dataset") == [f"{cars}.dataset"]
    spec, train = ops.add_component(spec, TRAIN)
    assert ops.compatible_sources(spec, CATALOGUE, train, "dataset") == [
        f"{cars}.dataset",
        f"{split}.results_dataset1",
        f"{split}.results_dataset2",
    ]
    assert ops.compatible_sources(spec, CATALOGUE, train, "untrained_model") == []


def test_attach_and_detach_pipeline_parameter():
    """Attaching stores a reference; detaching gives back the parameter's default."""
    spec, _, split = built()
    spec = ops.add_parameter(spec, "fraction", "float", 0.7)
    spec = ops.attach_parameter(spec, split, "fraction", "fraction")
    assert spec["nodes"][1]["params"]["fraction"] == {"$param": "fraction"}
    assert ops.detach_parameter(spec, split, "fraction")["nodes"][1]["params"]["fraction"] == 0.7


def test_removing_pipeline_parameter_keeps_its_default_on_nodes():
    """A node attached to a removed pipeline parameter keeps the parameter's default."""
    spec, _, split = built()
    spec = ops.add_parameter(spec, "fraction", "float", 0.6)
    spec = ops.remove_parameter(
        ops.attach_parameter(spec, split, "fraction", "fraction"), "fraction"
    )
    assert spec["parameters"] == [] and spec["nodes"][1]["params"]["fraction"] == 0.6


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("1bad", "float", "not allowed"),
        ("ok", "list", "must be one of"),
    ],
)
def test_bad_pipeline_parameter_is_refused(name, kind, message):
    """A bad name or type is refused with a message saying why."""
    with pytest.raises(ops.DraftEditError, match=message):
        ops.add_parameter(ops.empty_spec("t"), name, kind, None)


def test_layout_places_unpositioned_nodes_by_depth():
    """Nodes without positions are laid out in rows by their depth in the graph."""
    spec, cars, split = built()
    for item in spec["nodes"]:
        item["position"] = None
    positions = ops.layout(spec)
    assert positions[cars][1] < positions[split][1]


def test_upstream_dataset_walks_first_inputs():
    """The dataset above a node is found through intermediate components."""
    spec, cars, split = built()
    spec, train = ops.add_component(spec, TRAIN)
    spec = ops.set_input(spec, train, "dataset", f"{split}.results_dataset1")
    assert ops.upstream_dataset(spec, train)["id"] == cars
