"""A step writes its outputs without fsync: they are recomputable (docs/architecture.md)."""

from __future__ import annotations

import os

import pandas as pd

import components
from jobs.step import _save_outputs
from storage import ArtifactStore


def test_a_step_s_outputs_are_written_without_fsync(tmp_path, monkeypatch):
    fsyncs: list[int] = []
    monkeypatch.setattr(os, "fsync", fsyncs.append)
    component = components.get("clean_missing_data")
    frame = pd.DataFrame({"x": [1.0, None, 3.0]})
    outputs = component.run({"dataset": frame}, {})
    store = ArtifactStore(tmp_path)
    uris, _, _ = _save_outputs(outputs, component, store)
    assert sorted(uris) == ["cleaned_dataset", "cleaning_transformation"]
    assert all(store.exists(uri) for uri in uris.values())
    assert fsyncs == []
