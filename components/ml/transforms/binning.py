"""Group Data into Bins as a transformation: bin edges from training data, replayed on new rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from components import column_flow, metadata
from components.errors import ComponentInputError
from components.ml import column_types
from components.ml.transforms.base import require_columns, require_values

QUANTILES, EQUAL_WIDTH, CUSTOM_EDGES = "Quantiles", "Equal Width", "Custom Edges"
PERCENT, PQUANTILE, QUANTILE_INDEX = "Percent", "PQuantile", "Quantile Index"
APPEND, INPLACE, RESULT_ONLY = "Append", "Inplace", "Result Only"
# The designer's name for an appended binned column.
SUFFIX = "_quantized"
# Who takes numeric columns only, doing what, from which parameter: the step's message and the
# one Validate gives (components.column_flow.numeric_selection) before it.
NUMERIC_ONLY = ("Group Data into Bins", "bins", "Columns to bin")


@dataclass(frozen=True)
class Binner:
    """Group Data into Bins' transformation.

    Attributes:
        columns: the numeric columns binned.
        edges: per column, the inner bin edges in increasing order; bin i (1-based) holds the
            values in (edges[i-2], edges[i-1]], the first bin everything up to edges[0] and
            the last everything above edges[-1], so new rows outside the training range land
            in the end bins.
        normalization: how a quantile bin is reported: Quantile Index (1..k), PQuantile
            (i / k) or Percent (100 * i / k); equal-width and custom-edge bins report i.
        output_mode: Append ('<column>_quantized'), Inplace or Result Only.
        categorical: whether binned columns are tagged categorical.
    """

    name: ClassVar[str] = "Group Data into Bins"

    columns: tuple[str, ...]
    edges: tuple[tuple[float, ...], ...]
    normalization: str = QUANTILE_INDEX
    output_mode: str = APPEND
    categorical: bool = True

    @classmethod
    def fit(
        cls,
        df: pd.DataFrame,
        columns: Sequence[str],
        *,
        mode: str,
        bins: int = 10,
        custom_edges: Sequence[float] = (),
        normalization: str = PERCENT,
        output_mode: str = APPEND,
        categorical: bool = True,
    ) -> Binner:
        """Compute each column's edges: quantiles, equal widths, or the given edges.

        Raises:
            ComponentInputError: a column is not numeric, custom edges are not increasing, or
                quantile or equal-width edges are to be learned from a table with no rows or
                from a column with no values (every row missing).
        """
        if mode != CUSTOM_EDGES and columns and not len(df):
            # Learned from no rows, the edges would be none: the transformation would put every
            # value of the data it is applied to into one bin, and say nothing.
            raise ComponentInputError(
                f"'{mode}' binning learns its bin edges from the rows, and the table has none."
            )
        column_flow.require_numeric(df, columns, *NUMERIC_ONLY)
        if mode != CUSTOM_EDGES:
            require_values(df, columns, f"'{mode}' binning learns its bin edges")
        edges = []
        for column in columns:
            values = column_types.to_double(df[column], column).dropna().to_numpy()
            if mode == CUSTOM_EDGES:
                inner = np.asarray(custom_edges, dtype=float)
                if len(inner) == 0 or (np.diff(inner) <= 0).any():
                    raise ComponentInputError(
                        f"'Comma-separated list of bin edges' must hold increasing numbers; "
                        f"got {list(custom_edges)}."
                    )
            elif mode == QUANTILES:
                inner = np.unique(np.quantile(values, np.arange(1, bins) / bins))
            else:
                low, high = values.min(), values.max()
                inner = low + (high - low) * np.arange(1, bins) / bins
                inner = np.unique(inner) if high > low else np.array([])
            edges.append(tuple(float(e) for e in inner))
        return cls(
            tuple(columns),
            tuple(edges),
            normalization if mode == QUANTILES else QUANTILE_INDEX,
            output_mode,
            categorical,
        )

    def bin_numbers(self, values: np.ndarray, index: int) -> np.ndarray:
        """The 1-based bin of each value (NaN stays NaN)."""
        bins = np.searchsorted(np.asarray(self.edges[index]), values, side="left") + 1.0
        return np.where(np.isnan(values), np.nan, bins)

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """`df` with binned columns.

        Raises:
            ComponentInputError: `df` lacks a binned column or holds non-numbers in one.
        """
        require_columns(df, self.columns, self.name)
        results: dict[str, pd.Series] = {}
        for index, column in enumerate(self.columns):
            numbers = column_types.to_double(df[column], column).to_numpy()
            results[column] = self._reported(self.bin_numbers(numbers, index), index, df.index)
        if self.output_mode == RESULT_ONLY:
            out = pd.DataFrame(results).reset_index(drop=True)
            return metadata.keep_metadata(df, out)
        out = df.copy()
        for column, series in results.items():
            out[column if self.output_mode == INPLACE else f"{column}{SUFFIX}"] = series
        return metadata.keep_metadata(df, out)

    def _reported(self, bins: np.ndarray, index: int, rows: pd.Index) -> pd.Series:
        count = len(self.edges[index]) + 1
        if self.normalization == PQUANTILE:
            values, levels = bins / count, np.arange(1, count + 1) / count
        elif self.normalization == PERCENT:
            values, levels = 100.0 * bins / count, 100.0 * np.arange(1, count + 1) / count
        else:
            values, levels = bins, np.arange(1, count + 1, dtype=float)
        if self.normalization == QUANTILE_INDEX:
            series = pd.Series(values, index=rows).astype("Int64")
            levels = levels.astype(np.int64)
        else:
            series = pd.Series(values, index=rows)
        if not series.isna().any() and self.normalization == QUANTILE_INDEX:
            series = series.astype(np.int64)
        if self.categorical:
            return pd.Series(pd.Categorical(series, categories=levels), index=rows)
        return series
