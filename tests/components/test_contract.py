"""The contract every registered component must meet (STYLE.md 3.2).

A new component gets these checks for free; it only needs an entry in REQUIRED_PARAMS when it
has required parameters without defaults, in SCORED_INPUTS when it reads scored data, or in
COMPLETE_INPUTS when it refuses missing values. Components with needs run with the runner's
real StepRuntime, whose import folder holds the fixture table as fixture.csv.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import joblib
import numpy as np
import pandas as pd
import pytest

from components import all_components, metadata
from components.columns import by_names
from components.errors import ComponentInputError
from components.ml.learners import Learner, TrainedModel
from components.ml.python_model import PythonLearner, TrainedPythonModel
from components.ml.recommender import SvdRecommender
from components.ml.tasks import Task
from components.ml.transforms import Transformation
from components.registry import CATEGORIES, Component
from components.runtime import using_runtime
from components.spec import ComponentSpec, PortKind
from jobs.runtime import StepRuntime
from storage.artifacts import ArtifactStore

COMPONENTS = all_components()
IDS = [c.spec.id for c in COMPONENTS]

# Parameters a component cannot run without (required, no default) for the fixture table.
REQUIRED_PARAMS: dict[str, dict[str, Any]] = {
    "select_columns_in_dataset": {"columns": by_names("make", "price")},
    "normalize_data": {"columns": by_names("horsepower", "doors")},
    "edit_metadata": {"columns": by_names("make"), "categorical": "Categorical"},
    "enter_data_manually": {"data": "make,price\naudi,1200\nbmw,1500\n"},
    "import_data": {"location": "fixture.csv"},
    "export_data": {"path": "contract/fixture.csv"},
    "join_data": {"left_keys": by_names("make"), "right_keys": by_names("make")},
    "apply_math_operation": {"columns": by_names("horsepower", "doors")},
    "clip_values": {"columns": by_names("horsepower")},
    "convert_to_indicator_values": {"columns": by_names("body")},
    "group_data_into_bins": {"columns": by_names("horsepower")},
    "remove_duplicate_rows": {"key_columns": by_names("make", "body")},
    "smote": {"label_column": "expensive"},
    "filter_based_feature_selection": {"target_column": "price", "desired_features": 2},
    "preprocess_text": {"text_column": "make"},
    "extract_n_gram_features_from_text": {"text_column": "make", "min_document_frequency": 1},
    "feature_hashing": {"columns": by_names("make"), "bits": 4},
    "latent_dirichlet_allocation": {"columns": by_names("make", "expensive"), "passes": 3},
}
# Frozen nodes load a stored model or transformation; the contract's runtime stores the upstream
# object of that kind in its artifact store, and `params_for` points "artifact" at it.
FROZEN = {"frozen_model": PortKind.TRAINED_MODEL, "frozen_transformation": PortKind.TRANSFORMATION}
REQUIRED_PARAMS.update(
    {cid: {"artifact": "artifacts://objects/" + "0" * 64 + ".joblib"} for cid in FROZEN}
)
# Components that refuse missing values get the fixture table without its incomplete rows.
COMPLETE_INPUTS = {"smote"}
# Components whose dataset input must be the output of Score Model.
SCORED_INPUTS = {"evaluate_model"}
# The fixture column each kind of learner is trained to predict.
LABELS = {
    Task.REGRESSION: "price",
    Task.BINARY: "expensive",
    Task.MULTICLASS: "make",
    Task.QUANTILE_REGRESSION: "price",
}
# Learners trained without a label (Train Clustering / Anomaly Detection Model).
UNSUPERVISED = (Task.CLUSTERING, Task.ANOMALY_DETECTION)
# The fixture column a Python model (Create Python Model's default template: a two-class
# logistic regression on the numeric columns) is trained to predict.
PYTHON_MODEL_LABEL = "expensive"

# The designer's display names and palette categories (REFERENCE.md 1.1-1.4).
DESIGNER = {
    "select_columns_in_dataset": ("Select Columns in Dataset", "Data Transformation"),
    "clean_missing_data": ("Clean Missing Data", "Data Transformation"),
    "split_data": ("Split Data", "Data Transformation"),
    "normalize_data": ("Normalize Data", "Data Transformation"),
    "edit_metadata": ("Edit Metadata", "Data Transformation"),
    "linear_regression": ("Linear Regression", "Regression"),
    "boosted_decision_tree_regression": ("Boosted Decision Tree Regression", "Regression"),
    "two_class_logistic_regression": ("Two-Class Logistic Regression", "Classification"),
    "train_model": ("Train Model", "Model Training"),
    "score_model": ("Score Model", "Model Scoring and Evaluation"),
    "evaluate_model": ("Evaluate Model", "Model Scoring and Evaluation"),
    "apply_transformation": ("Apply Transformation", "Model Scoring and Evaluation"),
}
# The data, feature selection, statistics and text components of issue 4, part A.
DATA_AND_TEXT = {
    "enter_data_manually": ("Enter Data Manually", "Data Input and Output"),
    "import_data": ("Import Data", "Data Input and Output"),
    "export_data": ("Export Data", "Data Input and Output"),
    "add_columns": ("Add Columns", "Data Transformation"),
    "add_rows": ("Add Rows", "Data Transformation"),
    "apply_math_operation": ("Apply Math Operation", "Data Transformation"),
    "apply_sql_transformation": ("Apply SQL Transformation", "Data Transformation"),
    "clip_values": ("Clip Values", "Data Transformation"),
    "convert_to_csv": ("Convert to CSV", "Data Transformation"),
    "convert_to_dataset": ("Convert to Dataset", "Data Transformation"),
    "convert_to_indicator_values": ("Convert to Indicator Values", "Data Transformation"),
    "group_data_into_bins": ("Group Data into Bins", "Data Transformation"),
    "join_data": ("Join Data", "Data Transformation"),
    "partition_and_sample": ("Partition and Sample", "Data Transformation"),
    "remove_duplicate_rows": ("Remove Duplicate Rows", "Data Transformation"),
    "smote": ("SMOTE", "Data Transformation"),
    "select_columns_transform": ("Select Columns Transform", "Data Transformation"),
    "filter_based_feature_selection": ("Filter Based Feature Selection", "Feature Selection"),
    "summarize_data": ("Summarize Data", "Statistical Functions"),
    "preprocess_text": ("Preprocess Text", "Text Analytics"),
    "extract_n_gram_features_from_text": ("Extract N-Gram Features from Text", "Text Analytics"),
    "feature_hashing": ("Feature Hashing", "Text Analytics"),
    "latent_dirichlet_allocation": ("Latent Dirichlet Allocation", "Text Analytics"),
}


# The model, Python and recommendation components of issue 4, part B.
MODELS_AND_PYTHON = {
    "decision_forest_regression": ("Decision Forest Regression", "Regression"),
    "fast_forest_quantile_regression": ("Fast Forest Quantile Regression", "Regression"),
    "neural_network_regression": ("Neural Network Regression", "Regression"),
    "poisson_regression": ("Poisson Regression", "Regression"),
    "k_means_clustering": ("K-Means Clustering", "Clustering"),
    "multiclass_boosted_decision_tree": ("Multiclass Boosted Decision Tree", "Classification"),
    "multiclass_decision_forest": ("Multiclass Decision Forest", "Classification"),
    "multiclass_logistic_regression": ("Multiclass Logistic Regression", "Classification"),
    "multiclass_neural_network": ("Multiclass Neural Network", "Classification"),
    "one_vs_all_multiclass": ("One-vs-All Multiclass", "Classification"),
    "one_vs_one_multiclass": ("One-vs-One Multiclass", "Classification"),
    "two_class_averaged_perceptron": ("Two-Class Averaged Perceptron", "Classification"),
    "two_class_boosted_decision_tree": ("Two-Class Boosted Decision Tree", "Classification"),
    "two_class_decision_forest": ("Two-Class Decision Forest", "Classification"),
    "two_class_neural_network": ("Two-Class Neural Network", "Classification"),
    "two_class_support_vector_machine": ("Two-Class Support Vector Machine", "Classification"),
    "tune_model_hyperparameters": ("Tune Model Hyperparameters", "Model Training"),
    "train_clustering_model": ("Train Clustering Model", "Model Training"),
    "cross_validate_model": ("Cross Validate Model", "Model Scoring and Evaluation"),
    "assign_data_to_clusters": ("Assign Data to Clusters", "Model Scoring and Evaluation"),
    "permutation_feature_importance": ("Permutation Feature Importance", "Feature Selection"),
    "execute_python_script": ("Execute Python Script", "Python Language"),
    "create_python_model": ("Create Python Model", "Python Language"),
    "pca_based_anomaly_detection": ("PCA-Based Anomaly Detection", "Anomaly Detection"),
    "train_anomaly_detection_model": ("Train Anomaly Detection Model", "Anomaly Detection"),
    "train_svd_recommender": ("Train SVD Recommender", "Recommendation"),
    "score_svd_recommender": ("Score SVD Recommender", "Recommendation"),
    "evaluate_recommender": ("Evaluate Recommender", "Recommendation"),
}


def ratings() -> pd.DataFrame:
    """User-item-rating triples for the recommendation components."""
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "user": rng.choice(["ann", "bob", "cy", "di"], 40),
            "item": rng.choice(["i1", "i2", "i3", "i4", "i5"], 40),
            "rating": rng.integers(1, 6, 40),
        }
    )


def _trained(
    run: Callable[..., dict[str, Any]],
    trainer: str,
    learner: str,
    table: pd.DataFrame,
    **params: Any,
) -> Any:
    model = run(learner)["untrained_model"]
    return run(trainer, {"untrained_model": model, "dataset": table}, **params)["trained_model"]


def _recommender_inputs(run: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    model = run("train_svd_recommender", {"training_dataset": ratings()}, factors=4, iterations=3)[
        "trained_model"
    ]
    return {"trained_model": model, "dataset_to_score": ratings()}


# Components whose inputs must come from particular upstream components: id -> builder.
SPECIAL_INPUTS: dict[
    str, Callable[[pd.DataFrame, Callable[..., dict[str, Any]]], dict[str, Any]]
] = {
    "train_clustering_model": lambda table, run: {
        "untrained_model": run("k_means_clustering")["untrained_model"],
        "dataset": table,
    },
    "assign_data_to_clusters": lambda table, run: {
        "trained_model": _trained(run, "train_clustering_model", "k_means_clustering", table),
        "dataset": table,
    },
    "train_anomaly_detection_model": lambda table, run: {
        "untrained_model": run("pca_based_anomaly_detection")["untrained_model"],
        "dataset": table,
    },
    "one_vs_all_multiclass": lambda table, run: {
        "untrained_model": run("two_class_logistic_regression")["untrained_model"]
    },
    "one_vs_one_multiclass": lambda table, run: {
        "untrained_model": run("two_class_logistic_regression")["untrained_model"]
    },
    "permutation_feature_importance": lambda table, run: {
        "trained_model": _trained(
            run, "train_model", "two_class_logistic_regression", table, label_column="expensive"
        ),
        "test_data": table,
    },
    "train_svd_recommender": lambda table, run: {"training_dataset": ratings()},
    "score_svd_recommender": lambda table, run: _recommender_inputs(run),
    "evaluate_recommender": lambda table, run: {
        "test_dataset": ratings(),
        "scored_dataset": run("score_svd_recommender", _recommender_inputs(run))["scored_dataset"],
    },
}


def fit_learner(
    learner: Learner | PythonLearner, table: pd.DataFrame
) -> TrainedModel | TrainedPythonModel:
    """Train an untrained model the way its trainer component does.

    A Python model needs a runtime (`using_runtime`) around the call, as Train Model has one.
    """
    if isinstance(learner, PythonLearner):
        labelled = metadata.with_roles(table, {PYTHON_MODEL_LABEL: metadata.LABEL})
        return learner.fit(labelled, PYTHON_MODEL_LABEL)
    if learner.task in UNSUPERVISED:
        return learner.fit_unsupervised(table, [c for c in table.columns if c != "price"])
    label = LABELS[Task(learner.task)]
    return learner.fit(metadata.with_roles(table, {label: metadata.LABEL}), label)


def round_trip(value: Any) -> Any:
    buffer = io.BytesIO()
    joblib.dump(value, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


@pytest.fixture
def upstream(table: pd.DataFrame, run: Callable[..., dict[str, Any]]) -> dict[PortKind, Any]:
    """One object of each port kind, made by the components themselves."""
    learner = run("linear_regression")["untrained_model"]
    model = run("train_model", {"untrained_model": learner, "dataset": table})["trained_model"]
    transformation = run("normalize_data", {"dataset": table}, columns=by_names("horsepower"))[
        "transformation_function"
    ]
    return {
        PortKind.DATASET: table,
        PortKind.UNTRAINED_MODEL: learner,
        PortKind.TRAINED_MODEL: model,
        PortKind.TRANSFORMATION: transformation,
    }


def inputs_for(
    component: Component, upstream: dict[PortKind, Any], run: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    inputs = {port.name: upstream[port.kind] for port in component.spec.inputs}
    if component.spec.id in COMPLETE_INPUTS:
        inputs = {
            name: value.dropna().reset_index(drop=True)
            if isinstance(value, pd.DataFrame)
            else value
            for name, value in inputs.items()
        }
    if component.spec.id in SCORED_INPUTS:
        scored = run(
            "score_model",
            {
                "trained_model": upstream[PortKind.TRAINED_MODEL],
                "dataset": upstream[PortKind.DATASET],
            },
        )["scored_dataset"]
        inputs = {port.name: scored for port in component.spec.inputs}
    if component.spec.id in SPECIAL_INPUTS:
        inputs = SPECIAL_INPUTS[component.spec.id](upstream[PortKind.DATASET], run)
    return inputs


def test_all_twelve_designer_components_are_registered() -> None:
    """Every component of this issue is registered under its designer name and category."""
    registered = {c.spec.id: (c.spec.name, c.spec.category) for c in COMPONENTS}
    assert {cid: registered.get(cid) for cid in DESIGNER} == DESIGNER


def test_model_and_python_components_are_registered() -> None:
    """Part B's learners, trainers, evaluators, Python and recommenders are registered."""
    registered = {c.spec.id: (c.spec.name, c.spec.category) for c in COMPONENTS}
    assert {cid: registered.get(cid) for cid in MODELS_AND_PYTHON} == MODELS_AND_PYTHON


