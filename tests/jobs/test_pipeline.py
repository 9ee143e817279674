"""The pipeline spec: round trip and shape errors."""

import json
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from jobs.errors import SpecFormatError
from jobs.pipeline import PipelineDocument, PipelineSpec, param_ref

EXAMPLES = sorted(Path(__file__).parents[2].joinpath("examples").glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_round_trip(path):
    """Parsing then serializing an example gives a document that parses to the same spec."""
    spec = PipelineSpec.from_dict(json.loads(path.read_text()))
    again = PipelineSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert len(spec.nodes) >= 5


def test_param_ref_recognises_only_the_reference_shape():
    """{"$param": name} is a reference; anything else is a plain value."""
    assert param_ref({"$param": "fraction"}) == "fraction"
    assert param_ref({"$param": "a", "x": 1}) is None
    assert param_ref("fraction") is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], r"pipeline: expected an object"),
        ({"nodes": "x"}, r"nodes: expected a list"),
        ({"nodes": [{"id": "a"}]}, r"nodes\[0\]: a node has either 'component' or 'dataset'"),
        ({"nodes": [{"id": "a b", "dataset": "d"}]}, r"nodes\[0\]\.id: expected letters"),
        (
            {"nodes": [{"id": "a", "component": 5}]},
            r"nodes\[0\]\.component: expected text; got int",
        ),
        ({"nodes": [{"id": "a", "component": "c", "version": "1"}]}, r"nodes\[0\]\.version"),
        (
            {"nodes": [], "edges": [{"source": "a", "target": "b.x"}]},
            r"edges\[0\]\.source: expected 'node\.port'",
        ),
        (
            {"nodes": [], "parameters": [{"name": "p", "type": "list"}]},
            r"parameters\[0\]\.type: expected one of",
        ),
        ({"schema_version": 9, "nodes": []}, r"schema_version: this Flowbench reads version 1"),
    ],
)
def test_shape_errors_name_the_path(document, message):
    """A malformed document is refused with the path of what is wrong."""
    with pytest.raises(SpecFormatError, match=message):
        PipelineSpec.from_dict(document)


DOCUMENT = TypeAdapter(PipelineDocument)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_documents_fit_the_declared_document_type(path):
    """The declared document type (the API's schema) accepts what the parser reads and writes."""
    text = path.read_text()
    DOCUMENT.validate_json(text, strict=True)
    DOCUMENT.validate_json(
        json.dumps(PipelineSpec.from_dict(json.loads(text)).to_dict()), strict=True
    )


@pytest.mark.parametrize(
    "document",
    [
        {"nodes": [{"id": "a", "dataset": "d"}], "edges": [{"source": "a.dataset"}]},
        {"nodes": [{"id": "a", "dataset": "d", "position": [1]}]},
        {"nodes": [], "parameters": [{"name": "p", "type": "list"}]},
        {"edges": []},
    ],
)
def test_the_document_type_refuses_what_the_parser_refuses(document):
    """Missing target, a one-number position, an unknown type, no nodes: both say no."""
    with pytest.raises(ValidationError):
        DOCUMENT.validate_python(document, strict=True)
    with pytest.raises(SpecFormatError):
        PipelineSpec.from_dict(document)
