"""The contract of a transformation: what flows along the designer's "Transformation" ports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import pandas as pd

from components.errors import ComponentInputError


@runtime_checkable
class Transformation(Protocol):
    """A fitted data transformation that Apply Transformation replays on new rows.

    Implementations are picklable dataclasses holding training-time statistics; `apply` never
    refits, so an inference pipeline cleans and scales requests exactly as training did.
    """

    @property
    def name(self) -> str:
        """The component that made it, for messages ("Clean Missing Data")."""
        ...

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """The transformed copy of `df` (metadata kept); `df` itself is not changed."""
        ...


def require_columns(df: pd.DataFrame, columns: Iterable[str], transformation: str) -> None:
    """Raise ComponentInputError naming the `columns` that `df` lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ComponentInputError(
            f"The dataset lacks column(s) {', '.join(map(repr, missing))} that the "
            f"{transformation} transformation was fitted on; got columns: "
            f"{', '.join(map(str, df.columns))}."
        )


def require_values(df: pd.DataFrame, columns: Iterable[str], learner: str) -> None:
    """Raise ComponentInputError naming the `columns` of `df` in which every row is missing.

    `learner` says what the transformation learns ("'ZScore' learns its statistics"). Learned
    from no values, a transformation maps whatever it is later applied to onto one constant (a
    zero, a single bin) without a word."""
    empty = [str(c) for c in columns if not df[c].notna().any()]
    if not empty:
        return
    one = len(empty) == 1
    raise ComponentInputError(
        f"{learner} from each column's values, and {'column' if one else 'columns'} "
        f"{', '.join(map(repr, empty))} {'has' if one else 'have'} none (all {len(df)} rows "
        f"are missing). Leave {'it' if one else 'them'} out of the selection, or remove or "
        f"fill {'it' if one else 'them'} first (Clean Missing Data)."
    )
