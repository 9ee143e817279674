"""The fast path: a frozen inference pipeline compiled to plain Python and numpy for serving.

Most of the time scikit-learn spends on one row goes to building and checking DataFrames
(`FeatureSchema.prepare`, `ColumnTransformer`), not to the model. For the common shape of an
inference pipeline (Web Service Input, column selections, Clean Missing Data's row removal,
Score Model with a built-in learner, Web Service Output) this module encodes request rows
straight into the model's feature matrix with lookup tables taken from the fitted encoders,
and calls the fitted estimator on that matrix.

`compile_replay` returns None when the pipeline has another shape; `LoadedBundle` also
compares the compiled answer with the plain pipeline's on real rows at load time and keeps the
plain path when they differ (relative 1e-9), so the fast path can never change an answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import RegressorMixin
from sklearn.impute import SimpleImputer
from sklearn.linear_model._base import LinearModel
from sklearn.preprocessing import OneHotEncoder

from components.ml.features import MISSING_CATEGORY, FeatureKind, category_text, value_text
from components.ml.learners import TrainedModel, class_probabilities
from components.ml.score_columns import SCORED_LABELS
from components.ml.tasks import CLASSIFICATION, Task
from components.ml.transforms import CleaningMode, MissingValueCleaner
from components.ml.transforms.absent import WithoutColumn
from jobs.inference.replay import WEB_SERVICE_INPUT, WEB_SERVICE_OUTPUT, Replay
from jobs.inference.schema import InputSchema

# Steps that never change a value of a row the schema accepted (see `_row_preserving`).
_PROJECTIONS = ("select_columns_in_dataset",)
_UNKNOWN = "\x00flowbench-unknown-category"


@dataclass
class _Block:
    """How one fitted ColumnTransformer part turns prepared columns into matrix columns."""

    kind: str  # "numeric" or "categorical"
    columns: list[str]
    fill: np.ndarray = field(default_factory=lambda: np.empty(0))  # numeric: imputer means
    tables: list[tuple[dict[str, int], np.ndarray]] = field(default_factory=list)  # lookups


class CompiledPipeline:
    """Scores checked request rows the way the pipeline does, without DataFrames."""

    def __init__(
        self,
        model: TrainedModel,
        schema: InputSchema,
        echo: list[str],
        output_columns: list[str],
        output_name: str,
    ) -> None:
        self.model = model
        self.schema = schema
        self.echo = echo
        self.output_columns = output_columns
        self.output_name = output_name
        self.types = {c.name: c.type for c in schema.columns}
        self.kinds = dict(zip(model.features.columns, model.features.kinds, strict=True))
        self.blocks = _blocks(model)
        self.width = sum(
            len(b.columns) if b.kind == "numeric" else sum(t[1].shape[1] for t in b.tables)
            for b in self.blocks
        )
        estimator = model.estimator
        self.linear = None
        # A linear regressor predicts X @ coef + intercept; doing that here skips scikit-learn's
        # input checks, which cost more than the product on one row.
        if (
            model.task == Task.REGRESSION
            and isinstance(estimator, LinearModel)
            and isinstance(estimator, RegressorMixin)
            and np.ndim(estimator.coef_) == 1
        ):
            self.linear = (
                np.asarray(estimator.coef_, dtype=float).ravel(),
                float(np.ravel(estimator.intercept_)[0]),
            )
        self.score_columns = model.score_columns()
        # Only classification reads the classes; a regressor has none.
        self.classes = np.asarray(model.classes) if model.classes else np.empty(0, dtype=object)

    # -- rows (a request) -----------------------------------------------------------------

    def score_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Answer rows for checked request rows."""
        matrix = np.empty((len(rows), self.width), dtype=float)
        for i, row in enumerate(rows):
            matrix[i] = self._encode_row(row)
        scores = self._scores(matrix)
        answer = []
        for i, row in enumerate(rows):
            out = {name: self._echo_value(name, row.get(name)) for name in self.echo}
            for name, values in scores.items():
                out[name] = _plain(values[i])
            answer.append({name: out[name] for name in self.output_columns})
        return answer

    def _encode_row(self, row: dict[str, Any]) -> list[float]:
        values: list[float] = []
        for block in self.blocks:
            if block.kind == "numeric":
                for j, name in enumerate(block.columns):
                    value = row.get(name)
                    number = np.nan if value is None else float(value)
                    values.append(block.fill[j] if math.isnan(number) else number)
            else:
                for name, (lookup, table) in zip(block.columns, block.tables, strict=True):
                    value = row.get(name)
                    text = (
                        MISSING_CATEGORY
                        if value is None or (isinstance(value, float) and math.isnan(value))
                        else value_text(value)
                    )
                    values.extend(table[lookup.get(text, len(lookup))])
        return values

    def _echo_value(self, name: str, value: Any) -> Any:
        kind = self.types.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if kind == "Double":
            return float(value)
        if kind == "Integer":
            return int(value)
        return value

    # -- frames (batch) -------------------------------------------------------------------

    def score_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """The answer table for a request table (all schema columns present)."""
        columns = list(self._encoded_columns(df))
        if self.linear is not None:
            # X @ coef without X: each numeric column adds coef * value, each categorical
            # column adds its category's share (its indicator row @ its coefficients).
            coef, intercept = self.linear
            labels = np.full(len(df), intercept, dtype=float)
            start = 0
            for kind, values, table in columns:
                width = 1 if kind == "numeric" else table.shape[1]
                if kind == "numeric":
                    labels += coef[start] * values
                else:
                    labels += (table @ coef[start : start + width])[values]
                start += width
            scores = {SCORED_LABELS: labels}
        else:
            matrix = np.empty((len(df), self.width), dtype=float, order="F")
            start = 0
            for kind, values, table in columns:
                if kind == "numeric":
                    matrix[:, start] = values
                    start += 1
                else:
                    for k in range(table.shape[1]):  # column by column: contiguous writes
                        matrix[:, start + k] = table[:, k][values]
                    start += table.shape[1]
            scores = self._scores(matrix)
        out = df[[c for c in self.echo if c in self.output_columns]]  # no copy (copy on write)
        for name, values in scores.items():
            if name in self.output_columns:
                out[name] = values
        return out[self.output_columns]

    def _encoded_columns(self, df: pd.DataFrame):
        """Per feature in matrix order: ("numeric", values, None) or ("categorical", table
        row per row, table)."""
        for block in self.blocks:
            if block.kind == "numeric":
                for j, name in enumerate(block.columns):
                    column = pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float)
                    yield "numeric", np.where(np.isnan(column), block.fill[j], column), None
            else:
                for name, (lookup, table) in zip(block.columns, block.tables, strict=True):
                    # Text per distinct value, not per row: a million rows hold few categories.
                    codes, uniques = pd.factorize(df[name], use_na_sentinel=True)
                    texts = category_text(
                        pd.Series(np.asarray(uniques, dtype=object), dtype=object)
                    )
                    rows = np.array(
                        [lookup.get(t, len(lookup)) for t in texts]
                        + [lookup.get(MISSING_CATEGORY, len(lookup))],
                        dtype=np.intp,
                    )
                    yield "categorical", rows[codes], table  # code -1 (missing): last entry

    def _scores(self, matrix: np.ndarray) -> dict[str, np.ndarray]:
        if self.linear is not None:
            coef, intercept = self.linear
            return {SCORED_LABELS: matrix @ coef + intercept}
        estimator = self.model.estimator
        if self.model.task == Task.REGRESSION:
            return {SCORED_LABELS: np.asarray(estimator.predict(matrix), dtype=float)}
        probabilities = class_probabilities(estimator, matrix)
        scores = {SCORED_LABELS: self.classes[probabilities.argmax(axis=1)]}
        if self.model.task == Task.BINARY:
            scores[self.score_columns[1]] = probabilities[:, 1]
        else:
            for index, name in enumerate(self.score_columns[1:]):
                scores[name] = probabilities[:, index]
        return scores


