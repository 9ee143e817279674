"""Every example pipeline runs in process (jobs.local) and produces what it is meant to show."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import components
from jobs.local import run_locally
from jobs.pipeline import PipelineSpec
from jobs.validate import validate_pipeline
from storage.samples import load_sample

EXAMPLES_DIR = Path(__file__).parents[2] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.json"))

REGRESSION = [
    "Mean_Absolute_Error",
    "Root_Mean_Squared_Error",
    "Relative_Squared_Error",
    "Relative_Absolute_Error",
    "Coefficient_of_Determination",
]
BINARY = [
    "AUC",
    "Accuracy",
    "Precision",
    "Recall",
    "F1",
    "True Negative",
    "False Positive",
    "False Negative",
    "True Positive",
]
MULTICLASS = [
    "Overall_Accuracy",
    "Micro_Precision",
    "Macro_Precision",
    "Micro_Recall",
    "Macro_Recall",
]
CLUSTERING = [
    "Result Description",
    "Average Distance to Other Center",
    "Average Distance to Cluster Center",
    "Number of Points",
    "Maximal Distance to Cluster Center",
]

Results = dict[str, dict[str, Any]]


def metrics(results: Results, node: str, columns: list[str], rows: int) -> pd.DataFrame:
    """The Evaluate Model table of `node`, checked for its columns and number of rows."""
    table = results[node]["evaluation_results"]
    assert list(table.columns) == columns
    assert len(table) == rows
    return table


def _compare(results: Results, columns: list[str]) -> None:
    metrics(results, "compare", columns, 2)


def _feature_selection(results: Results) -> None:
    assert list(results["select_features"]["filtered_dataset"].columns) == [
        "type",
        "glu",
        "age",
        "bmi",
        "skin",
    ]
    metrics(results, "evaluate", BINARY, 1)


def _weighting(results: Results) -> None:
    plain, weighted = results["split"]["results_dataset1"], results["weight"]["result_dataset"]
    positives = int((plain["type"] == "Yes").sum())
    assert len(weighted) == len(plain) + 2 * positives
    table = metrics(results, "compare", BINARY, 2)
    assert table["Recall"].iloc[0] > table["Recall"].iloc[1]


def _smote(results: Results) -> None:
    plain, oversampled = results["split"]["results_dataset1"], results["smote"]["table"]
    positives = int((plain["type"] == "Yes").sum())
    assert len(oversampled) == len(plain) + positives
    metrics(results, "compare", BINARY, 2)


def _cross_validation(results: Results) -> None:
    by_fold = results["cross_validate"]["evaluation_results_by_fold"]
    assert by_fold["Fold number"].tolist() == list(range(10))
    assert by_fold["Number of examples in fold"].sum() == len(results["split"]["results_dataset1"])
    assert "Fold Number" in results["cross_validate"]["scored_results"].columns
    metrics(results, "evaluate", BINARY, 1)


def _importance(results: Results) -> None:
    ranked = results["importance"]["feature_importance"]
    features = results["train"]["trained_model"].feature_columns
    assert sorted(ranked["Feature"]) == sorted(features)
    assert ranked["Score"].is_monotonic_decreasing
    metrics(results, "evaluate", REGRESSION, 1)


def _tuning(results: Results) -> None:
    sweep = results["tune"]["sweep_results"]
    assert len(sweep) == 5 and "AUC" in sweep.columns
    assert sweep["Number of decision trees"].nunique() > 1
    metrics(results, "evaluate", BINARY, 1)


def _one_vs_all(results: Results) -> None:
    scored = results["score"]["scored_dataset"]
    assert {f"Scored Probabilities_{s}" for s in ("Adelie", "Chinstrap", "Gentoo")} <= set(
        scored.columns
    )
    metrics(results, "evaluate", MULTICLASS, 1)


def _clustering(results: Results) -> None:
    table = metrics(results, "evaluate", CLUSTERING, 4)
    assert table["Number of Points"].iloc[-1] == len(results["split"]["results_dataset2"])


def _python_model(results: Results) -> None:
    table = metrics(results, "compare", BINARY, 2)
    assert table["AUC"].iloc[0] > 0.9


# What each example must produce, by file name; a new example needs an entry.
EXPECTED: dict[str, Callable[[Results], None]] = {
    "automobile_price": lambda r: metrics(r, "evaluate", REGRESSION, 1),
    "breast_cancer": lambda r: metrics(r, "evaluate", BINARY, 1),
    "regression_compare_models": lambda r: _compare(r, REGRESSION),
    "binary_feature_selection": _feature_selection,
    "binary_python_script_weighting": _weighting,
    "binary_smote": _smote,
    "cross_validation_binary": _cross_validation,
    "permutation_feature_importance": _importance,
    "tune_hyperparameters_binary": _tuning,
    "multiclass_one_vs_all": _one_vs_all,
    "clustering_iris": _clustering,
    "create_python_model": _python_model,
}


def load(path: Path) -> PipelineSpec:
    """The example at `path`, parsed."""
    return PipelineSpec.from_dict(json.loads(path.read_text()))


def test_every_example_has_expectations_and_a_readme_entry() -> None:
    """Each example file is checked below and listed in examples/README.md."""
    readme = (EXAMPLES_DIR / "README.md").read_text()
    stems = {path.stem for path in EXAMPLES}
    assert stems == set(EXPECTED)
    assert {stem for stem in stems if f"`{stem}.json`" not in readme} == set()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_is_documented_and_laid_out(path: Path) -> None:
    """A name, a description naming the designer sample or component, and a position per node."""
    spec = load(path)
    assert spec.name and len(spec.description) > 60
    assert re.search(r"designer|Flowbench", spec.description)
    assert validate_pipeline(spec) == []
    positions = [node.position for node in spec.nodes]
    assert None not in positions and len(set(positions)) == len(positions)
    # Top-down: every edge runs downwards (or sideways) on the canvas.
    by_id = {node.id: node for node in spec.nodes}
    for edge in spec.edges:
        source, target = edge.source.split(".")[0], edge.target.split(".")[0]
        assert by_id[source].position[1] <= by_id[target].position[1], (source, target)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_locally_with_its_outputs(path: Path) -> None:
    """run_locally runs every step; metrics tables hold numbers; the example's checks pass."""
    spec = load(path)
    results = run_locally(spec, lambda name, version: load_sample(name))
    assert set(results) == {node.id for node in spec.nodes if not node.is_dataset}
    for node in spec.nodes:
        if node.is_dataset:
            continue
        component = components.get(node.component, node.version)
        assert set(results[node.id]) == {port.name for port in component.spec.outputs}
        if component.spec.metrics_output:
            table = results[node.id][component.spec.metrics_output]
            numbers = table.select_dtypes("number")
            assert not numbers.empty and numbers.notna().all().all(), node.id
    EXPECTED[path.stem](results)
