"""What the canvas draws, as plain data: nodes with their typed ports, edges, the palette.

Pure functions over the pipeline spec and the component catalogue (component id -> spec dict,
as /components gives it), tested without Streamlit or a browser.
"""

from __future__ import annotations

from typing import Any

from jobs.pipeline import DATASET_PORT

DATASET_OUTPUT = {"name": DATASET_PORT, "label": "Dataset", "kind": "dataset", "optional": False}
DATASETS = "Datasets"


def canvas_nodes(
    spec: dict[str, Any],
    catalogue: dict[str, dict[str, Any]],
    *,
    states: dict[str, str] | None = None,
    issues: dict[str | None, list[dict[str, Any]]] | None = None,
    details: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One entry per node: title, ports (name, label, kind), position, state and issues.

    Args:
        spec: the pipeline spec.
        catalogue: component id -> component spec dict.
        states: node id -> a step status (run view) or "issue"; nodes without one are "ok".
        issues: validation issues by node id (their messages show on the node's badge).
        details: node id -> a short text for the node's second line (a step's duration).
    """
    states, issues, details = states or {}, issues or {}, details or {}
    found = []
    for item in spec.get("nodes", []):
        node_id = item["id"]
        if "dataset" in item:
            version = item.get("dataset_version")
            title = item["dataset"] + (f" (v{version})" if version else "")
            inputs, outputs, description = [], [DATASET_OUTPUT], "Dataset"
        else:
            component = catalogue.get(item.get("component", ""), {})
            title = component.get("name", item.get("component", "?"))
            inputs = [_port(p) for p in component.get("inputs", [])]
            outputs = [_port(p) for p in component.get("outputs", [])]
            description = component.get("description", "")
        node_issues = [_issue_text(i) for i in issues.get(node_id, [])]
        state = states.get(node_id) or ("issue" if node_issues else "ok")
        position = item.get("position")
        found.append(
            {
                "id": node_id,
                "title": title,
                "description": description,
                "dataset": "dataset" in item,
                "inputs": inputs,
                "outputs": outputs,
                "position": [float(position[0]), float(position[1])] if position else None,
                "state": state,
                "issues": node_issues,
                "comment": (item.get("comment") or "").strip()[:80],
                "detail": details.get(node_id, ""),
            }
        )
    return found


def canvas_edges(spec: dict[str, Any]) -> list[dict[str, str]]:
    return [{"source": e["source"], "target": e["target"]} for e in spec.get("edges", [])]


def palette_groups(
    grouped: dict[str, list[dict[str, Any]]], datasets: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The palette: datasets first (open), then components by category (closed)."""
    groups = [
        {
            "category": DATASETS,
            "open": True,
            "items": [
                {
                    "key": f"dataset:{d['name']}",
                    "name": d["name"],
                    "description": d.get("description") or "",
                    "add": {"dataset": d["name"]},
                }
                for d in datasets
            ],
        }
    ]
    for category, members in grouped.items():
        groups.append(
            {
                "category": category,
                "open": False,
                "items": [
                    {
                        "key": c["id"],
                        "name": c["name"],
                        "description": c.get("description") or "",
                        "add": {"component": c["id"]},
                    }
                    for c in members
                ],
            }
        )
    return groups


def _port(port: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": port["name"],
        "label": port.get("label") or port["name"],
        "kind": port["kind"],
        "optional": bool(port.get("optional")),
    }


def _issue_text(issue: dict[str, Any]) -> str:
    field = issue.get("field")
    return f"{field}: {issue['message']}" if field else issue["message"]
