"""Drafts over HTTP: create, autosave with revisions, undo, conflicts."""

import json

import pytest

from app.client import ClientError
from tests.conftest import ROOT

SPEC = json.loads((ROOT / "examples" / "automobile_price.json").read_text())


def test_autosave_keeps_history_and_undo_restores(client):
    """Each save bumps the revision; undo brings back the previous spec."""
    draft = client.create_draft("my pipeline", SPEC)
    changed = json.loads(json.dumps(SPEC))
    changed["nodes"][3]["params"]["fraction"] = 0.8
    saved = client.save_draft(draft.id, changed, expected_revision=draft.revision)
    assert saved.revision == draft.revision + 1
    assert client.get_draft(draft.id).spec["nodes"][3]["params"]["fraction"] == 0.8
    undone = client.undo_draft(draft.id)
    assert undone.spec == SPEC
    assert draft.id in [d.id for d in client.drafts()]


def test_stale_autosave_is_refused(client):
    """Saving over a newer revision is a 409, and the newer spec stays."""
    draft = client.create_draft("two tabs", SPEC)
    client.save_draft(draft.id, {**SPEC, "name": "tab one"}, expected_revision=draft.revision)
    with pytest.raises(ClientError) as caught:
        client.save_draft(draft.id, {**SPEC, "name": "tab two"}, expected_revision=draft.revision)
    assert caught.value.status == 409
    assert client.get_draft(draft.id).spec["name"] == "tab one"


def test_delete_then_get_is_404(client):
    """A deleted draft is gone."""
    draft = client.create_draft("short-lived", SPEC)
    client.delete_draft(draft.id)
    with pytest.raises(ClientError) as caught:
        client.get_draft(draft.id)
    assert caught.value.status == 404


def test_validate_reports_a_malformed_spec_as_one_issue(client):
    """A document of the wrong shape is one spec_format issue naming the path."""
    result = client.validate({"nodes": [{"id": "a"}]})
    assert not result.valid
    assert [(i.code, "nodes[0]" in i.message) for i in result.issues] == [("spec_format", True)]
