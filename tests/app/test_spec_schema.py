"""The OpenAPI document describes a pipeline spec (nodes, edges, parameters), not a free object."""

from pathlib import Path

import pytest

from app.api.main import create_app
from app.settings import Settings

# Building the app only describes the routes; nothing starts and no workspace is opened.
OPENAPI = create_app(Settings(home=Path("/nonexistent"), redis_url=None)).openapi()
SCHEMAS = OPENAPI["components"]["schemas"]


def resolve(schema):
    """The schema a `$ref` (or a nullable `anyOf` of one) points at."""
    for option in schema.get("anyOf", [schema]):
        if "$ref" in option:
            return SCHEMAS[option["$ref"].rsplit("/", 1)[-1]]
    return schema


def request_spec(path, method="post"):
    body = OPENAPI["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return resolve(resolve(body)["properties"]["spec"])


@pytest.mark.parametrize(
    "path",
    ["/runs", "/pipelines/validate", "/drafts", "/drafts/{draft_id}", "/pipelines/{name}/versions"],
)
def test_requests_describe_the_spec_with_its_nodes_and_edges(path):
    """Each route taking a spec describes its nodes (component or dataset) and edges."""
    method = "put" if path == "/drafts/{draft_id}" else "post"
    spec = request_spec(path, method)
    assert spec["required"] == ["nodes"]
    assert {"nodes", "edges", "parameters", "settings", "schema_version"} <= set(spec["properties"])
    node_kinds = [resolve(k) for k in spec["properties"]["nodes"]["items"]["anyOf"]]
    assert sorted(tuple(k["required"]) for k in node_kinds) == [
        ("id", "component"),
        ("id", "dataset"),
    ]
    edge = resolve(spec["properties"]["edges"]["items"])
    assert edge["required"] == ["source", "target"]
    parameter = resolve(spec["properties"]["parameters"]["items"])
    assert parameter["properties"]["type"]["enum"] == ["float", "int", "string", "bool", "dataset"]
