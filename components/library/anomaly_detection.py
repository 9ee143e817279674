"""PCA-Based Anomaly Detection and Train Anomaly Detection Model."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from components import metadata
from components.errors import ComponentInputError
from components.inputs import expect_instance
from components.ml.estimators import PcaAnomalyDetector
from components.ml.learner_params import (
    UNTRAINED_MODEL_OUTPUT,
    Tunable,
    trainer_params,
    trainer_settings,
)
from components.ml.learners import Learner, feature_columns
from components.ml.tasks import Task
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

# The randomized SVD is seeded with a constant: the designer offers no seed for this learner.
PCA_SEED = 0
PCA = (
    Tunable(
        "number_of_components",
        "Number of components to use in PCA",
        ParamType.INT,
        2,
        "2; 4; 6; 8; 10",
        "n_components",
        min=1,
    ),
    Tunable(
        "oversampling",
        "Oversampling parameter for randomized PCA",
        ParamType.INT,
        2,
        "1; 5; 10",
        "oversampling",
        min=1,
    ),
)


@component(
    id="pca_based_anomaly_detection",
    name="PCA-Based Anomaly Detection",
    category="Anomaly Detection",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[
        *trainer_params(*PCA),
        Param(
            "normalize_features",
            ParamType.BOOL,
            "Enable input feature mean normalization",
            default=False,
            help="Standardize every feature before the PCA.",
        ),
    ],
)
def pca_based_anomaly_detection(
    *,
    create_trainer_mode: str,
    number_of_components: int,
    number_of_components_range: str,
    oversampling: int,
    oversampling_range: str,
    normalize_features: bool,
) -> dict[str, Any]:
    """Create an anomaly detection model using Principal Component Analysis.

    Train it with Train Anomaly Detection Model; Score Model then adds `Scored Labels` (1 for an
    anomaly) and `Scored Probabilities` (the anomaly score, 0.5 at the threshold).
    """
    single, sweep = trainer_settings(PCA, locals())
    estimator = PcaAnomalyDetector(
        n_components=single["number_of_components"],
        oversampling=single["oversampling"],
        normalize=normalize_features,
        random_state=PCA_SEED,
    )
    return {
        "untrained_model": Learner(
            "PCA-Based Anomaly Detection", Task.ANOMALY_DETECTION, estimator, sweep
        )
    }


@component(
    id="train_anomaly_detection_model",
    name="Train Anomaly Detection Model",
    category="Anomaly Detection",
    inputs=[
        Port("untrained_model", PortKind.UNTRAINED_MODEL, "Untrained model"),
        Port("dataset", PortKind.DATASET, "Dataset"),
    ],
    outputs=[Port("trained_model", PortKind.TRAINED_MODEL, "Trained model")],
)
def train_anomaly_detection_model(
    untrained_model: Learner, dataset: pd.DataFrame
) -> dict[str, Any]:
    """Train an anomaly detector on the feature columns (a label column is kept out).

    Train on normal rows only for best results; the label, if marked, is what Evaluate Model
    later compares the scores with.
    """
    learner = expect_instance(
        untrained_model,
        Learner,
        "Untrained model",
        "an untrained anomaly detection model such as PCA-Based Anomaly Detection",
    )
    if learner.task != Task.ANOMALY_DETECTION:
        raise ComponentInputError(
            f"Train Anomaly Detection Model needs an anomaly detection model such as PCA-Based "
            f"Anomaly Detection; '{learner.name}' is a {learner.task.text} "
            f"model."
        )
    labels = [c for c, role in metadata.roles(dataset).items() if role == metadata.LABEL]
    label = labels[0] if len(labels) == 1 else ""
    model = learner.fit_unsupervised(dataset, feature_columns(dataset, label))
    # Score Model keeps the label column (with its role) when the model knows its name.
    return {"trained_model": replace(model, label_column=label)}
