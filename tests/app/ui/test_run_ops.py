"""Pure readings of runs: progress, step states, parameters as run, comparison."""

from __future__ import annotations

from types import SimpleNamespace

from app.ui import run_ops

SPEC = {
    "parameters": [{"name": "f", "type": "float", "default": 0.5}],
    "nodes": [
        {"id": "cars", "dataset": "cars"},
        {
            "id": "split",
            "component": "split_data",
            "params": {"fraction": {"$param": "f"}, "seed": 1},
        },
    ],
    "edges": [{"source": "cars.dataset", "target": "split.dataset"}],
}


def step(node_id, status, reused=False):
    return SimpleNamespace(node_id=node_id, status=status, reused=reused)


def test_progress_counts_ended_steps():
    """Completed, failed and canceled steps count as ended."""
    steps = [step("a", "completed"), step("b", "running"), step("c", "failed")]
    assert run_ops.progress(steps) == (2, 3)


def test_reused_completed_step_has_reused_state():
    """A reused completed step is drawn as reused."""
    assert run_ops.step_states([step("a", "completed", True), step("b", "queued")]) == {
        "a": "reused",
        "b": "queued",
    }


def test_step_times_leave_out_reused_steps_and_steps_that_never_ran():
    """Under its node a step shows the seconds it took; a reused one took none in this run."""
    steps = [
        SimpleNamespace(node_id="a", status="completed", reused=False, duration_s=1.234),
        SimpleNamespace(node_id="b", status="completed", reused=True, duration_s=0.0),
        SimpleNamespace(node_id="c", status="canceled", reused=False, duration_s=None),
    ]
    assert run_ops.step_times(steps) == {"a": "1.2 s"}


def test_resolved_params_show_pipeline_parameter_values():
    """An attached parameter shows the run's value and where it came from."""
    rows = run_ops.resolved_params(SPEC, "split", {"f": 0.8})
    assert rows[0] == {"parameter": "fraction", "value": "0.8", "from pipeline parameter": "f"}


def test_compare_finds_changed_parameters_nodes_and_metrics():
    """Differences in pipeline parameters, node parameters and nodes are all reported."""
    other = {
        **SPEC,
        "nodes": [
            SPEC["nodes"][0],
            {**SPEC["nodes"][1], "params": {"fraction": {"$param": "f"}, "seed": 2}},
            {"id": "extra", "component": "x"},
        ],
    }
    diff = run_ops.compare(
        {"spec": SPEC, "parameters": {"f": 0.5}, "metrics": {"e": {"R2": 0.5}}},
        {"spec": other, "parameters": {"f": 0.7}, "metrics": {"e": {"R2": 0.6}}},
    )
    assert diff["parameters"] == [{"parameter": "f", "A": "0.5", "B": "0.7"}]
    assert diff["node_params"] == [{"node": "split", "parameter": "seed", "A": "1", "B": "2"}]
    assert diff["changed"] == ["split"] and diff["only_b"] == ["extra"] and not diff["only_a"]
    assert diff["metrics"] == [{"node": "e", "metric": "R2", "A": 0.5, "B": 0.6}]
