"""Sample pipelines: which files become templates, and the answer for an unknown one."""

from __future__ import annotations

import json

import pytest

from app.services.errors import NotFoundError
from app.services.templates import get_template, load_templates


def test_only_pipeline_documents_become_templates(tmp_path):
    (tmp_path / "cars.json").write_text(json.dumps({"name": "Cars", "nodes": [], "edges": []}))
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "settings.json").write_text(json.dumps({"theme": "dark"}))
    (tmp_path / "notes.txt").write_text("{}")
    found = load_templates(tmp_path)
    assert [(t.id, t.name) for t in found] == [("cars", "Cars")]
    assert get_template("cars", tmp_path).spec["nodes"] == []


def test_an_unknown_template_names_the_known_ones(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"nodes": []}))
    (tmp_path / "b.json").write_text(json.dumps({"nodes": []}))
    with pytest.raises(NotFoundError, match=r"No sample pipeline 'c'; known: a, b\."):
        get_template("c", tmp_path)
