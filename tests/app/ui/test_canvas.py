"""The canvas's Python side without a browser: what it is sent (nodes with typed ports, the
palette), how its events become draft edits, the new draft ops, the algorithm guide, the
scored preview's column order."""

from __future__ import annotations

import json

import pytest

import components
from app.ui import draft_ops as ops
from app.ui.algorithm_guide import GOALS, LEARNERS, PRIORITIES, recommend
from app.ui.canvas import DIST, canvas_edges, canvas_nodes, palette_groups
from app.ui.canvas.events import edit_for
from app.ui.run_ops import scores_first
from tests.app.ui.conftest import TUTORIAL

CATALOGUE = {c.spec.id: c.spec.to_dict() for c in components.all_components()}


def tutorial() -> dict:
    return json.loads(TUTORIAL.read_text())


def test_nodes_carry_named_typed_ports_and_states():
    spec = tutorial()
    issues = {"train": [{"code": "x", "message": "Label missing", "field": "label_column"}]}
    nodes = {
        n["id"]: n
        for n in canvas_nodes(spec, CATALOGUE, issues=issues, states={"score": "running"})
    }
    assert [(p["name"], p["kind"]) for p in nodes["train"]["inputs"]] == [
        ("untrained_model", "untrained_model"),
        ("dataset", "dataset"),
    ]
    assert [p["name"] for p in nodes["split"]["outputs"]] == [
        "results_dataset1",
        "results_dataset2",
    ]
    assert nodes["cars"]["dataset"] and nodes["cars"]["outputs"][0]["kind"] == "dataset"
    assert nodes["train"]["state"] == "issue"
    assert nodes["train"]["issues"] == ["label_column: Label missing"]
    assert nodes["score"]["state"] == "running" and nodes["evaluate"]["state"] == "ok"
    assert nodes["select"]["position"] == [0.0, 100.0]
    assert canvas_edges(spec)[0] == {"source": "cars.dataset", "target": "select.dataset"}


def test_palette_puts_datasets_first_then_categories():
    groups = palette_groups(
        {"Regression": [CATALOGUE["linear_regression"]]},
        [{"name": "iris", "description": "flowers"}],
    )
    assert [g["category"] for g in groups] == ["Datasets", "Regression"]
    assert groups[0]["items"][0]["add"] == {"dataset": "iris"}
    assert groups[1]["items"][0]["add"] == {"component": "linear_regression"}


def apply(spec, event):
    function, args, kwargs = edit_for(event, CATALOGUE)
    result = function(spec, *args, **kwargs)
    return result[0] if isinstance(result, tuple) else result


def test_events_become_draft_edits():
    """Add at a position, wire (replacing the old feed), move, delete nodes and wires."""
    spec = ops.empty_spec("t")
    spec = apply(spec, {"type": "add", "dataset": "iris", "position": [10, 20]})
    spec = apply(spec, {"type": "add", "component": "split_data", "position": [300, 20]})
    spec = apply(spec, {"type": "add", "dataset": "wine", "position": [10, 200]})
    assert [n["position"] for n in spec["nodes"]] == [[10.0, 20.0], [300.0, 20.0], [10.0, 200.0]]
    spec = apply(
        spec, {"type": "connect", "source": "iris.dataset", "target": "split_data.dataset"}
    )
    spec = apply(
        spec, {"type": "connect", "source": "wine.dataset", "target": "split_data.dataset"}
    )
    assert spec["edges"] == [{"source": "wine.dataset", "target": "split_data.dataset"}]
    spec = apply(spec, {"type": "move", "positions": {"split_data": [400, 60], "gone": [0, 0]}})
    assert ops.node(spec, "split_data")["position"] == [400.0, 60.0]
    cut = apply(
        spec,
        {
            "type": "delete",
            "nodes": [],
            "edges": [{"source": "wine.dataset", "target": "split_data.dataset"}],
        },
    )
    assert cut["edges"] == [] and len(cut["nodes"]) == 3
    gone = apply(spec, {"type": "delete", "nodes": ["wine", "iris"], "edges": []})
    assert [n["id"] for n in gone["nodes"]] == ["split_data"] and gone["edges"] == []
    assert edit_for({"type": "select", "node": "iris"}, CATALOGUE) is None


def test_unknown_component_is_a_user_error():
    with pytest.raises(ops.DraftEditError, match="No component 'nope'"):
        edit_for({"type": "add", "component": "nope", "position": [0, 0]}, CATALOGUE)


def test_built_canvas_ships_in_the_package_and_loads_nothing_from_the_internet():
    html = (DIST / "index.html").read_text()
    assert "assets/" in html
    for asset in (DIST / "assets").iterdir():
        text = asset.read_text(errors="ignore")
        assert "fonts.googleapis" not in text and "cdn.jsdelivr" not in text
        assert "unpkg.com" not in text


@pytest.mark.parametrize("goal", list(GOALS))
def test_guide_recommends_learners_of_the_library_for_every_goal(goal):
    found = recommend(goal, "speed", CATALOGUE)
    assert found, goal
    assert all(component["id"] in CATALOGUE for component, _, _ in found)
    strong = [strong for _, _, strong in found]
    assert strong == sorted(strong, reverse=True)  # strong in the priority first


def test_guide_priorities_change_the_first_recommendation():
    assert recommend("number", "explainability", CATALOGUE)[0][0]["id"] == "linear_regression"
    assert (
        recommend("number", "accuracy", CATALOGUE)[0][0]["id"] == "boosted_decision_tree_regression"
    )
    assert {s for learner in LEARNERS for s in learner.strengths} <= set(PRIORITIES)


def test_scored_preview_puts_label_and_scores_first():
    columns = [
        {"name": "a", "role": "feature"},
        {"name": "Price", "role": "label"},
        {"name": "Scored Labels", "role": "score"},
    ]
    assert [c["name"] for c in scores_first(columns)] == ["Price", "Scored Labels", "a"]
    plain = [{"name": "a", "role": "feature"}, {"name": "b", "role": "label"}]
    assert scores_first(plain) == plain


def test_run_values_read_as_users_write_them():
    """No Python literals in the run page's parameter tables."""
    from app.ui.run_ops import resolved_params

    spec = {
        "nodes": [
            {
                "id": "s",
                "params": {
                    "randomized": True,
                    "splitting_mode": "Split Rows",
                    "seed": None,
                    "columns": {"names": ["a"]},
                },
            }
        ]
    }
    values = {r["parameter"]: r["value"] for r in resolved_params(spec, "s", {})}
    assert values == {
        "randomized": "on",
        "splitting_mode": "Split Rows",
        "seed": "",
        "columns": '{"names": ["a"]}',
    }
