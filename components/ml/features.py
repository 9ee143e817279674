"""How a trained model turns raw table columns into numbers.

The encoding is fitted with the learner and travels inside the trained model, so Score Model
(and a real-time endpoint) can take the same raw rows as Train Model: text, categories,
booleans and dates included. Unlike the designer, a text column with many distinct values
(an id, a free-text comment) does not fail with "ColumnUniqueValuesExceeded": only its most
frequent values get indicator columns and the rest share one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder

from components import metadata
from components.errors import ComponentInputError
from components.ml import column_types

# At most this many indicator columns per categorical feature; rarer values share one.
MAX_CATEGORIES = 100
# Values seen fewer times than this in training share the "infrequent" indicator: a unique id
# then becomes one constant column instead of one column per row.
MIN_CATEGORY_COUNT = 2
# Missing text is a category of its own (the designer's "<column>-Missing" indicator).
MISSING_CATEGORY = "(missing)"
_EPOCH = pd.Timestamp("1970-01-01")


class FeatureKind(StrEnum):
    """How a feature column is encoded."""

    NUMERIC = "numeric"  # float; missing values get the training mean
    BOOLEAN = "boolean"  # 0/1; missing values get the training mean
    DATETIME = "datetime"  # days since 1970; missing values get the training mean
    CATEGORICAL = "categorical"  # one indicator column per frequent value


def missing_features(features: Sequence[str], columns: Sequence[str]) -> str | None:
    """What a table with `columns` lacks for a model trained on `features`, in the words the
    step and Validate (Score Model's check) both use; None when it lacks nothing."""
    present = set(columns)
    missing = [c for c in features if c not in present]
    if not missing:
        return None
    return (
        f"The dataset lacks feature column(s) {', '.join(map(repr, missing))} that the model "
        f"was trained on; got columns: {', '.join(columns)}."
    )


@dataclass(frozen=True)
class FeatureSchema:
    """The feature columns a model was trained on and how each one is encoded."""

    columns: tuple[str, ...]
    kinds: tuple[str, ...]  # a FeatureKind per column

    @classmethod
    def infer(cls, df: pd.DataFrame, columns: Sequence[str]) -> FeatureSchema:
        """Pick each column's encoding from its type and categorical flag."""
        return cls(tuple(columns), tuple(_kind(df[c]).value for c in columns))

    def of_kind(self, *kinds: FeatureKind) -> list[str]:
        """The columns encoded as any of `kinds`, in schema order."""
        wanted = set(kinds)
        return [c for c, k in zip(self.columns, self.kinds, strict=True) if k in wanted]

    def prepare(self, df: pd.DataFrame) -> pd.DataFrame:
        """The feature columns of `df` converted to what the encoder expects.

        Raises:
            ComponentInputError: a feature column is missing or a value cannot be converted.
        """
        problem = missing_features(self.columns, [str(c) for c in df.columns])
        if problem:
            raise ComponentInputError(problem)
        prepared = {
            c: _convert(df[c], c, FeatureKind(k))
            for c, k in zip(self.columns, self.kinds, strict=True)
        }
        return pd.DataFrame(prepared, index=df.index, columns=list(self.columns))

    def encoder(self) -> ColumnTransformer:
        """An unfitted transformer from prepared columns to one numeric matrix."""
        numeric = self.of_kind(FeatureKind.NUMERIC, FeatureKind.BOOLEAN, FeatureKind.DATETIME)
        categorical = self.of_kind(FeatureKind.CATEGORICAL)
        return ColumnTransformer(
            [
                ("numeric", SimpleImputer(strategy="mean", keep_empty_features=True), numeric),
                (
                    "categorical",
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist",
                        max_categories=MAX_CATEGORIES,
                        min_frequency=MIN_CATEGORY_COUNT,
                        sparse_output=False,
                    ),
                    categorical,
                ),
            ],
            sparse_threshold=0.0,
        )

    def report_capped(self, prepared: pd.DataFrame) -> None:
        """Print a note for every categorical feature whose rarer values were grouped."""
        for column in self.of_kind(FeatureKind.CATEGORICAL):
            counts = prepared[column].value_counts()
            kept = min(int((counts >= MIN_CATEGORY_COUNT).sum()), MAX_CATEGORIES - 1)
            if kept < len(counts):
                print(
                    f"Feature '{column}' has {len(counts)} distinct values; {kept} frequent "
                    f"one(s) get an indicator column each, the others share one."
                )


def _kind(series: pd.Series) -> FeatureKind:
    if metadata.is_categorical(series):
        return FeatureKind.CATEGORICAL
    kind = metadata.column_type(series)
    if kind in ("Integer", "Double"):
        return FeatureKind.NUMERIC
    if kind == "Boolean":
        return FeatureKind.BOOLEAN
    if kind == "DateTime":
        return FeatureKind.DATETIME
    return FeatureKind.CATEGORICAL


def _convert(series: pd.Series, column: str, kind: FeatureKind) -> pd.Series:
    if kind is FeatureKind.NUMERIC:
        return column_types.to_double(series, column)
    if kind is FeatureKind.BOOLEAN:
        return column_types.to_double(column_types.to_boolean(series, column), column)
    if kind is FeatureKind.DATETIME:
        dates = column_types.to_datetime(series, column)
        if dates.dt.tz is not None:
            dates = dates.dt.tz_convert(None)
        # Days, not seconds: 1.6e9 seconds next to 0/1 indicators make linear fits ill-conditioned.
        return (dates - _EPOCH) / pd.Timedelta(days=1)
    return category_text(series)


def category_text(series: pd.Series) -> pd.Series:
    """Values as text so that 3, 3.0 and "3" are one category; missing is MISSING_CATEGORY."""
    values = column_types.plain(series).astype(object)
    text = values.map(value_text, na_action="ignore")
    return text.where(values.notna(), MISSING_CATEGORY).astype(object)


def value_text(value: object) -> str:
    """One value as text; whole floats lose their ".0" (3.0 reads as "3")."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
