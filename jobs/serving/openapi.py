"""The OpenAPI document a scoring server publishes at /swagger.json."""

from __future__ import annotations

from typing import Any

from jobs.inference.bundle import LoadedBundle
from jobs.inference.schema import json_type


def openapi_document(bundle: LoadedBundle) -> dict[str, Any]:
    """OpenAPI 3.0 for POST /score: each input's row schema, the answer's, and an example."""
    inputs = {
        i.name: {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": [c.name for c in i.columns if not c.nullable],
                "properties": {c.name: c.json_schema() for c in i.columns},
            },
        }
        for i in bundle.inputs
    }
    outputs = {
        name: {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    c["name"]: {"type": json_type(c["type"]), "nullable": True} for c in columns
                },
            },
        }
        for name, columns in bundle.output_columns.items()
    }
    error = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {"type": "integer"},
                    "message": {"type": "string"},
                    "details": {"type": "string"},
                    "problems": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "input": {"type": "string"},
                                "row": {"type": "integer", "nullable": True},
                                "column": {"type": "string", "nullable": True},
                                "problem": {"type": "string"},
                            },
                        },
                    },
                },
            }
        },
    }
    errors = {
        str(code): {"description": text, "content": {"application/json": {"schema": error}}}
        for code, text in (
            (400, "Malformed JSON or a request of the wrong shape"),
            (401, "No key or a wrong key"),
            (413, "Body too large"),
            (422, "Rows that do not fit the input schema (row, column and problem named)"),
        )
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"{bundle.manifest.get('pipeline', 'Flowbench')} (real-time endpoint)",
            "version": bundle.sha256[:12],
            "description": "Scores rows with a frozen Flowbench inference pipeline.",
        },
        "components": {"securitySchemes": {"Bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/score": {
                "post": {
                    "summary": "Score rows",
                    "operationId": "score",
                    "security": [{"Bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["Inputs"],
                                    "properties": {
                                        "Inputs": {
                                            "type": "object",
                                            "required": list(inputs),
                                            "properties": inputs,
                                        },
                                        "GlobalParameters": {"type": "object"},
                                    },
                                },
                                "example": bundle.sample_request,
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Scored rows",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "Results": {"type": "object", "properties": outputs}
                                        },
                                    }
                                }
                            },
                        },
                        **errors,
                    },
                }
            },
            "/health": {
                "get": {
                    "summary": "Health probe (no key)",
                    "responses": {"200": {"description": "Healthy"}},
                }
            },
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics",
                    "responses": {"200": {"description": "Prometheus text"}},
                }
            },
        },
    }
