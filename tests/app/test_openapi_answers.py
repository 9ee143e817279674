"""Every JSON answer of the control plane is described in its OpenAPI document, so that a REST
caller (a published pipeline's client above all) can read what it gets back; the few answers
still described as a bare object are listed here with the reason."""

from __future__ import annotations

from pathlib import Path

from app.api.main import create_app
from app.settings import Settings

# (method, path) -> why its answer is still an object of any shape.
FREE_FORM = {
    ("GET", "/components/{component_id}"): "the component spec's own document (to_dict)",
    ("GET", "/datasets/{name}/versions/{version}/profile"): "per-column statistics by type",
    ("GET", "/runs/{run_id}/steps/{node_id}/evaluation"): "chart data by the step's task",
    ("GET", "/endpoints/{name}/stats"): "the scoring server's counters",
    ("GET", "/endpoints/{name}/schema"): "the bundle's input schema, columns by name",
    ("POST", "/endpoints/{name}/test"): "the scoring server's answer, passed through",
    ("GET", "/kubernetes/contexts"): "the kubeconfig's contexts",
    ("PUT", "/kubernetes/compute/{name}"): "the cluster's objects as applied",
    ("GET", "/kubernetes/compute/{name}"): "the cluster's objects as read",
    ("DELETE", "/kubernetes/compute/{name}"): "the cluster's objects as deleted",
}


def _free_form(schema: dict) -> bool:
    return (
        schema.get("type") == "object"
        and not schema.get("properties")
        and (schema.get("additionalProperties") in (True, None, {}))
    )


def test_every_json_answer_has_a_schema_but_the_listed_ones():
    document = create_app(Settings(home=Path("/nonexistent"), redis_url=None)).openapi()
    free = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                if code.startswith("2") and schema is not None and _free_form(schema):
                    free.add((method.upper(), path))
    assert free == set(FREE_FORM)
