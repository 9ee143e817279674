"""Converting finished training runs into real-time and batch inference pipelines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jobs.inference.convert import (
    BATCH_PARAMETER,
    gather_facts,
    inference_pipeline,
    scorer_nodes,
)
from jobs.inference.errors import ConversionError
from jobs.pipeline import PipelineSpec
from jobs.validate import validate_pipeline
from storage.artifacts import ArtifactStore
from storage.samples import load_sample
from tests.jobs.inference.conftest import StoredRun, example, run_in_store

TRAINING_ONLY = {
    "split_data",
    "train_model",
    "linear_regression",
    "evaluate_model",
    "smote",
    "filter_based_feature_selection",
    "two_class_boosted_decision_tree",
    "tune_model_hyperparameters",
    "cross_validate_model",
}


@pytest.fixture(scope="module")
def tutorial(store: ArtifactStore, tmp_path_factory: pytest.TempPathFactory) -> StoredRun:
    return run_in_store(example("automobile_price"), store, tmp_path_factory.mktemp("run"))


def realtime(run: StoredRun, store: ArtifactStore, **options) -> dict:
    facts = gather_facts(run.spec, run.outputs, run.dataset_uris, store)
    return inference_pipeline(run.spec, facts, kind="realtime", run_id="run-t", **options)


def components_of(document: dict) -> dict[str, str]:
    return {n["id"]: n.get("component") or "dataset" for n in document["nodes"]}


def test_tutorial_becomes_a_valid_realtime_pipeline(
    tutorial: StoredRun, store: ArtifactStore
) -> None:
    """Training steps go, the model and the cleaning are frozen, web service nodes come."""
    document = realtime(tutorial, store)
    nodes = components_of(document)
    assert not set(nodes.values()) & TRAINING_ONLY
    assert nodes["MD-train"] == "frozen_model"
    assert nodes["TD-clean"] == "frozen_transformation"
    assert nodes["apply-clean"] == "apply_transformation"
    assert nodes["select"] == "select_columns_in_dataset"
    assert nodes["web_service_input"] == "web_service_input"
    assert nodes["web_service_output"] == "web_service_output"
    by_id = {n["id"]: n for n in document["nodes"]}
    assert by_id["MD-train"]["params"]["artifact"] == tutorial.outputs["train"]["trained_model"]
    assert (
        by_id["TD-clean"]["params"]["artifact"]
        == tutorial.outputs["clean"]["cleaning_transformation"]
    )
    # The label is left out of the request schema without any manual rewiring.
    assert by_id["web_service_input"]["params"]["columns"]["rules"] == [
        {"action": "exclude", "by": "names", "values": ["Price"]}
    ]
    edges = {(e["source"], e["target"]) for e in document["edges"]}
    assert {
        ("cars.dataset", "web_service_input.dataset"),
        ("web_service_input.dataset_out", "select.dataset"),
        ("select.results_dataset", "apply-clean.dataset"),
        ("TD-clean.transformation", "apply-clean.transformation"),
        ("apply-clean.transformed_dataset", "score.dataset"),
        ("MD-train.trained_model", "score.trained_model"),
        ("score.scored_dataset", "web_service_output.dataset"),
    } == edges
    assert validate_pipeline(PipelineSpec.from_dict(document)) == []


def test_inference_run_scores_like_the_training_run(
    tutorial: StoredRun, store: ArtifactStore, tmp_path: Path
) -> None:
    """Scored Labels of the inference run equal Score Model's in training for the same rows."""
    document = realtime(tutorial, store, output_columns=None)
    inference = run_in_store(document, store, tmp_path)
    answer = store.get_table(inference.outputs["web_service_output"]["dataset_out"])
    trained = store.get_table(tutorial.outputs["score"]["scored_dataset"])
    assert "Price" not in answer.columns
    keys = [c for c in trained.columns if c not in ("Price", "Scored Labels")]
    merged = trained.merge(answer, on=keys, suffixes=("_training", "_inference"))
    assert len(merged) == len(trained)
    np.testing.assert_allclose(
        merged["Scored Labels_inference"], merged["Scored Labels_training"], rtol=1e-12
    )


def test_output_can_be_trimmed(tutorial: StoredRun, store: ArtifactStore, tmp_path: Path) -> None:
    document = realtime(tutorial, store, output_columns=["Scored Labels"])
    inference = run_in_store(document, store, tmp_path)
    answer = store.get_table(inference.outputs["web_service_output"]["dataset_out"])
    assert list(answer.columns) == ["Scored Labels"]


