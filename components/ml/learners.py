"""Untrained and trained models: what flows along the designer's model ports.

A learner component (Linear Regression, Two-Class Logistic Regression, ...) outputs a `Learner`:
a task, a display name, an unfitted scikit-learn estimator and the ranges Tune Model
Hyperparameters may sweep (`Learner.sweep`, also as a scikit-learn `param_grid`). Train Model
calls `Learner.fit` (Train Clustering Model and Train Anomaly Detection Model call
`Learner.fit_unsupervised`),
which returns a `TrainedModel`: the fitted pipeline (feature encoding + estimator) with the
label and feature columns it was trained on. Score Model, Cross Validate Model, Permutation
Feature Importance and real-time endpoints all score through `TrainedModel.predict_frame`.

Both are plain dataclasses of picklable parts (no lambdas), so joblib and skops can store them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from components import metadata
from components.errors import ComponentInputError
from components.ml import column_types
from components.ml.features import FeatureSchema, value_text
from components.ml.labels import label_of, numeric_label_problem
from components.ml.score_columns import (
    ASSIGNMENTS,
    SCORED_LABELS,
    SCORED_PROBABILITIES,
    distance_column,
    probability_column,
    quantile_column,
)
from components.ml.tasks import CLASSIFICATION, NUMERIC_LABEL, SUPERVISED, Task

# Warnings about library versions concern developers, not the user reading the step log.
_FOR_DEVELOPERS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


_TRAINER = {
    Task.CLUSTERING: "Train Clustering Model",
    Task.ANOMALY_DETECTION: "Train Anomaly Detection Model",
}


@dataclass(frozen=True)
class SweepParam:
    """One learner setting that Tune Model Hyperparameters sweeps.

    `values` are what the user sees (the designer's "2; 8; 32; 128"); `settings` the matching
    values of the estimator parameter `target` (a scikit-learn `set_params` name such as
    `logisticregression__C`, which may be a transform of the value, like C = 1 / L2 weight).
    """

    label: str
    target: str
    values: tuple[Any, ...]
    settings: tuple[Any, ...]


@dataclass(frozen=True)
class Learner:
    """An untrained model: a task, a display name and an unfitted scikit-learn estimator.

    The estimator is never fitted in place (`fit` clones it), so one learner can feed several
    Train Model steps.
    """

    name: str
    task: Task
    estimator: Any
    # The ranges to sweep: the user's in ParameterRange mode, else the learner's default ranges.
    sweep: tuple[SweepParam, ...] = ()

    @property
    def param_grid(self) -> dict[str, list[Any]]:
        """The sweep as a scikit-learn parameter grid: estimator parameter -> values."""
        return {p.target: list(p.settings) for p in self.sweep}

    def with_settings(self, settings: dict[str, Any]) -> Learner:
        """A copy whose estimator has `settings` (names as in `param_grid`)."""
        return replace(self, estimator=clone(self.estimator).set_params(**settings))

    def fit(self, data: pd.DataFrame, label_column: str) -> TrainedModel:
        """Train on every feature column of `data`; rows without a label are ignored.

        Features are the columns whose role is feature, except the label; text, categorical,
        boolean and date columns are encoded inside the returned model.

        Raises:
            ComponentInputError: the label does not suit the task, or no rows or features remain.
        """
        if self.task not in SUPERVISED:
            raise ComponentInputError(
                f"{self.name} is a {self.task.text} model: train it with "
                f"{_TRAINER[self.task]}, not Train Model."
            )
        labelled = labelled_rows(data, label_column)
        target = _label_values(self, labelled[label_column], label_column)
        columns = feature_columns(data, label_column)
        if not columns:
            raise ComponentInputError(
                f"No feature columns to train {self.name} on: every column other than the label "
                f"'{label_column}' is a score or has its feature flag cleared."
            )
        schema, pipeline = self._fit(labelled, columns, target, label_column)
        classes = tuple(pipeline.classes_.tolist()) if self.task in CLASSIFICATION else ()
        print(
            f"Trained {self.name} on {len(labelled)} rows and {len(columns)} feature "
            f"column(s) to predict '{label_column}'."
        )
        return TrainedModel(
            name=self.name,
            task=self.task,
            label_column=label_column,
            features=schema,
            pipeline=pipeline,
            classes=classes,
        )

    def fit_unsupervised(
        self, data: pd.DataFrame, columns: Sequence[str], label_column: str = ""
    ) -> TrainedModel:
        """Train a clustering or anomaly-detection model on `columns` of `data`.

        `label_column` (may be empty) is passed to estimators that use it, such as K-Means'
        label assignment, and is never a feature.

        Raises:
            ComponentInputError: the learner is supervised, or no rows or columns remain.
        """
        if self.task in SUPERVISED:
            raise ComponentInputError(
                f"{self.name} predicts a label: train it with Train Model; this trainer takes "
                f"{' or '.join(t.text for t in _TRAINER)} models."
            )
        columns = [c for c in columns if c != label_column]
        if not columns:
            raise ComponentInputError(f"No feature columns to train {self.name} on.")
        if data.empty:
            raise ComponentInputError(f"The dataset has no rows to train {self.name} on.")
        target = None
        if label_column:
            target = column_types.plain(data[label_column]).astype(object).to_numpy()
        schema, pipeline = self._fit(data, columns, target, label_column)
        print(f"Trained {self.name} on {len(data)} rows and {len(columns)} column(s).")
        return TrainedModel(
            name=self.name,
            task=self.task,
            label_column=label_column,
            features=schema,
            pipeline=pipeline,
        )

    def _fit(
        self,
        data: pd.DataFrame,
        columns: Sequence[str],
        target: np.ndarray | None,
        label_column: str,
    ) -> tuple[FeatureSchema, Pipeline]:
        schema = FeatureSchema.infer(data, columns)
        features = schema.prepare(data)
        schema.report_capped(features)
        pipeline = Pipeline([("encode", schema.encoder()), ("learn", clone(self.estimator))])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                pipeline.fit(features, target)
            except ValueError as exc:
                # scikit-learn's checks on the data (a negative count for Poisson Regression,
                # fewer rows than clusters) are the user's to fix.
                about = f" with label '{label_column}'" if label_column else ""
                raise ComponentInputError(
                    f"{self.name} could not be trained{about}: {exc}"
                ) from exc
        _report(caught, self.name)
        return schema, pipeline


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

    @property
    def estimator(self) -> Any:
        """The fitted learner at the end of the pipeline."""
        return self.pipeline[-1]

    def score_columns(self) -> list[str]:
        """The names of the columns `predict_frame` returns, in order."""
        if self.task == Task.REGRESSION:
            return [SCORED_LABELS]
        if self.task in (Task.BINARY, Task.ANOMALY_DETECTION):
            return [SCORED_LABELS, SCORED_PROBABILITIES]
        if self.task == Task.QUANTILE_REGRESSION:
            return [quantile_column(q) for q in self.estimator.quantiles]
        if self.task == Task.CLUSTERING:
            count = self.estimator.n_clusters
            return [ASSIGNMENTS] + [distance_column(k) for k in range(count)]
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
            return pd.DataFrame(
                {SCORED_LABELS: self.pipeline.predict(features).astype(float)}, index=df.index
            )
        if self.task not in CLASSIFICATION:
            encoded = self.pipeline[:-1].transform(features)
            values = self.estimator.score_matrix(encoded)
            scored = pd.DataFrame(
                dict(zip(self.score_columns(), values.T, strict=True)), index=df.index
            )
            first = scored.columns[0]
            if self.task in (Task.CLUSTERING, Task.ANOMALY_DETECTION):
                scored[first] = scored[first].astype("int64")
            return scored
        probabilities = class_probabilities(self.pipeline, features)
        classes = np.asarray(self.classes)
        scores = {SCORED_LABELS: classes[probabilities.argmax(axis=1)]}
        if self.task == Task.BINARY:
            scores[SCORED_PROBABILITIES] = probabilities[:, 1]
        else:
            for index, name in enumerate(self.score_columns()[1:]):
                scores[name] = probabilities[:, index]
        return pd.DataFrame(scores, index=df.index)

    def _empty_scores(self, index: pd.Index) -> pd.DataFrame:
        columns = {name: pd.Series(dtype=float, index=index) for name in self.score_columns()}
        if self.task in CLASSIFICATION:
            columns[SCORED_LABELS] = pd.Series(dtype=np.asarray(self.classes).dtype, index=index)
        elif self.task == Task.CLUSTERING:
            columns[ASSIGNMENTS] = pd.Series(dtype="int64", index=index)
        return pd.DataFrame(columns, index=index)


def class_probabilities(pipeline: Pipeline, features: pd.DataFrame) -> np.ndarray:
    """One column of probabilities per class, in the order of `pipeline.classes_`.

    Classifiers without probabilities (a support vector machine, the averaged perceptron,
    One-vs-One) have their decision values mapped to (0, 1): a sigmoid for two classes, a
    softmax for more, so the most likely class is the one `predict` picks.
    """
    if hasattr(pipeline, "predict_proba"):
        return pipeline.predict_proba(features)
    decision = np.asarray(pipeline.decision_function(features), dtype=float)
    if decision.ndim == 1:
        positive = expit(decision)
        return np.column_stack([1 - positive, positive])
    return softmax(decision, axis=1)


def _report(caught: list[warnings.WarningMessage], learner: str) -> None:
    for warning in caught:
        if issubclass(warning.category, _FOR_DEVELOPERS):
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
        else:
            # The step log is the only place a user sees, say, a convergence warning.
            print(f"Warning while training {learner}: {warning.message}")


def find_label_column(df: pd.DataFrame, requested: str | None) -> str:
    """The label column of `df`: `requested` when given, else the one column whose role is
    label (`components.ml.labels.label_of`, the rule validation also runs).

    Raises:
        ComponentInputError: the requested column is missing, or no single label is marked.
    """
    return label_of(metadata.describe_columns(df), requested)


def feature_columns(df: pd.DataFrame, label_column: str) -> list[str]:
    """Columns a learner trains on: role feature, not the label (scores and cleared skipped)."""
    return [
        c
        for c, role in metadata.roles(df).items()
        if role == metadata.FEATURE and c != label_column
    ]


def _label_values(learner: Learner, label: pd.Series, column: str) -> np.ndarray:
    if learner.task in NUMERIC_LABEL:
        described = {
            "name": column,
            "type": metadata.column_type(label),
            "categorical": metadata.is_categorical(label),
        }
        problem = numeric_label_problem(learner.name, learner.task, described)
        if problem:
            raise ComponentInputError(problem)
        return column_types.to_double(label, column).to_numpy()
    target = class_labels(label)
    classes = np.unique(target)
    if learner.task == Task.BINARY and len(classes) != 2:
        shown = ", ".join(repr(value_text(c)) for c in classes[:10])
        more = " ..." if len(classes) > 10 else ""
        raise ComponentInputError(
            f"{learner.name} needs a label with exactly two classes; column '{column}' has "
            f"{len(classes)}: {shown}{more}. Use a multiclass learner for more classes."
        )
    if len(classes) < 2:
        raise ComponentInputError(
            f"{learner.name} needs at least two classes; column '{column}' has only "
            f"{value_text(classes[0])!r}."
        )
    return target


def class_labels(label: pd.Series) -> np.ndarray:
    """Class labels as a classifier is trained on them (booleans, integers, floats or text)."""
    values = column_types.plain(label)
    if ptypes.is_bool_dtype(values.dtype):
        return values.astype(bool).to_numpy()
    if ptypes.is_integer_dtype(values.dtype):
        return values.astype("int64").to_numpy()
    if ptypes.is_float_dtype(values.dtype):
        return values.astype(float).to_numpy()
    # Text (and anything else) as Python strings, so mixed objects still sort.
    return values.astype(str).to_numpy(dtype=object)


def labelled_rows(data: pd.DataFrame, label_column: str) -> pd.DataFrame:
    """The rows of `data` that have a label (the designer ignores the others, and says so).

    Raises:
        ComponentInputError: the label column is missing or has no values at all.
    """
    find_label_column(data, label_column)
    labelled = data[data[label_column].notna()]
    if len(labelled) < len(data):
        print(
            f"Ignored {len(data) - len(labelled)} row(s) whose label '{label_column}' is missing."
        )
    if labelled.empty:
        raise ComponentInputError(
            f"Label column '{label_column}' has no values: there is nothing to train on."
        )
    return labelled
