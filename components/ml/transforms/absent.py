"""A fitted transformation replayed on rows that lack one of its columns (the label, at scoring).

Training-time transformations often cover the label (Clean Missing Data over "all columns"),
yet an inference request carries no label. Rather than refit or rewire, the column is filled
with a real training value for the duration of `apply` and dropped afterwards: the value is
never missing, so it removes no row, and nothing downstream sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from components import metadata
from components.ml.transforms.base import Transformation


@dataclass(frozen=True)
class WithoutColumn:
    """`inner` applied to rows that may lack `column`; `placeholder` stands in for it."""

    inner: Transformation
    column: str
    placeholder: Any

    @property
    def name(self) -> str:
        return self.inner.name

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """`inner.apply(df)`, with `column` filled in and removed again when `df` lacks it."""
        if self.column in df.columns:
            return self.inner.apply(df)
        filled = metadata.keep_metadata(df, df.assign(**{self.column: self.placeholder}))
        out = self.inner.apply(filled)
        return metadata.keep_metadata(out, out.drop(columns=[self.column], errors="ignore"))