def test_batch_pipeline_scores_the_dataset_named_by_its_parameter(
    tutorial: StoredRun, store: ArtifactStore, tmp_path: Path
) -> None:
    facts = gather_facts(tutorial.spec, tutorial.outputs, tutorial.dataset_uris, store)
    document = inference_pipeline(tutorial.spec, facts, kind="batch", run_id="run-t")
    nodes = components_of(document)
    assert "web_service_input" not in nodes and not set(nodes.values()) & TRAINING_ONLY
    assert document["parameters"] == [
        {"name": BATCH_PARAMETER, "type": "string", "default": "automobile-price"}
    ]
    cars = next(n for n in document["nodes"] if n["id"] == "cars")
    assert cars["dataset_param"] == BATCH_PARAMETER
    # New cars without their price, under another dataset name.
    new_cars = load_sample("automobile-price").drop(columns=["Price"]).tail(20)
    run = run_in_store(
        document,
        store,
        tmp_path,
        parameters={BATCH_PARAMETER: "new-cars"},
        datasets={"new-cars": new_cars},
    )
    assert PipelineSpec.from_dict(run.spec).node("cars").dataset == "new-cars"
    scored = store.get_table(run.outputs["score"]["scored_dataset"])
    model = store.get_object(tutorial.outputs["train"]["trained_model"])
    kept = new_cars.dropna(
        subset=[c for c in new_cars.columns if c not in ("Min.Price", "Max.Price", "Make", "Model")]
    )
    expected = model.pipeline.predict(model.features.prepare(kept))
    np.testing.assert_allclose(scored["Scored Labels"].to_numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize(
    "name,label", [("binary_feature_selection", "type"), ("multiclass_one_vs_all", "species")]
)
def test_classification_samples_convert_and_agree(
    name: str, label: str, store: ArtifactStore, tmp_path: Path
) -> None:
    """Label-only steps (Edit Metadata on the label) and Filter Based Feature Selection go."""
    training = run_in_store(example(name), store, tmp_path)
    document = realtime(training, store)
    assert not set(components_of(document).values()) & TRAINING_ONLY
    assert "label_to_boolean" not in components_of(document)
    inference = run_in_store(document, store, tmp_path)
    answer = store.get_table(inference.outputs["web_service_output"]["dataset_out"])
    assert label not in answer.columns
    trained = store.get_table(training.outputs["score"]["scored_dataset"])
    keys = [c for c in answer.columns if c in trained.columns and not c.startswith("Scored")]
    merged = trained.drop_duplicates(keys).merge(
        answer.drop_duplicates(keys), on=keys, suffixes=("_training", "_inference")
    )
    assert len(merged) >= 0.9 * len(trained)
    assert (merged["Scored Labels_inference"] == merged["Scored Labels_training"]).all()
    probabilities = [c for c in trained.columns if c.startswith("Scored Probabilities")]
    for column in probabilities:
        np.testing.assert_allclose(
            merged[f"{column}_inference"], merged[f"{column}_training"], rtol=1e-12
        )


def test_scorer_can_be_chosen_among_several(store: ArtifactStore, tmp_path: Path) -> None:
    training = run_in_store(example("regression_compare_models"), store, tmp_path)
    assert set(scorer_nodes(training.spec)) == {"score_forest", "score_boosted"}
    default = components_of(realtime(training, store))
    assert "score_forest" in default and "score_boosted" not in default
    chosen = components_of(realtime(training, store, score_node="score_boosted"))
    assert "score_boosted" in chosen and "MD-train_boosted" in chosen
    with pytest.raises(ConversionError, match="not a Score Model step"):
        realtime(training, store, score_node="compare")


def test_a_run_without_score_model_is_refused(store: ArtifactStore, tmp_path: Path) -> None:
    document = example("automobile_price")
    document["nodes"] = [n for n in document["nodes"] if n["id"] not in ("score", "evaluate")]
    document["edges"] = [
        e for e in document["edges"] if not e["target"].startswith(("score.", "evaluate."))
    ]
    training = run_in_store(document, store, tmp_path)
    with pytest.raises(ConversionError, match="no Score Model"):
        realtime(training, store)


def test_an_incomplete_run_is_refused(tutorial: StoredRun, store: ArtifactStore) -> None:
    facts = gather_facts(tutorial.spec, tutorial.outputs, tutorial.dataset_uris, store)
    partial = type(facts)(
        outputs={k: v for k, v in facts.outputs.items() if k != "train"},
        dataset_columns=facts.dataset_columns,
        model_labels={},
        first_values=facts.first_values,
    )
    with pytest.raises(ConversionError, match="must complete"):
        inference_pipeline(tutorial.spec, partial)


def test_label_is_removed_from_kept_column_selections(store: ArtifactStore, tmp_path: Path) -> None:
    """A selection that names the label would fail on requests; the label is taken out."""
    document = example("automobile_price")
    select = next(n for n in document["nodes"] if n["id"] == "select")
    select["params"]["columns"] = {
        "begin": "none",
        "rules": [
            {
                "action": "include",
                "by": "names",
                "values": ["Price", "Horsepower", "EngineSize", "Type"],
            }
        ],
    }
    training = run_in_store(document, store, tmp_path)
    converted = realtime(training, store)
    kept = next(n for n in converted["nodes"] if n["id"] == "select")
    assert kept["params"]["columns"]["rules"][0]["values"] == ["Horsepower", "EngineSize", "Type"]
    inference = run_in_store(converted, store, tmp_path)
    answer = store.get_table(inference.outputs["web_service_output"]["dataset_out"])
    assert set(answer.columns) == {"Horsepower", "EngineSize", "Type", "Scored Labels"}
    assert isinstance(answer, pd.DataFrame) and len(answer) > 80
