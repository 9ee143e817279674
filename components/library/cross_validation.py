"""Cross Validate Model: train and score a learner once per fold of the data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from components import metadata
from components.errors import ComponentInputError
from components.inputs import expect_instance
from components.ml.evaluation import evaluate
from components.ml.folds import FOLD_COLUMN
from components.ml.labels import label_checks
from components.ml.learners import Learner, find_label_column
from components.ml.scoring import score
from components.ml.tasks import SUPERVISED
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

FOLD_NUMBER = "Fold Number"
DEFAULT_FOLDS = 10


@component(
    id="cross_validate_model",
    name="Cross Validate Model",
    category="Model Scoring and Evaluation",
    checks=label_checks("dataset"),
    inputs=[
        Port("untrained_model", PortKind.UNTRAINED_MODEL, "Untrained model"),
        Port("dataset", PortKind.DATASET, "Dataset"),
    ],
    outputs=[
        Port("scored_results", PortKind.DATASET, "Scored results"),
        Port("evaluation_results_by_fold", PortKind.DATASET, "Evaluation results by fold"),
    ],
    params=[
        Param(
            "label_column",
            ParamType.COLUMN,
            "Label column",
            default=None,
            help="Blank: the column marked as label (Edit Metadata, Fields: Labels).",
        ),
        Param("seed", ParamType.INT, "Random seed", default=0, min=0, max=4294967295),
    ],
)
def cross_validate_model(
    untrained_model: Learner, dataset: pd.DataFrame, *, label_column: str | None, seed: int
) -> dict[str, Any]:
    """Cross-validate a learner: 10 random folds, or the folds of a 'Fold' column.

    Each fold's rows are scored by a model trained on all other rows. Scored results keep the
    input's row order and add the score columns and `Fold Number`; the report has one row of
    metrics per fold.
    """
    learner = expect_instance(
        untrained_model,
        Learner,
        "Untrained model",
        "an untrained model from a learner such as Linear Regression",
    )
    if learner.task not in SUPERVISED:
        raise ComponentInputError(
            f"Cross Validate Model needs a classification or regression learner; "
            f"'{learner.name}' is a {learner.task.text} model."
        )
    label = find_label_column(dataset, label_column)
    folds = fold_numbers(dataset, seed)
    # The fold column describes the split; it is not something to learn from.
    data = (
        metadata.with_roles(dataset, {FOLD_COLUMN: metadata.NONE})
        if FOLD_COLUMN in dataset.columns
        else dataset
    )
    labelled = dataset[label].notna().to_numpy()
    parts, report = [], []
    for fold in pd.unique(folds):
        in_fold = folds == fold
        examples = int((in_fold & labelled).sum())
        if examples == 0:
            raise ComponentInputError(
                f"Fold {fold} has no labelled rows: its {int(in_fold.sum())} row(s) all lack "
                f"a value in the label column '{label}', so it cannot be evaluated. Remove "
                f"unlabelled rows first (Clean Missing Data, Remove entire row) or assign the "
                f"folds again."
            )
        try:
            model = learner.fit(data[~in_fold], label)
        except ComponentInputError as exc:
            raise ComponentInputError(f"Fold {fold}: {exc}") from exc
        scored = score(model, data[in_fold]).assign(**{FOLD_NUMBER: fold})
        parts.append(scored.set_axis(np.flatnonzero(in_fold)))
        _, metrics = evaluate(scored, f"fold {fold}")
        # Unlabelled rows are scored but are not examples: nothing checks their scores.
        report.append({"Fold number": fold, "Number of examples in fold": examples, **metrics})
    combined = pd.concat(parts).sort_index().set_axis(dataset.index)
    combined = metadata.keep_metadata(parts[0], combined)
    report_frame = pd.DataFrame(report).sort_values("Fold number", kind="stable")
    return {
        "scored_results": combined,
        "evaluation_results_by_fold": report_frame.reset_index(drop=True),
    }


def fold_numbers(dataset: pd.DataFrame, seed: int) -> np.ndarray:
    """Each row's fold: the 'Fold' column when present, else 10 shuffled folds (0-9).

    Raises:
        ComponentInputError: the fold column has gaps or a single fold, or too few rows.
    """
    if FOLD_COLUMN in dataset.columns:
        folds = dataset[FOLD_COLUMN]
        if folds.isna().any():
            raise ComponentInputError(
                f"Column '{FOLD_COLUMN}' has {int(folds.isna().sum())} row(s) without a fold; "
                f"expected a fold number on every row (Partition and Sample, Assign to Folds)."
            )
        if folds.nunique() < 2:
            raise ComponentInputError(
                f"Column '{FOLD_COLUMN}' holds a single fold; cross-validation needs at least 2."
            )
        return folds.to_numpy()
    if len(dataset) < DEFAULT_FOLDS:
        raise ComponentInputError(
            f"Cross Validate Model needs at least {DEFAULT_FOLDS} rows for {DEFAULT_FOLDS} "
            f"folds; the dataset has {len(dataset)}."
        )
    numbers = np.empty(len(dataset), dtype=np.int64)
    splitter = KFold(n_splits=DEFAULT_FOLDS, shuffle=True, random_state=seed)
    for fold, (_, rows) in enumerate(splitter.split(np.zeros(len(dataset)))):
        numbers[rows] = fold
    return numbers
