"""K-Means Clustering, Train Clustering Model and Assign Data to Clusters."""

from __future__ import annotations

from typing import Any

import pandas as pd

from components import columns as column_selection
from components import metadata
from components.errors import ComponentInputError
from components.inputs import expect_instance
from components.ml import column_types
from components.ml.estimators import (
    FILL_MISSING,
    FIRST_N,
    IGNORE_LABEL,
    KMEANS_PLUS_PLUS,
    OVERWRITE,
    RANDOM,
    KMeansClusterer,
)
from components.ml.learner_params import SINGLE, UNTRAINED_MODEL_OUTPUT, seed_param
from components.ml.learners import Learner, TrainedModel
from components.ml.score_columns import ASSIGNMENTS
from components.ml.tasks import Task
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

FEATURES = {"begin": "none", "rules": [{"action": "include", "by": "kinds", "values": ["Feature"]}]}
APPEND = Param(
    "append",
    ParamType.BOOL,
    "Check for append or uncheck for result only",
    default=True,
    help="Unchecked: output only the cluster assignments and distances.",
)


@component(
    id="k_means_clustering",
    name="K-Means Clustering",
    category="Clustering",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[
        Param(
            "create_trainer_mode",
            ParamType.CHOICE,
            "Create trainer mode",
            default=SINGLE,
            choices=(SINGLE,),
            help="K-Means has no parameter ranges to sweep.",
        ),
        Param("number_of_centroids", ParamType.INT, "Number of centroids", default=2, min=2),
        Param(
            "initialization",
            ParamType.CHOICE,
            "Initialization",
            default=KMEANS_PLUS_PLUS,
            choices=(FIRST_N, RANDOM, KMEANS_PLUS_PLUS),
            help="Default: the first N rows are the initial centroids.",
        ),
        seed_param(),
        Param("metric", ParamType.CHOICE, "Metric", default="Euclidean", choices=("Euclidean",)),
        Param(
            "normalize_features",
            ParamType.BOOL,
            "Normalize features",
            default=True,
            help="Scale every feature to [0, 1] (MinMax) before clustering.",
        ),
        Param("iterations", ParamType.INT, "Iterations", default=100, min=1),
        Param(
            "assign_label_mode",
            ParamType.CHOICE,
            "Assign label mode",
            default=IGNORE_LABEL,
            choices=(IGNORE_LABEL, FILL_MISSING, OVERWRITE),
            help="With a label column: leave it, fill its missing values, or overwrite it "
            "with the label of the training row closest to each cluster's center.",
        ),
    ],
)
def k_means_clustering(
    *,
    create_trainer_mode: str,
    number_of_centroids: int,
    initialization: str,
    seed: int | None,
    metric: str,
    normalize_features: bool,
    iterations: int,
    assign_label_mode: str,
) -> dict[str, Any]:
    """Configure and initialize a K-means clustering model (one run of scikit-learn KMeans)."""
    estimator = KMeansClusterer(
        n_clusters=number_of_centroids,
        init=initialization,
        max_iter=iterations,
        normalize=normalize_features,
        label_mode=assign_label_mode,
        random_state=seed,
    )
    return {"untrained_model": Learner("K-Means Clustering", Task.CLUSTERING, estimator)}


@component(
    id="train_clustering_model",
    name="Train Clustering Model",
    category="Model Training",
    inputs=[
        Port("untrained_model", PortKind.UNTRAINED_MODEL, "Untrained model"),
        Port("dataset", PortKind.DATASET, "Dataset"),
    ],
    outputs=[
        Port("trained_model", PortKind.TRAINED_MODEL, "Trained model"),
        Port("results_dataset", PortKind.DATASET, "Results dataset"),
    ],
    params=[
        Param(
            "column_set",
            ParamType.COLUMNS,
            "Column set",
            default=FEATURES,
            help="The columns to cluster on; the label column is never one of them.",
        ),
        APPEND,
    ],
)
def train_clustering_model(
    untrained_model: Learner, dataset: pd.DataFrame, *, column_set: dict[str, Any], append: bool
) -> dict[str, Any]:
    """Train a clustering model and assign the training rows to clusters."""
    learner = expect_instance(
        untrained_model,
        Learner,
        "Untrained model",
        "an untrained clustering model such as K-Means Clustering",
    )
    if learner.task != Task.CLUSTERING:
        raise ComponentInputError(
            f"Train Clustering Model needs a clustering model such as K-Means Clustering; "
            f"'{learner.name}' is a {learner.task.text} model."
        )
    label = _label_column(dataset)
    chosen = column_selection.resolve(dataset, column_set)
    model = learner.fit_unsupervised(dataset, chosen, label)
    return {"trained_model": model, "results_dataset": assign(model, dataset, append)}


@component(
    id="assign_data_to_clusters",
    name="Assign Data to Clusters",
    category="Model Scoring and Evaluation",
    inputs=[
        Port("trained_model", PortKind.TRAINED_MODEL, "Trained model"),
        Port("dataset", PortKind.DATASET, "Dataset"),
    ],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
    params=[APPEND],
)
def assign_data_to_clusters(
    trained_model: TrainedModel, dataset: pd.DataFrame, *, append: bool
) -> dict[str, Any]:
    """Assign data to clusters using an existing trained clustering model."""
    model = expect_instance(
        trained_model, TrainedModel, "Trained model", "a model trained by Train Clustering Model"
    )
    if model.task != Task.CLUSTERING:
        raise ComponentInputError(
            f"Assign Data to Clusters needs a model from Train Clustering Model; '{model.name}' "
            f"is a {model.task.text} model (use Score Model)."
        )
    return {"results_dataset": assign(model, dataset, append)}


def assign(model: TrainedModel, dataset: pd.DataFrame, append: bool) -> pd.DataFrame:
    """`dataset` (or only its label, unless `append`) with assignments and distances added."""
    scores = model.predict_frame(dataset)
    label = model.label_column if model.label_column in dataset.columns else None
    base = dataset.drop(columns=[c for c in scores.columns if c in dataset.columns])
    if label:
        base = _with_cluster_labels(model, base, scores[ASSIGNMENTS])
    if not append:
        base = base[[label] if label else []]
    result = metadata.keep_metadata(dataset, pd.concat([base, scores], axis=1))
    return metadata.with_roles(result, dict.fromkeys(scores.columns, metadata.SCORE))


def _label_column(dataset: pd.DataFrame) -> str:
    labels = [c for c, role in metadata.roles(dataset).items() if role == metadata.LABEL]
    return labels[0] if len(labels) == 1 else ""


def _with_cluster_labels(
    model: TrainedModel, df: pd.DataFrame, assignments: pd.Series
) -> pd.DataFrame:
    """Apply the K-Means "Assign label mode" to the label column."""
    estimator = model.estimator
    cluster_labels = getattr(estimator, "cluster_labels_", None)
    if cluster_labels is None:
        return df
    label = model.label_column
    current = column_types.plain(df[label]).astype(object)
    proposed = assignments.map(dict(enumerate(cluster_labels))).astype(object)
    if estimator.label_mode == FILL_MISSING:
        updated = current.where(current.notna(), proposed)
    else:
        updated = proposed.where(proposed.notna(), current)
    out = df.copy()
    out[label] = updated.infer_objects()
    return out
