"""Tune Model Hyperparameters: sweep a learner's parameter ranges, keep the best model."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, ParameterGrid

from components.errors import ComponentInputError
from components.inputs import expect_instance
from components.ml.labels import label_checks
from components.ml.learners import Learner, find_label_column
from components.ml.metrics import actual_values, check_metric, labelled_rows, metric_value
from components.ml.tasks import CLASSIFICATION, SUPERVISED
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

ENTIRE_GRID, RANDOM_SWEEP = "Entire grid", "Random sweep"
CLASSIFICATION_METRICS = {
    "Accuracy": "accuracy",
    "Precision": "precision",
    "Recall": "recall",
    "F-score": "f_score",
    "AUC": "auc",
    "Average Log Loss": "log_loss",
}
REGRESSION_METRICS = {
    "Mean absolute error": "mae",
    "Root of mean squared error": "rmse",
    "Relative absolute error": "rae",
    "Relative squared error": "rse",
    "Coefficient of determination": "r2",
}
# Without a validation dataset, each setting is scored by cross-validation with this many folds.
VALIDATION_FOLDS = 3
_RANDOM = {"sweeping_mode": (RANDOM_SWEEP,)}


@component(
    id="tune_model_hyperparameters",
    name="Tune Model Hyperparameters",
    category="Model Training",
    checks=label_checks("training_dataset"),
    inputs=[
        Port("untrained_model", PortKind.UNTRAINED_MODEL, "Untrained model"),
        Port("training_dataset", PortKind.DATASET, "Training dataset"),
        Port("validation_dataset", PortKind.DATASET, "Optional validation dataset", optional=True),
    ],
    outputs=[
        Port("sweep_results", PortKind.DATASET, "Sweep results"),
        Port("trained_best_model", PortKind.TRAINED_MODEL, "Trained best model"),
    ],
    params=[
        Param(
            "sweeping_mode",
            ParamType.CHOICE,
            "Parameter sweeping mode",
            default=RANDOM_SWEEP,
            choices=(ENTIRE_GRID, RANDOM_SWEEP),
        ),
        Param(
            "max_runs",
            ParamType.INT,
            "Maximum number of runs on random sweep",
            default=5,
            min=1,
            max=10000,
            visible_if=_RANDOM,
        ),
        Param(
            "seed",
            ParamType.INT,
            "Random seed",
            default=0,
            min=0,
            max=4294967295,
            visible_if=_RANDOM,
        ),
        Param(
            "label_column",
            ParamType.COLUMN,
            "Label column",
            default=None,
            help="Blank: the column marked as label (Edit Metadata, Fields: Labels).",
        ),
        Param(
            "metric_classification",
            ParamType.CHOICE,
            "Metric for measuring performance for classification",
            default="Accuracy",
            choices=tuple(CLASSIFICATION_METRICS),
        ),
        Param(
            "metric_regression",
            ParamType.CHOICE,
            "Metric for measuring performance for regression",
            default="Mean absolute error",
            choices=tuple(REGRESSION_METRICS),
        ),
    ],
)
def tune_model_hyperparameters(
    untrained_model: Learner,
    training_dataset: pd.DataFrame,
    validation_dataset: pd.DataFrame | None,
    *,
    sweeping_mode: str,
    max_runs: int,
    seed: int,
    label_column: str | None,
    metric_classification: str,
    metric_regression: str,
) -> dict[str, Any]:
    """Train a model once per combination of its parameter ranges; output the best one.

    Each combination is scored on the validation dataset, or by 3-fold cross-validation of the
    training dataset when none is connected. A learner in SingleParameter mode is swept over its
    default ranges. Sweep results: one row per run, the swept parameters and the metric.
    """
    learner = expect_instance(
        untrained_model,
        Learner,
        "Untrained model",
        "an untrained model from a learner such as Two-Class Boosted Decision Tree",
    )
    if learner.task not in SUPERVISED:
        raise ComponentInputError(
            f"Tune Model Hyperparameters needs a classification or regression learner; "
            f"'{learner.name}' is a {learner.task.text} model."
        )
    label = find_label_column(training_dataset, label_column)
    is_classifier = learner.task in CLASSIFICATION
    shown = metric_classification if is_classifier else metric_regression
    key = (CLASSIFICATION_METRICS if is_classifier else REGRESSION_METRICS)[shown]
    metric = check_metric(learner.task, key, "Metric for measuring performance", shown)
    runs = sweep_runs(learner, sweeping_mode, max_runs, seed)
    results: dict[int, float] = {}
    for index in runs:
        if index not in results:
            settings = runs_grid(learner)[index]
            results[index] = _measure(
                learner.with_settings(settings),
                training_dataset,
                validation_dataset,
                label,
                key,
                seed,
            )
    scores = [results[i] for i in runs]
    best = int(np.argmax(scores) if metric.higher_is_better else np.argmin(scores))
    table = pd.DataFrame([_shown_values(learner, runs[i]) for i in range(len(runs))])
    table[shown] = scores
    print(
        f"Swept {len(runs)} run(s); best {shown}: {scores[best]:.6g} with "
        f"{_shown_values(learner, runs[best]) or 'the learner as configured'}."
    )
    best_learner = learner.with_settings(runs_grid(learner)[runs[best]])
    return {"sweep_results": table, "trained_best_model": best_learner.fit(training_dataset, label)}


def runs_grid(learner: Learner) -> list[dict[str, Any]]:
    """Every combination of the learner's ranges, in scikit-learn's ParameterGrid order."""
    return list(ParameterGrid(learner.param_grid))


def sweep_runs(learner: Learner, mode: str, max_runs: int, seed: int) -> list[int]:
    """Indexes into `runs_grid`: all of them, or `max_runs` drawn with replacement."""
    size = len(runs_grid(learner))
    if mode == ENTIRE_GRID:
        return list(range(size))
    return np.random.RandomState(seed).randint(size, size=max_runs).tolist()


def _shown_values(learner: Learner, index: int) -> dict[str, Any]:
    settings = runs_grid(learner)[index]
    return {p.label: p.values[p.settings.index(settings[p.target])] for p in learner.sweep}


def _measure(
    learner: Learner,
    training: pd.DataFrame,
    validation: pd.DataFrame | None,
    label: str,
    key: str,
    seed: int,
) -> float:
    # Training chatter for every run would bury the sweep's own summary in the step log.
    with contextlib.redirect_stdout(io.StringIO()):
        if validation is not None:
            model = learner.fit(training, label)
            rows = labelled_rows(model, validation, "Optional validation dataset")
            return metric_value(
                model, model.features.prepare(rows), actual_values(model, rows[label]), key
            )
        folds = KFold(n_splits=VALIDATION_FOLDS, shuffle=True, random_state=seed)
        labelled = training[training[label].notna()]
        if len(labelled) < VALIDATION_FOLDS:
            raise ComponentInputError(
                f"Tuning without a validation dataset cross-validates with {VALIDATION_FOLDS} "
                f"folds; the training dataset has only {len(labelled)} labelled row(s)."
            )
        values = []
        for train_rows, test_rows in folds.split(np.zeros(len(labelled))):
            model = learner.fit(labelled.iloc[train_rows], label)
            test = labelled.iloc[test_rows]
            values.append(
                metric_value(
                    model, model.features.prepare(test), actual_values(model, test[label]), key
                )
            )
        return float(np.mean(values))
