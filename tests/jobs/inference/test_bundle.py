"""The bundle: one self-contained, hash-checked file that scores like Score Model did."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import shutil
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest

from jobs.inference import compiled
from jobs.inference.bundle import FORMAT, FORMAT_VERSION, load_bundle, write_bundle
from jobs.inference.errors import BundleError, RequestError
from storage.samples import load_sample
from tests.jobs.inference.conftest import (
    TutorialBundle,
    build_tutorial_bundle,
    scored_test_rows,
)


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> TutorialBundle:
    return build_tutorial_bundle(tmp_path_factory.mktemp("tutorial"))


def test_manifest_describes_schema_sample_and_lineage(tutorial: TutorialBundle) -> None:
    manifest = tutorial.info.manifest
    assert manifest["format"] == FORMAT and manifest["format_version"] == FORMAT_VERSION
    assert tutorial.info.path.name == f"{tutorial.info.sha256}.fbbundle"
    [schema] = manifest["inputs"]
    columns = {c["name"]: c for c in schema["columns"]}
    cars = load_sample("automobile-price")
    assert set(columns) == set(cars.columns) - {"Price"}
    assert columns["Horsepower"]["type"] == "Integer"
    assert columns["EngineSize"]["type"] == "Double"
    assert columns["Type"]["type"] == "String"
    # Clean Missing Data removes rows with a missing value: those columns are required; the
    # columns Select Columns drops may be missing.
    assert columns["Horsepower"]["nullable"] is False
    assert columns["Rear.seat.room"]["nullable"] is False
    assert columns["Model"]["nullable"] is True
    [row] = manifest["sample_request"]["Inputs"]["WebServiceInput0"]
    assert "Price" not in row and manifest["sample_request"]["GlobalParameters"] == {}
    matches = cars[(cars["Model"] == row["Model"]) & (cars["Manufacturer"] == row["Manufacturer"])]
    assert len(matches) == 1 and matches.iloc[0]["Horsepower"] == row["Horsepower"]
    lineage = manifest["lineage"]
    assert lineage["training_run"] == "run-training"
    assert lineage["datasets"] == [{"node": "cars", "dataset": "automobile-price", "version": 1}]
    assert {f["node"] for f in lineage["frozen"]} == {"MD-train", "TD-clean"}
    assert [o["name"] for o in manifest["outputs"]] == ["WebServiceOutput0"]


def test_scores_equal_the_training_runs_score_model(tutorial: TutorialBundle) -> None:
    """Both the compiled fast path and the plain pipeline give Score Model's numbers."""
    bundle = load_bundle(tutorial.info.path)
    assert bundle.engine == "compiled"
    rows, expected = scored_test_rows(tutorial)
    fast = [r["Scored Labels"] for r in bundle.score(rows)]
    plain = [
        r["Scored Labels"]
        for r in bundle.score_plain({"WebServiceInput0": rows})["WebServiceOutput0"]
    ]
    np.testing.assert_allclose(fast, expected, rtol=1e-12)
    np.testing.assert_allclose(plain, expected, rtol=1e-12)


def test_a_bundle_made_when_objects_were_joblib_files_still_scores(
    tutorial: TutorialBundle, tmp_path: Path
) -> None:
    """Bundles written before objects were plain pickles hold `.joblib` members."""
    source = zipfile.ZipFile(tutorial.info.path)
    manifest = json.loads(source.read("manifest.json"))
    assert all(m.endswith(".pkl") for m in manifest["objects"].values())
    members = {n: source.read(n) for n in source.namelist() if n != "manifest.json"}
    for uri, name in list(manifest["objects"].items()):
        buffer = io.BytesIO()
        joblib.dump(pickle.loads(members.pop(name)), buffer)
        old = f"objects/{hashlib.sha256(buffer.getvalue()).hexdigest()}.joblib"
        members[old] = buffer.getvalue()
        manifest["objects"][uri] = old
    manifest["files"] = {n: hashlib.sha256(d).hexdigest() for n, d in members.items()}
    target = tmp_path / "older.fbbundle"
    with zipfile.ZipFile(target, "w") as out:
        out.writestr("manifest.json", json.dumps(manifest))
        for name, data in members.items():
            out.writestr(name, data)
    rows, expected = scored_test_rows(tutorial)
    scored = [r["Scored Labels"] for r in load_bundle(target).score(rows)]
    np.testing.assert_allclose(scored, expected, rtol=1e-12)


def test_batch_scoring_of_a_table_matches_row_scoring(tutorial: TutorialBundle) -> None:
    bundle = load_bundle(tutorial.info.path)
    rows, expected = scored_test_rows(tutorial)
    table = bundle.input_schema.frame(rows * 50)
    scored = bundle.score_frame(table)
    np.testing.assert_allclose(scored["Scored Labels"].to_numpy(), expected * 50, rtol=1e-12)