def compile_replay(
    replay: Replay, schema: Sequence[InputSchema], sample: pd.DataFrame
) -> CompiledPipeline | None:
    """The compiled form of `replay`, or None when its shape is not one this module knows.

    `sample` (request rows the schema accepts) shows which columns reach Score Model and which
    the Web Service Output keeps.
    """
    if len(schema) != 1 or len(replay.inputs) != 1 or len(replay.outputs) != 1:
        return None
    steps = replay.per_request
    scorers = [s for s in steps if s.component == "score_model"]
    if len(scorers) != 1 or not scorers[0].params.get("append_score_columns", True):
        return None
    scorer = scorers[0]
    model_ref = scorer.inputs.get("trained_model")
    model = (
        replay.constant.get(model_ref.output[0], {}).get(model_ref.output[1])
        if model_ref and model_ref.node is not None
        else None
    )
    if type(model) is not TrainedModel or not _supported(model):
        return None
    # The data path must be a chain: input -> row-preserving steps -> scorer -> output.
    previous = next(iter(replay.inputs))
    for step in steps:
        if step.component == WEB_SERVICE_INPUT:
            continue
        data = [
            ref.node
            for port, ref in step.inputs.items()
            if ref.node is not None and ref.node not in replay.constant
        ]
        if data != [previous]:
            return None
        if (
            step is not scorer
            and step.component != WEB_SERVICE_OUTPUT
            and not _row_preserving(step, replay)
        ):
            return None
        previous = step.node_id
    seen: dict[str, list[str]] = {}

    def record(node_id: str, outputs: dict[str, Any]) -> None:
        for port, value in outputs.items():
            if isinstance(value, pd.DataFrame):
                seen[f"{node_id}.{port}"] = [str(c) for c in value.columns]

    name = schema[0].name
    answer = replay.run({name: sample}, hook=record)
    scorer_in = scorer.inputs["dataset"]
    echo = [c for c in seen[f"{scorer_in.node}.{scorer_in.port}"] if c not in model.score_columns()]
    if any(c not in {col.name for col in schema[0].columns} for c in echo):
        return None  # a column the scorer echoes does not come from the request as is
    output_name = next(iter(replay.outputs.values()))
    return CompiledPipeline(
        model, schema[0], echo, [str(c) for c in answer[output_name].columns], output_name
    )