def test_data_and_text_components_are_registered() -> None:
    """Part A's data, feature-selection, statistics and text components are registered."""
    registered = {c.spec.id: (c.spec.name, c.spec.category) for c in COMPONENTS}
    assert {cid: registered.get(cid) for cid in DATA_AND_TEXT} == DATA_AND_TEXT


@pytest.fixture
def runtime(
    step_runtime: StepRuntime, table: pd.DataFrame, upstream: dict[PortKind, Any]
) -> StepRuntime:
    """The runner's runtime, with the fixture table as fixture.csv in its import folder and
    the upstream model and transformation in its artifact store."""
    table.to_csv(step_runtime.import_root / "fixture.csv", index=False)
    store = ArtifactStore(step_runtime.import_root.parent / "artifacts")
    step_runtime.artifact_store = store
    step_runtime.frozen_uris = {
        cid: store.put_object(upstream[kind])  # type: ignore[attr-defined]
        for cid, kind in FROZEN.items()
    }
    return step_runtime


def params_for(component: Component, runtime: StepRuntime) -> dict[str, Any]:
    """REQUIRED_PARAMS, with a frozen node's artifact stored in `runtime`'s store."""
    params = dict(REQUIRED_PARAMS.get(component.spec.id, {}))
    if component.spec.id in FROZEN:
        params["artifact"] = runtime.frozen_uris[component.spec.id]  # type: ignore[attr-defined]
    return params


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_spec_round_trips_through_json(component: Component) -> None:
    """The spec survives to_dict -> JSON -> from_dict unchanged."""
    spec = component.spec
    assert ComponentSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert spec.category in CATEGORIES
    assert spec.description, "the docstring's first paragraph describes the component"


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_defaults_satisfy_their_constraints(component: Component) -> None:
    """Every non-blank default passes its own check; only blank required params are reported."""
    for param in component.spec.params:
        if not param.is_blank(param.default):
            assert param.check(param.default) is None, param.name
    problems = component.spec.check_params(REQUIRED_PARAMS.get(component.spec.id, {}))
    assert problems == []


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_run_returns_declared_outputs(
    component: Component,
    upstream: dict[PortKind, Any],
    run: Callable[..., dict[str, Any]],
    runtime: StepRuntime,
) -> None:
    """A run on the fixture table returns each declared output, of its declared kind."""
    inputs = inputs_for(component, upstream, run)
    outputs = component.run(inputs, params_for(component, runtime), runtime)
    assert set(outputs) == {port.name for port in component.spec.outputs}
    expected_types = {
        PortKind.DATASET: pd.DataFrame,
        PortKind.UNTRAINED_MODEL: (Learner, PythonLearner),
        PortKind.TRAINED_MODEL: (TrainedModel, TrainedPythonModel, SvdRecommender),
        PortKind.TRANSFORMATION: Transformation,
    }
    for port in component.spec.outputs:
        assert isinstance(outputs[port.name], expected_types[port.kind]), port.name
    if component.spec.metrics_output:
        first_row = outputs[component.spec.metrics_output].iloc[0]
        assert pd.to_numeric(first_row, errors="coerce").notna().any()


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_model_outputs_survive_pickling(
    component: Component,
    table: pd.DataFrame,
    upstream: dict[PortKind, Any],
    run: Callable[..., dict[str, Any]],
    runtime: StepRuntime,
) -> None:
    """Models and transformations reload with joblib and then behave identically."""
    params = params_for(component, runtime)
    if component.spec.param("seed") is not None:
        params["seed"] = 1  # so that two fits of the same learner must agree
    outputs = component.run(inputs_for(component, upstream, run), params, runtime)
    for port in component.spec.outputs:
        original = outputs[port.name]
        if port.kind is PortKind.DATASET:
            continue
        restored = round_trip(original)
        if port.kind is PortKind.TRAINED_MODEL:
            pd.testing.assert_frame_equal(
                restored.predict_frame(table), original.predict_frame(table)
            )
        elif port.kind is PortKind.TRANSFORMATION:
            pd.testing.assert_frame_equal(restored.apply(table), original.apply(table))
        else:
            # A Python model trains and predicts in the sandbox, as inside Train Model.
            with using_runtime(runtime):
                pd.testing.assert_frame_equal(
                    fit_learner(restored, table).predict_frame(table),
                    fit_learner(original, table).predict_frame(table),
                )


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_model_outputs_load_safely_with_skops(
    component: Component,
    table: pd.DataFrame,
    upstream: dict[PortKind, Any],
    run: Callable[..., dict[str, Any]],
    runtime: StepRuntime,
) -> None:
    """Models and transformations also survive skops, the safe format, with few trusted types."""
    sio = pytest.importorskip("skops.io")
    outputs = component.run(
        inputs_for(component, upstream, run), params_for(component, runtime), runtime
    )
    for port in component.spec.outputs:
        if port.kind in (PortKind.TRAINED_MODEL, PortKind.TRANSFORMATION):
            data = sio.dumps(outputs[port.name])
            untrusted = sio.get_untrusted_types(data=data)
            assert all(t.startswith(("components.", "numpy.", "sklearn.")) for t in untrusted)
            restored = sio.loads(data, trusted=untrusted)
            if port.kind is PortKind.TRAINED_MODEL:
                pd.testing.assert_frame_equal(
                    restored.predict_frame(table), outputs[port.name].predict_frame(table)
                )
            else:
                pd.testing.assert_frame_equal(
                    restored.apply(table), outputs[port.name].apply(table)
                )


