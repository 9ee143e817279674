"""Planning: cache keys move with what determines outputs, and reuse follows its rules."""

import json
from dataclasses import replace
from pathlib import Path

from jobs.pipeline import PipelineSpec
from jobs.plan import ResolvedDataset, choose_reuse, plan_run

EXAMPLE = Path(__file__).parents[2] / "examples" / "automobile_price.json"


def plan(document=None, dataset_hash="abc", **kwargs):
    spec = PipelineSpec.from_dict(document or json.loads(EXAMPLE.read_text()))
    return plan_run(
        spec,
        resolve_dataset=lambda n, v: ResolvedDataset(n, 3, f"uri-{n}", dataset_hash),
        queue_for=lambda target: f"q-{target}",
        **kwargs,
    )


def keys(run_plan):
    return {s.node_id: s.cache_key for s in run_plan.steps}


def test_steps_follow_dependencies_and_pin_datasets():
    """Every step comes after its upstream steps; the snapshot pins the dataset version."""
    run_plan = plan()
    order = [s.node_id for s in run_plan.steps]
    for step in run_plan.steps:
        assert all(order.index(up) < order.index(step.node_id) for up in step.upstream)
    assert run_plan.spec.node("cars").dataset_version == 3
    assert run_plan.steps[0].queue == "q-default"
    assert plan().steps == run_plan.steps  # deterministic


def test_keys_change_downstream_of_a_parameter_change_only():
    """Changing Split Data's fraction changes split and everything after it, nothing before."""
    document = json.loads(EXAMPLE.read_text())
    before = keys(plan(document))
    document["nodes"][3]["params"]["fraction"] = 0.6
    after = keys(plan(document))
    changed = {node for node in before if before[node] != after[node]}
    assert changed == {"split", "train", "score", "evaluate"}


def test_comment_and_compute_do_not_change_keys_but_data_does():
    """Where a step runs and its comment do not count; the dataset's content does."""
    document = json.loads(EXAMPLE.read_text())
    base = keys(plan(document))
    document["nodes"][2]["comment"] = "another comment"
    document["nodes"][2]["compute"] = "other"
    assert keys(plan(document)) == base
    assert keys(plan(document, dataset_hash="other"))["learner"] == base["learner"]
    assert keys(plan(document, dataset_hash="other"))["select"] != base["select"]


def test_default_parameter_values_count_as_given():
    """Writing a default explicitly gives the same key as leaving it out."""
    document = json.loads(EXAMPLE.read_text())
    base = keys(plan(document))
    document["nodes"][3]["params"]["seed"] = 0
    assert keys(plan(document)) == base


def test_reuse_rules():
    """Force rerun, regenerate and a re-executed upstream step each prevent reuse."""
    run_plan = plan()
    everything = {s.cache_key: f"found-{s.node_id}" for s in run_plan.steps}
    assert set(choose_reuse(run_plan, force_rerun=False, find_outputs=everything.get)) == {
        s.node_id for s in run_plan.steps
    }
    assert choose_reuse(run_plan, force_rerun=True, find_outputs=everything.get) == {}
    split_key = next(s.cache_key for s in run_plan.steps if s.node_id == "split")
    partial = {k: v for k, v in everything.items() if k != split_key}
    reused = choose_reuse(run_plan, force_rerun=False, find_outputs=partial.get)
    assert set(reused) == {"select", "clean", "learner"}
    steps = tuple(
        replace(s, regenerate=True) if s.node_id == "clean" else s for s in run_plan.steps
    )
    reused = choose_reuse(
        replace(run_plan, steps=steps), force_rerun=False, find_outputs=everything.get
    )
    assert set(reused) == {"select", "learner"}
