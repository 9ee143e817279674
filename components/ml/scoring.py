"""Scoring a dataset with a trained model: Score Model's output, also used by Cross Validate."""

from __future__ import annotations

import pandas as pd

from components import metadata
from components.ml.learners import TrainedModel
from components.ml.python_model import TrainedPythonModel


def score(
    model: TrainedModel | TrainedPythonModel,
    dataset: pd.DataFrame,
    append_score_columns: bool = True,
) -> pd.DataFrame:
    """`dataset` (or only its label) with the model's score columns, roles set for Evaluate."""
    scores = model.predict_frame(dataset)
    label = model.label_column if model.label_column in dataset.columns else None
    if append_score_columns:
        # Scoring an already scored dataset replaces the old scores.
        base = dataset.drop(columns=[c for c in scores.columns if c in dataset.columns])
    else:
        base = dataset[[label] if label else []]
    scored = metadata.keep_metadata(dataset, pd.concat([base, scores], axis=1))
    roles = dict.fromkeys(scores.columns, metadata.SCORE)
    if label:
        # Evaluate Model finds the true label by its role, so the model's label is the only one.
        roles.update(
            {c: metadata.FEATURE for c, r in metadata.roles(scored).items() if r == metadata.LABEL}
        )
        roles[label] = metadata.LABEL
    return metadata.with_roles(scored, roles)