def test_fast_path_that_disagrees_is_not_used(
    tutorial: TutorialBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = compiled.CompiledPipeline._scores

    def off_by_a_little(self, matrix):
        scores = original(self, matrix)
        return {k: v * (1 + 1e-7) for k, v in scores.items()}

    monkeypatch.setattr(compiled.CompiledPipeline, "_scores", off_by_a_little)
    bundle = load_bundle(tutorial.info.path)
    assert bundle.engine == "pipeline" and "disagreed" in bundle.fast_path_note
    rows, expected = scored_test_rows(tutorial)
    np.testing.assert_allclose(
        [r["Scored Labels"] for r in bundle.score(rows)], expected, rtol=1e-12
    )


def test_a_modified_file_is_refused(tutorial: TutorialBundle, tmp_path: Path) -> None:
    data = bytearray(tutorial.info.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    changed = tmp_path / tutorial.info.path.name
    changed.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="does not match its name"):
        load_bundle(changed)
    renamed = tmp_path / "endpoint.fbbundle"
    shutil.copy(tutorial.info.path, renamed)
    load_bundle(renamed)  # no hash in the name: loads
    with pytest.raises(BundleError, match="expected hash"):
        load_bundle(renamed, expected_sha256="0" * 64)


def test_a_changed_member_is_refused(tutorial: TutorialBundle, tmp_path: Path) -> None:
    """Rebuilt zip with a swapped model: the manifest hash catches it before unpickling."""
    source = zipfile.ZipFile(tutorial.info.path)
    target = tmp_path / "tampered.fbbundle"
    with zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name.startswith("objects/"):
                data = data + b"\x00"
            out.writestr(name, data)
    with pytest.raises(BundleError, match="does not match its hash"):
        load_bundle(target)
    manifest = json.loads(source.read("manifest.json"))
    manifest["format_version"] = 99
    other = tmp_path / "future.fbbundle"
    with zipfile.ZipFile(other, "w") as out:
        out.writestr("manifest.json", json.dumps(manifest))
    with pytest.raises(BundleError, match="version 99"):
        load_bundle(other)
    (tmp_path / "junk.fbbundle").write_bytes(b"not a zip")
    with pytest.raises(BundleError, match="not a Flowbench bundle"):
        load_bundle(tmp_path / "junk.fbbundle")


def test_requests_are_checked_against_the_schema(tutorial: TutorialBundle) -> None:
    bundle = load_bundle(tutorial.info.path)
    [row] = bundle.sample_request["Inputs"]["WebServiceInput0"]
    bad = [
        {**row, "Horsepower": "fast"},
        {k: v for k, v in row.items() if k != "Weight"},
        {**row, "EngineSize": float("nan")},
        "not a row",
    ]
    with pytest.raises(RequestError) as caught:
        bundle.score(bad)
    problems = {(p["row"], p["column"]): p["problem"] for p in caught.value.problems}
    assert problems[(0, "Horsepower")].startswith("expected a whole number")
    assert problems[(1, "Weight")] == "missing column"
    assert problems[(2, "EngineSize")].startswith("missing value")
    assert problems[(3, None)].startswith("expected a JSON object")
    with pytest.raises(RequestError, match="empty"):
        bundle.score([])
    with pytest.raises(RequestError, match="missing from 'Inputs'"):
        bundle.score_request({"input1": [row]})


def test_a_training_run_is_not_a_bundle(tutorial: TutorialBundle) -> None:
    with pytest.raises(BundleError, match="not a real-time inference pipeline"):
        write_bundle(tutorial.store, tutorial.training.spec, tutorial.training.outputs)


def test_classification_bundle_with_normalization_agrees(tmp_path: Path) -> None:
    """Breast cancer replays Normalize Data: the plain path serves, with Score Model's answer."""
    built = build_tutorial_bundle(tmp_path, name="breast_cancer")
    bundle = load_bundle(built.info.path)
    tumors = load_sample("breast-cancer")
    # Score Model saw normalized rows; requests carry raw rows: take them from the dataset.
    raw = tumors.drop(columns=["diagnosis"]).iloc[:40]
    answer = bundle.score_frame(raw)
    model = built.store.get_object(built.training.outputs["train"]["trained_model"])
    normalizer = built.store.get_object(
        built.training.outputs["normalize"]["transformation_function"]
    )
    expected = model.predict_frame(normalizer.apply(tumors.iloc[:40]))
    assert (answer["Scored Labels"].to_numpy() == expected["Scored Labels"].to_numpy()).all()
    np.testing.assert_allclose(
        answer["Scored Probabilities"], expected["Scored Probabilities"], rtol=1e-12
    )


def test_multiclass_bundle_is_compiled_and_agrees(tmp_path: Path) -> None:
    """Boosted trees one-vs-all: the fast path (rows and tables) matches the pipeline."""
    built = build_tutorial_bundle(tmp_path, name="multiclass_one_vs_all")
    bundle = load_bundle(built.info.path)
    assert bundle.engine == "compiled", bundle.fast_path_note
    penguins = load_sample("penguins").dropna().drop(columns=["species"]).iloc[:60]
    rows = [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        for r in penguins.to_dict(orient="records")
    ]
    plain = bundle.score_plain({"WebServiceInput0": rows})["WebServiceOutput0"]
    fast = bundle.score(rows)
    table = bundle.score_frame(bundle.input_schema.frame(rows))
    assert [r["Scored Labels"] for r in fast] == [r["Scored Labels"] for r in plain]
    assert list(table["Scored Labels"]) == [r["Scored Labels"] for r in plain]
    for column in ("Scored Probabilities_Adelie", "Scored Probabilities_Gentoo"):
        np.testing.assert_allclose([r[column] for r in fast], [r[column] for r in plain], rtol=1e-9)
        np.testing.assert_allclose(table[column], [r[column] for r in plain], rtol=1e-9)