@pytest.mark.parametrize("component", COMPONENTS, ids=IDS)
def test_an_empty_table_gives_an_empty_output_or_a_message(
    component: Component,
    upstream: dict[PortKind, Any],
    run: Callable[..., dict[str, Any]],
    runtime: StepRuntime,
) -> None:
    """Every table input emptied (0 rows, same columns): the declared outputs, or a
    ComponentInputError naming the component and the empty input; never a raw error. A trained
    model is never one: nothing can be learned from no rows."""
    inputs = {
        name: value.iloc[:0] if isinstance(value, pd.DataFrame) else value
        for name, value in inputs_for(component, upstream, run).items()
    }
    if not any(isinstance(v, pd.DataFrame) for v in inputs.values()):
        pytest.skip("no table input")
    try:
        outputs = component.run(inputs, REQUIRED_PARAMS.get(component.spec.id, {}), runtime)
    except ComponentInputError as exc:
        assert component.spec.name in str(exc) and "no rows" in str(exc), str(exc)
        return
    assert set(outputs) == {port.name for port in component.spec.outputs}
    assert not any(port.kind is PortKind.TRAINED_MODEL for port in component.spec.outputs)


# Components that fit a transformation on a table.
FITTERS = [
    c
    for c in COMPONENTS
    if any(p.kind is PortKind.TRANSFORMATION for p in c.spec.outputs)
    and any(p.kind is PortKind.DATASET for p in c.spec.inputs)
]


