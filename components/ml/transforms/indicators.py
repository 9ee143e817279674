"""Convert to Indicator Values as a transformation: categories learnt once, replayed on new rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from components import metadata
from components.errors import ComponentInputError
from components.ml.features import value_text
from components.ml.transforms.base import require_columns

MISSING = "Missing"


@dataclass(frozen=True)
class IndicatorEncoder:
    """Convert to Indicator Values' transformation.

    Attributes:
        columns: the categorical columns converted.
        categories: per column, the category texts seen in training; each becomes a 0/1
            column '<column>-<category>'.
        with_missing: per column, whether training had missing values, which then get a
            '<column>-Missing' column.
        overwrite: whether the indicator columns replace the categorical column (else they
            follow it).

    On new rows a category unseen in training sets none of the column's indicators.
    """

    name: ClassVar[str] = "Convert to Indicator Values"

    columns: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    with_missing: tuple[bool, ...]
    overwrite: bool = False

    @classmethod
    def fit(
        cls, df: pd.DataFrame, columns: Sequence[str], *, overwrite: bool = False
    ) -> IndicatorEncoder:
        """Learn the categories of `columns`.

        Raises:
            ComponentInputError: a column is not categorical (the designer's Error 0056).
        """
        wrong = [
            f"'{c}' ({metadata.column_type(df[c])})"
            for c in columns
            if not metadata.is_categorical(df[c])
        ]
        if wrong:
            raise ComponentInputError(
                f"Convert to Indicator Values needs categorical columns; not categorical: "
                f"{', '.join(wrong)}. Make them categorical with Edit Metadata first."
            )
        categories = []
        for column in columns:
            series = df[column]
            # Categories in their declared order, present or not, as the designer lists them.
            categories.append(tuple(dict.fromkeys(value_text(v) for v in series.cat.categories)))
        return cls(
            tuple(columns),
            tuple(categories),
            tuple(bool(df[c].isna().any()) for c in columns),
            overwrite,
        )

    def output_names(self, index: int) -> list[str]:
        """The indicator column names of the `index`-th column."""
        column = self.columns[index]
        names = [f"{column}-{value}" for value in self.categories[index]]
        return names + ([f"{column}-{MISSING}"] if self.with_missing[index] else [])

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """`df` with indicator columns for each converted column.

        Raises:
            ComponentInputError: `df` lacks a converted column.
        """
        require_columns(df, self.columns, self.name)
        parts: dict[str, pd.DataFrame] = {}
        for index, column in enumerate(self.columns):
            values = df[column].astype(object)
            text = values.map(value_text, na_action="ignore")
            block = {
                f"{column}-{value}": (text == value).to_numpy(dtype=np.int64)
                for value in self.categories[index]
            }
            if self.with_missing[index]:
                block[f"{column}-{MISSING}"] = values.isna().to_numpy(dtype=np.int64)
            parts[column] = pd.DataFrame(block, index=df.index)
        pieces: list[pd.DataFrame] = []
        for column in df.columns:
            if column in parts:
                if not self.overwrite:
                    pieces.append(df[[column]])
                pieces.append(parts[column])
            else:
                pieces.append(df[[column]])
        out = pd.concat(pieces, axis=1) if pieces else df.copy()
        clashes = out.columns[out.columns.duplicated()].tolist()
        if clashes:
            raise ComponentInputError(
                f"Indicator column(s) {', '.join(map(repr, clashes))} clash with existing "
                "columns; rename those columns first."
            )
        return metadata.keep_metadata(df, out)