def _supported(model: TrainedModel) -> bool:
    if model.task != Task.REGRESSION and model.task not in CLASSIFICATION:
        return False
    allowed = {FeatureKind.NUMERIC.value, FeatureKind.BOOLEAN.value, FeatureKind.CATEGORICAL.value}
    return set(model.features.kinds) <= allowed


def _row_preserving(step: Any, replay: Replay) -> bool:
    """Whether a step leaves every value of an accepted row as it is (it may drop columns).

    Column selections do; so does Clean Missing Data's "Remove entire row" replayed by Apply
    Transformation, since the schema refuses missing values in the columns it cleans (its
    columns are probed as not nullable when the bundle is written).
    """
    if step.component in _PROJECTIONS:
        return True
    if step.component != "apply_transformation":
        return False
    ref = step.inputs.get("transformation")
    fitted = replay.constant.get(ref.node, {}).get(ref.port) if ref else None
    if isinstance(fitted, WithoutColumn):
        fitted = fitted.inner
    return (
        isinstance(fitted, MissingValueCleaner)
        and fitted.mode == CleaningMode.REMOVE_ROW
        and not fitted.dropped
        and not fitted.indicators
    )


def _blocks(model: TrainedModel) -> list[_Block]:
    encoder = model.pipeline[0]
    blocks = []
    for name, fitted, columns in encoder.transformers_:
        columns = list(columns)
        if name == "remainder" or fitted == "drop" or not columns:
            continue
        if isinstance(fitted, SimpleImputer):
            blocks.append(_Block("numeric", columns, fill=np.asarray(fitted.statistics_, float)))
        elif isinstance(fitted, OneHotEncoder):
            blocks.append(_Block("categorical", columns, tables=_one_hot_tables(fitted, columns)))
        else:
            raise TypeError(f"unexpected encoder part {type(fitted).__name__}")
    return blocks


def _one_hot_tables(
    encoder: OneHotEncoder, columns: list[str]
) -> list[tuple[dict[str, int], np.ndarray]]:
    """Per column: known category -> row of a table of its indicator block (last row: unknown).

    The blocks come from the fitted encoder itself, so rare and unseen values fall where it
    puts them.
    """
    widths = list(encoder._n_features_outs)  # noqa: SLF001 (the per-column output widths)
    firsts = [str(c[0]) for c in encoder.categories_]
    tables = []
    start = 0
    for j, _name in enumerate(columns):
        known = [str(c) for c in encoder.categories_[j]]
        values = known + [_UNKNOWN]
        frame = pd.DataFrame(
            {columns[k]: [firsts[k]] * len(values) for k in range(len(columns))}, dtype=object
        )
        frame[columns[j]] = pd.Series(values, dtype=object)
        encoded = np.asarray(encoder.transform(frame), dtype=float)
        tables.append(
            ({v: i for i, v in enumerate(known)}, encoded[:, start : start + widths[j]].copy())
        )
        start += widths[j]
    return tables


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
