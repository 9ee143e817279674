"""Clean Missing Data as a transformation: decided and measured on training data, then replayed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from components import metadata
from components.errors import ComponentInputError
from components.ml import column_types
from components.ml.transforms.base import require_columns
from components.ml.transforms.imputation import PpcaImputer, fit_mice

# The designer names an indicator column "<column>_IsMissing".
INDICATOR_SUFFIX = "_IsMissing"


class CleaningMode(StrEnum):
    """The designer's cleaning modes, including its hidden (Alpha) MICE and PCA modes."""

    CUSTOM = "Custom substitution value"
    MEAN = "Replace with mean"
    MEDIAN = "Replace with median"
    MODE = "Replace with mode"
    REMOVE_ROW = "Remove entire row"
    REMOVE_COLUMN = "Remove entire column"
    MICE = "Replace using MICE"
    PPCA = "Replace using Probabilistic PCA"


_UNSUITED = object()  # marks a replacement value that does not suit a column
STATISTIC_MODES = (CleaningMode.MEAN, CleaningMode.MEDIAN, CleaningMode.MODE)
MODEL_MODES = (CleaningMode.MICE, CleaningMode.PPCA)
# Which column types each statistic applies to (clean-missing-data.md).
_ALLOWED_TYPES = {
    CleaningMode.MEAN: ("Integer", "Double", "Boolean"),
    CleaningMode.MEDIAN: ("Integer", "Double"),
    CleaningMode.MICE: ("Integer", "Double", "Boolean"),
    CleaningMode.PPCA: ("Integer", "Double", "Boolean"),
}


@dataclass(frozen=True)
class MissingValueCleaner:
    """Clean Missing Data's transformation.

    Attributes:
        mode: a CleaningMode.
        columns: the columns whose missing values are replaced (or, for Remove entire row,
            whose missing values remove the row): the selected columns whose missing-value
            ratio was within range on the training data.
        replacements: the value for each of `columns` (replacement modes), measured on the
            training data and reused as is on new rows.
        dropped: columns removed (Remove entire column, or all-missing columns under Remove).
        indicators: whether to append a boolean `<column>_IsMissing` per cleaned column.
        imputer: for MICE and Probabilistic PCA, the model fitted on `columns` jointly (a
            scikit-learn IterativeImputer or a PpcaImputer); `replacements` is then empty.
    """

    name: ClassVar[str] = "Clean Missing Data"

    mode: str
    columns: tuple[str, ...]
    replacements: tuple[Any, ...] = ()
    dropped: tuple[str, ...] = ()
    indicators: bool = False
    imputer: Any = None

    @classmethod
    def fit(
        cls,
        df: pd.DataFrame,
        columns: Sequence[str],
        *,
        mode: str,
        min_ratio: float = 0.0,
        max_ratio: float = 1.0,
        replacement_value: str = "0",
        indicators: bool = False,
        remove_all_missing: bool = True,
        iterations: int = 5,
    ) -> MissingValueCleaner:
        """Decide, from `df`, which columns to clean and with which values.

        A column is cleaned when its ratio of missing values is within [min_ratio, max_ratio].
        Remove entire column removes only such columns that do have missing values; a custom
        value must suit every such column that has missing values (complete columns it does
        not suit are left alone). MICE and Probabilistic PCA model the cleaned columns
        jointly for `iterations` rounds.

        Raises:
            ComponentInputError: a column's type does not suit the mode or the replacement value;
                or the mode learns from the rows (a statistic, MICE, Probabilistic PCA) and
                `df` has none.
        """
        mode = CleaningMode(mode)
        if not len(df) and mode in (*STATISTIC_MODES, *MODEL_MODES) and columns:
            # Fitted on no rows, the replacements would be NaN: the transformation would leave
            # every gap of the data it is applied to as it is, and say nothing.
            raise ComponentInputError(
                f"'{mode.value}' learns its replacements from the rows, and the table has none."
            )
        ratios = {c: float(df[c].isna().mean()) if len(df) else 0.0 for c in columns}
        targets = [c for c in columns if min_ratio <= ratios[c] <= max_ratio]
        if mode is CleaningMode.REMOVE_COLUMN:
            return cls(mode.value, (), dropped=tuple(c for c in targets if ratios[c] > 0))
        all_missing = [c for c in targets if len(df) and ratios[c] == 1.0]
        dropped: list[str] = []
        if mode in (*STATISTIC_MODES, *MODEL_MODES, CleaningMode.REMOVE_ROW) and remove_all_missing:
            dropped = all_missing
        if mode in MODEL_MODES:
            targets = [c for c in targets if c not in all_missing]
            _check_types(df, targets, mode)
            imputer = _fit_model(df, targets, mode, iterations) if targets else None
            return cls(mode.value, tuple(targets), (), tuple(dropped), indicators, imputer)
        if mode in STATISTIC_MODES:
            # An all-missing column has no statistic: it is dropped (Remove) or kept as is.
            targets = [c for c in targets if c not in all_missing]
            _check_types(df, targets, mode)
            values = tuple(_statistic(df[c], mode) for c in targets)
        elif mode is CleaningMode.CUSTOM:
            fitting = {
                c: _replacement(df[c], c, replacement_value, required=ratios[c] > 0)
                for c in targets
            }
            # A complete column the value does not suit (a date for "0") needs no cleaning.
            targets = [c for c in targets if fitting[c] is not _UNSUITED]
            values = tuple(fitting[c] for c in targets)
        else:
            targets = [c for c in targets if c not in dropped]
            values = ()
        indicate = indicators and mode is not CleaningMode.REMOVE_ROW
        return cls(mode.value, tuple(targets), values, tuple(dropped), indicate)

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """Clean `df` the way the training data was cleaned.

        Raises:
            ComponentInputError: `df` lacks a column this transformation cleans.
        """
        require_columns(df, self.columns, self.name)
        out = df.drop(columns=[c for c in self.dropped if c in df.columns])
        if self.mode == CleaningMode.REMOVE_ROW:
            keep = ~out[list(self.columns)].isna().any(axis=1)
            return metadata.keep_metadata(df, out[keep].reset_index(drop=True))
        missing = {c: out[c].isna() for c in self.columns}
        if self.imputer is not None:
            out = _impute(out, self.columns, self.imputer)
        else:
            for column, value in zip(self.columns, self.replacements, strict=True):
                out[column] = _fill(out[column], value)
        if self.indicators:
            for column in self.columns:
                out[f"{column}{INDICATOR_SUFFIX}"] = missing[column].to_numpy(dtype=bool)
        return metadata.keep_metadata(df, out)


