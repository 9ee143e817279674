"""Select Columns Transform as a transformation: keep the columns a dataset had."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from components import metadata
from components.ml.transforms.base import require_columns


@dataclass(frozen=True)
class ColumnSelection:
    """Select Columns Transform's transformation: project onto `columns`, in their order."""

    name: ClassVar[str] = "Select Columns Transform"

    columns: tuple[str, ...]

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """`df` with only `columns`, in that order.

        Raises:
            ComponentInputError: `df` lacks one of the columns.
        """
        require_columns(df, self.columns, self.name)
        return metadata.keep_metadata(df, df[list(self.columns)])
