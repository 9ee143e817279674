"""Untrained and trained models: what flows along the designer's model ports.

A learner component (Linear Regression, Two-Class Logistic Regression, ...) outputs a `Learner`:
a task, a display name and an unfitted scikit-learn estimator. Train Model calls `Learner.fit`,
which returns a `TrainedModel`: the fitted pipeline (feature encoding + estimator) with the
label and feature columns it was trained on. Score Model, Cross Validate Model, Permutation
Feature Importance and real-time endpoints all score through `TrainedModel.predict_frame`.

Both are plain dataclasses of picklable parts (no lambdas), so joblib and skops can store them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from components import conversions, metadata
from components.errors import ComponentInputError
from components.features import FeatureSchema, value_text
from components.score_columns import SCORED_LABELS, SCORED_PROBABILITIES, probability_column

# Warnings about library versions concern developers, not the user reading the step log.
_FOR_DEVELOPERS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


class Task(StrEnum):
    """What a learner predicts; decides the score columns and the evaluation metrics."""

    REGRESSION = "regression"
    BINARY = "binary_classification"
    MULTICLASS = "multiclass_classification"


@dataclass(frozen=True)
class Learner:
    """An untrained model: a task, a display name and an unfitted scikit-learn estimator.

    The estimator is never fitted in place (`fit` clones it), so one learner can feed several
    Train Model steps.
    """

    name: str
    task: Task
    estimator: Any

    def fit(self, data: pd.DataFrame, label_column: str) -> TrainedModel:
        """Train on every feature column of `data`; rows without a label are ignored.

        Features are the columns whose role is feature, except the label; text, categorical,
        boolean and date columns are encoded inside the returned model.

        Raises:
            ComponentInputError: the label does not suit the task, or no rows or features remain.
        """
        find_label_column(data, label_column)
        labelled = data[data[label_column].notna()]
        if len(labelled) < len(data):
            print(f"Ignored {len(data) - len(labelled)} row(s) whose label '{label_column}' "
                  f"is missing.")
        if labelled.empty:
            raise ComponentInputError(
                f"Label column '{label_column}' has no values: there is nothing to train on.")
        target = _label_values(self, labelled[label_column], label_column)
        columns = feature_columns(data, label_column)
        if not columns:
            raise ComponentInputError(
                f"No feature columns to train {self.name} on: every column other than the label "
                f"'{label_column}' is a score or has its feature flag cleared.")
        schema = FeatureSchema.infer(labelled, columns)
        features = schema.prepare(labelled)
        schema.report_capped(features)
        pipeline = Pipeline([("encode", schema.encoder()), ("learn", clone(self.estimator))])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pipeline.fit(features, target)
        _report(caught, self.name)
        classes = tuple(pipeline.classes_.tolist()) if self.task != Task.REGRESSION else ()
        print(f"Trained {self.name} on {len(features)} rows and {len(columns)} feature "
              f"column(s) to predict '{label_column}'.")
        return TrainedModel(name=self.name, task=self.task, label_column=label_column,
                            features=schema, pipeline=pipeline, classes=classes)


@dataclass(frozen=True)
class TrainedModel:
    """A fitted pipeline with the label, features and classes it was trained with."""

    name: str
    task: Task
    label_column: str
    features: FeatureSchema
    pipeline: Pipeline
    classes: tuple[Any, ...] = ()

    @property
    def feature_columns(self) -> tuple[str, ...]:
        """The columns a dataset must have to be scored."""
        return self.features.columns

    def score_columns(self) -> list[str]:
        """The names of the columns `predict_frame` returns, in order."""
        if self.task == Task.REGRESSION:
            return [SCORED_LABELS]
        if self.task == Task.BINARY:
            return [SCORED_LABELS, SCORED_PROBABILITIES]
        return [SCORED_LABELS] + [probability_column(value_text(c)) for c in self.classes]

    def predict_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """The score columns for each row of `df` (same index).

        Regression gives `Scored Labels`; binary classification adds `Scored Probabilities`
        (of the second of the sorted classes); multiclass adds `Scored Probabilities_<class>`.

        Raises:
            ComponentInputError: a feature column is missing or holds unconvertible values.
        """
        features = self.features.prepare(df)
        if features.empty:
            return self._empty_scores(df.index)
        if self.task == Task.REGRESSION:
            return pd.DataFrame({SCORED_LABELS: self.pipeline.predict(features).astype(float)},
                                index=df.index)
        probabilities = self.pipeline.predict_proba(features)
        classes = np.asarray(self.classes)
        scores = {SCORED_LABELS: classes[probabilities.argmax(axis=1)]}
        if self.task == Task.BINARY:
            scores[SCORED_PROBABILITIES] = probabilities[:, 1]
        else:
            for index, name in enumerate(self.score_columns()[1:]):
                scores[name] = probabilities[:, index]
        return pd.DataFrame(scores, index=df.index)

    def _empty_scores(self, index: pd.Index) -> pd.DataFrame:
        label_dtype = float if self.task == Task.REGRESSION else np.asarray(self.classes).dtype
        columns = {name: pd.Series(dtype=float, index=index) for name in self.score_columns()}
        columns[SCORED_LABELS] = pd.Series(dtype=label_dtype, index=index)
        return pd.DataFrame(columns, index=index)


def _report(caught: list[warnings.WarningMessage], learner: str) -> None:
    for warning in caught:
        if issubclass(warning.category, _FOR_DEVELOPERS):
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
        else:
            # The step log is the only place a user sees, say, a convergence warning.
            print(f"Warning while training {learner}: {warning.message}")


def find_label_column(df: pd.DataFrame, requested: str | None) -> str:
    """The label column: `requested` when given, else the one column whose role is label.

    Raises:
        ComponentInputError: the requested column is missing, or no single label is marked.
    """
    available = ", ".join(map(str, df.columns))
    if requested:
        if requested not in df.columns:
            raise ComponentInputError(
                f"Label column '{requested}' not found; available: {available}.")
        return requested
    labels = [c for c, role in metadata.roles(df).items() if role == metadata.LABEL]
    if len(labels) == 1:
        return labels[0]
    if not labels:
        raise ComponentInputError(
            "No label column: choose one in 'Label column' or mark one with Edit Metadata "
            f"(Fields: Labels); available: {available}.")
    raise ComponentInputError(
        f"Several columns are marked as label ({', '.join(map(repr, labels))}); choose one in "
        "'Label column'.")


def feature_columns(df: pd.DataFrame, label_column: str) -> list[str]:
    """Columns a learner trains on: role feature, not the label (scores and cleared skipped)."""
    return [c for c, role in metadata.roles(df).items()
            if role == metadata.FEATURE and c != label_column]


def _label_values(learner: Learner, label: pd.Series, column: str) -> np.ndarray:
    kind = metadata.column_type(label)
    if learner.task == Task.REGRESSION:
        if not metadata.is_numeric(label):
            shown = f"categorical {kind}" if metadata.is_categorical(label) else kind
            raise ComponentInputError(
                f"{learner.name} needs a numeric label; column '{column}' is {shown}. Choose a "
                "numeric label, or convert it with Edit Metadata.")
        return conversions.to_double(label, column).to_numpy()
    values = conversions.plain(label)
    if ptypes.is_bool_dtype(values.dtype):
        target = values.astype(bool).to_numpy()
    elif ptypes.is_integer_dtype(values.dtype):
        target = values.astype("int64").to_numpy()
    elif ptypes.is_float_dtype(values.dtype):
        target = values.astype(float).to_numpy()
    else:
        # Text (and anything else) as Python strings, so mixed objects still sort.
        target = values.astype(str).to_numpy(dtype=object)
    classes = np.unique(target)
    if learner.task == Task.BINARY and len(classes) != 2:
        shown = ", ".join(repr(value_text(c)) for c in classes[:10])
        more = " ..." if len(classes) > 10 else ""
        raise ComponentInputError(
            f"{learner.name} needs a label with exactly two classes; column '{column}' has "
            f"{len(classes)}: {shown}{more}. Use a multiclass learner for more classes.")
    if len(classes) < 2:
        raise ComponentInputError(
            f"{learner.name} needs at least two classes; column '{column}' has only "
            f"{value_text(classes[0])!r}.")
    return target