@pytest.mark.parametrize("component", FITTERS, ids=[c.spec.id for c in FITTERS])
def test_a_transformation_fitted_on_an_empty_table_learned_nothing_from_rows(
    component: Component,
    upstream: dict[PortKind, Any],
    run: Callable[..., dict[str, Any]],
    runtime: StepRuntime,
) -> None:
    """What learns from rows refuses an empty table (above). A transformation fitted on an
    empty table anyway must learn nothing from rows: applied to the full table, it does what
    the same transformation fitted on the full table does. (Fitted on no rows, a normalizer
    turned every value into 0 and a binner put every value into one bin, without a word.)"""
    full = inputs_for(component, upstream, run)
    ports = [p.name for p in component.spec.outputs if p.kind is PortKind.TRANSFORMATION]
    tables = [name for name, value in full.items() if isinstance(value, pd.DataFrame)]
    params = params_for(component, runtime)
    empty = {n: v.iloc[:0] if isinstance(v, pd.DataFrame) else v for n, v in full.items()}
    try:
        fitted_on_nothing = component.run(empty, params, runtime)
    except ComponentInputError:
        return  # refused, as the test above allows
    fitted = component.run(full, params, runtime)
    table = full[tables[0]]
    for port in ports:
        pd.testing.assert_frame_equal(
            fitted_on_nothing[port].apply(table), fitted[port].apply(table)
        )
