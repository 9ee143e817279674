"""Pure readings of runs for the UI: progress, step states, resolved parameters, comparison."""

from __future__ import annotations

import json
from typing import Any

from app.client import StepStatus, step_state
from app.durations import took
from app.ui.draft_ops import input_sources
from jobs.pipeline import param_ref


def progress(steps: list[Any]) -> tuple[int, int]:
    """(steps that ended, all steps)."""
    return sum(StepStatus(s.status).is_terminal for s in steps), len(steps)


def step_states(steps: list[Any]) -> dict[str, str]:
    """node id -> graph state: the step's status, or "reused" for a reused completed step."""
    return {s.node_id: step_state(s.status, s.reused) for s in steps}


def step_times(steps: list[Any]) -> dict[str, str]:
    """node id -> the time a step took, shown under its node; a reused step took none in this
    run (its state says "reused"), and a step that never ran has none either."""
    return {
        s.node_id: took(s.duration_s) for s in steps if s.duration_s is not None and not s.reused
    }


def scores_first(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A scored table's columns with the label, then the scores, first (so a preview shows
    `Scored Labels` next to the label); other tables unchanged."""
    if not any(c.get("role") == "score" for c in columns):
        return columns
    rank = {"label": 0, "score": 1}
    return sorted(columns, key=lambda c: rank.get(c.get("role"), 2))  # stable otherwise


def resolved_params(
    spec: dict[str, Any], node_id: str, parameters: dict[str, Any]
) -> list[dict[str, Any]]:
    """A node's parameter values as run, with the pipeline parameter each came from."""
    found = next((n for n in spec.get("nodes", []) if n["id"] == node_id), {})
    rows = []
    for name, value in found.get("params", {}).items():
        ref = param_ref(value)
        rows.append(
            {
                "parameter": name,
                "value": _text(parameters.get(ref) if ref else value),
                "from pipeline parameter": ref or "",
            }
        )
    return rows


def _text(value: Any) -> str:
    """A value as users write it: on/off, plain numbers and text, JSON for selections (never a
    Python literal such as None, True or 'Split Rows')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def duration(run: Any) -> float | None:
    if run.started_at and run.finished_at:
        return (run.finished_at - run.started_at).total_seconds()
    return None


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """What differs between two runs.

    Args:
        a, b: {"spec": pipeline spec, "parameters": pipeline parameter values,
            "metrics": {node id: {metric: value}}}

    Returns:
        {"parameters": rows of pipeline parameters that differ,
         "node_params": rows of component parameters that differ on shared nodes,
         "only_a", "only_b": node ids in one run only, "changed": node ids whose component,
         parameters or inputs differ, "metrics": one row per (node, metric) of either run}
    """
    nodes_a = {n["id"]: n for n in a["spec"].get("nodes", [])}
    nodes_b = {n["id"]: n for n in b["spec"].get("nodes", [])}
    names = sorted(set(a["parameters"]) | set(b["parameters"]))
    parameters = [
        {"parameter": n, "A": _text(a["parameters"].get(n)), "B": _text(b["parameters"].get(n))}
        for n in names
        if a["parameters"].get(n) != b["parameters"].get(n)
    ]
    node_params, changed = [], []
    for node_id in sorted(set(nodes_a) & set(nodes_b)):
        left, right = nodes_a[node_id], nodes_b[node_id]
        differs = (
            left.get("component") != right.get("component")
            or left.get("dataset") != right.get("dataset")
            or input_sources(a["spec"], node_id) != input_sources(b["spec"], node_id)
        )
        params_a, params_b = left.get("params", {}), right.get("params", {})
        for name in sorted(set(params_a) | set(params_b)):
            if params_a.get(name) != params_b.get(name):
                differs = True
                node_params.append(
                    {
                        "node": node_id,
                        "parameter": name,
                        "A": _text(params_a.get(name)),
                        "B": _text(params_b.get(name)),
                    }
                )
        if differs:
            changed.append(node_id)
    metrics = []
    for node_id in sorted(set(a["metrics"]) | set(b["metrics"])):
        left, right = a["metrics"].get(node_id, {}), b["metrics"].get(node_id, {})
        for name in sorted(set(left) | set(right), key=str):
            metrics.append(
                {"node": node_id, "metric": name, "A": left.get(name), "B": right.get(name)}
            )
    return {
        "parameters": parameters,
        "node_params": node_params,
        "only_a": sorted(set(nodes_a) - set(nodes_b)),
        "only_b": sorted(set(nodes_b) - set(nodes_a)),
        "changed": changed,
        "metrics": metrics,
    }


def origin_text(origin: dict[str, Any] | None) -> str:
    """ " · pipeline endpoint NAME v2 (schedule ID)" for a run an endpoint started, else ""."""
    if not origin:
        return ""
    text = f" · pipeline endpoint **{origin['endpoint']}** v{origin['version']}"
    if origin.get("schedule_id"):
        text += f" (schedule {origin['schedule_id']})"
    return text