def _fit_model(df: pd.DataFrame, columns: list[str], mode: CleaningMode, iterations: int) -> Any:
    values = np.column_stack([column_types.to_double(df[c], c).to_numpy() for c in columns])
    if mode is CleaningMode.MICE:
        return fit_mice(values, iterations)
    return PpcaImputer.fit(values, iterations)


def _impute(out: pd.DataFrame, columns: Sequence[str], imputer: Any) -> pd.DataFrame:
    values = np.column_stack([column_types.to_double(out[c], c).to_numpy() for c in columns])
    if not np.isnan(values).any():
        return out
    filled = imputer.transform(values)
    for index, column in enumerate(columns):
        gaps = np.isnan(values[:, index])
        if not gaps.any():
            continue
        series = out[column]
        if metadata.column_type(series) == "Boolean":
            out[column] = series.astype("boolean").where(
                ~gaps, pd.Series(filled[:, index] >= 0.5, index=series.index)
            )
        elif metadata.column_type(series) == "Integer":
            out[column] = series.astype("Float64").where(
                ~gaps, pd.Series(filled[:, index], index=series.index)
            )
        else:
            out[column] = series.where(~gaps, pd.Series(filled[:, index], index=series.index))
    return out


def _check_types(df: pd.DataFrame, columns: list[str], mode: CleaningMode) -> None:
    allowed = _ALLOWED_TYPES.get(mode)
    if allowed is None:
        return
    wrong = [
        f"'{c}' ({_type_name(df[c])})"
        for c in columns
        if metadata.is_categorical(df[c]) or metadata.column_type(df[c]) not in allowed
    ]
    if wrong:
        raise ComponentInputError(
            f"'{mode.value}' applies to {', '.join(allowed)} columns; got {', '.join(wrong)}. "
            "Exclude them from 'Columns to be cleaned' or use another cleaning mode."
        )


def _type_name(series: pd.Series) -> str:
    kind = metadata.column_type(series)
    return f"categorical {kind}" if metadata.is_categorical(series) else kind


def _statistic(series: pd.Series, mode: CleaningMode) -> Any:
    if mode is CleaningMode.MODE:
        return _python(series.mode(dropna=True).iloc[0])
    if metadata.column_type(series) == "Boolean":
        # A Boolean column stays Boolean: the mean is rounded to the nearer of False/True.
        return bool(series.astype(float).mean() >= 0.5)
    numbers = column_types.to_double(series, str(series.name))
    return float(numbers.mean() if mode is CleaningMode.MEAN else numbers.median())


def _replacement(series: pd.Series, column: str, text: str, required: bool) -> Any:
    try:
        return _python(column_types.scalar_for(series, column, text))
    except ComponentInputError as exc:
        if not required:
            return _UNSUITED
        raise ComponentInputError(
            f"Replacement value {text!r} does not suit column '{column}' "
            f"({_type_name(series)}): {exc}"
        ) from exc


def _fill(series: pd.Series, value: Any) -> pd.Series:
    if not series.isna().any():
        return series
    if metadata.is_categorical(series):
        if value not in series.cat.categories:
            series = series.cat.add_categories([value])
        return series.fillna(value)
    if metadata.column_type(series) == "Integer" and not float(value).is_integer():
        # A fractional mean or median turns a (nullable) integer column into a double one.
        series = series.astype("Float64")
    return series.fillna(value)


def _python(value: Any) -> Any:
    # Plain Python scalars keep the transformation easy to serialise safely (skops, JSON).
    return value.item() if hasattr(value, "item") and not isinstance(value, pd.Timestamp) else value
