"""Normalize Data as a transformation: statistics from training data, replayed on new rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import ndtr

from components import column_flow, metadata
from components.errors import ComponentInputError
from components.ml import column_types
from components.ml.transforms.base import require_columns, require_values

# Who takes numeric columns only, doing what, from which parameter: the step's message and the
# one Validate gives (components.column_flow.numeric_selection) before it.
NUMERIC_ONLY = ("Normalize Data", "transforms", "Columns to transform")


class NormalizationMethod(StrEnum):
    """The designer's normalization methods."""

    ZSCORE = "ZScore"
    MINMAX = "MinMax"
    LOGISTIC = "Logistic"
    LOGNORMAL = "LogNormal"
    TANH = "Tanh"


# Methods whose output depends on per-column statistics (and so can meet a constant column).
_FITTED = (NormalizationMethod.ZSCORE, NormalizationMethod.MINMAX, NormalizationMethod.LOGNORMAL)


@dataclass(frozen=True)
class Normalizer:
    """Normalize Data's transformation.

    Attributes:
        method: a NormalizationMethod.
        columns: the numeric columns transformed in place.
        centers: per column, the training mean (ZScore), minimum (MinMax) or mean of logs
            (LogNormal); unused by Logistic and Tanh.
        scales: per column, the population standard deviation (ZScore), range (MinMax) or
            standard deviation of logs (LogNormal).
        constant_columns_zero: a column constant in training becomes 0 (else NaN).
    """

    name: ClassVar[str] = "Normalize Data"

    method: str
    columns: tuple[str, ...]
    centers: tuple[float, ...] = ()
    scales: tuple[float, ...] = ()
    constant_columns_zero: bool = True

    @classmethod
    def fit(
        cls,
        df: pd.DataFrame,
        columns: Sequence[str],
        *,
        method: str,
        constant_columns_zero: bool = True,
    ) -> Normalizer:
        """Measure the statistics `method` needs on the `columns` of `df`.

        Raises:
            ComponentInputError: a column is not numeric, LogNormal meets a value <= 0, or a
                method that learns from the rows (ZScore, MinMax, LogNormal) gets none, or a
                column with no values (every row missing).
        """
        method = NormalizationMethod(method)
        column_flow.require_numeric(df, columns, *NUMERIC_ONLY)
        if method in _FITTED and columns and not len(df):
            # Fitted on no rows, every column would look constant: the transformation would
            # turn any data it is applied to into zeros, and say nothing.
            raise ComponentInputError(
                f"'{method.value}' learns its statistics from the rows, and the table has none."
            )
        if method not in _FITTED:
            return cls(method.value, tuple(columns), constant_columns_zero=constant_columns_zero)
        centers, scales = [], []
        require_values(df, columns, f"'{method.value}' learns its statistics")
        for column in columns:
            values = column_types.to_double(df[column], column).dropna().to_numpy()
            if method is NormalizationMethod.LOGNORMAL:
                if (values <= 0).any():
                    raise ComponentInputError(
                        f"LogNormal needs positive values; column '{column}' has values <= 0 "
                        f"(minimum {values.min():g}). Use another method for this column."
                    )
                values = np.log(values)
            if method is NormalizationMethod.MINMAX:
                centers.append(float(values.min()))
                scales.append(float(values.max() - values.min()))
            else:
                # Population statistics (ddof=0), as the designer computes them; for LogNormal
                # they are the maximum-likelihood estimates.
                centers.append(float(values.mean()))
                scales.append(float(values.std(ddof=0)))
        return cls(
            method.value, tuple(columns), tuple(centers), tuple(scales), constant_columns_zero
        )

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """`df` with each column replaced by its normalized value (missing stays missing).

        Raises:
            ComponentInputError: `df` lacks a column or holds non-numeric values in one.
        """
        require_columns(df, self.columns, self.name)
        out = df.copy()
        for index, column in enumerate(self.columns):
            values = column_types.to_double(df[column], column).to_numpy()
            out[column] = self._transform(values, index)
        return metadata.keep_metadata(df, out)

    def _transform(self, x: np.ndarray, index: int) -> np.ndarray:
        method = NormalizationMethod(self.method)
        if method is NormalizationMethod.LOGISTIC:
            return 1.0 / (1.0 + np.exp(-x))
        if method is NormalizationMethod.TANH:
            return np.tanh(x)
        center, scale = self.centers[index], self.scales[index]
        if not scale > 0:
            constant = 0.0 if self.constant_columns_zero else np.nan
            return np.where(np.isnan(x), np.nan, constant)
        if method is NormalizationMethod.LOGNORMAL:
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = np.log(np.where(x > 0, x, np.nan))
            # The log-normal CDF; it is 0 at and below 0, where the log is undefined.
            return np.where(x <= 0, 0.0, ndtr((logs - center) / scale))
        return (x - center) / scale
