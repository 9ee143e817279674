"""Latent Dirichlet Allocation as a transformation: a fitted topic model replayed on new rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from components import metadata
from components.ml.transforms.base import require_columns


def documents(df: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """One document per row: the texts of `columns` joined by spaces (missing as empty)."""
    parts = []
    for column in columns:
        values = df[column].astype(object)
        parts.append(values.map(str, na_action="ignore").where(values.notna(), "").tolist())
    return [" ".join(texts) for texts in zip(*parts, strict=True)] if parts else []


def topic_names(count: int) -> list[str]:
    """The output column of each topic: 'Topic 1' .. 'Topic k'."""
    return [f"Topic {i}" for i in range(1, count + 1)]


@dataclass(frozen=True)
class TopicModel:
    """Latent Dirichlet Allocation's transformation.

    Attributes:
        columns: the text columns whose joined text is one document per row.
        vectorizer: the fitted scikit-learn CountVectorizer (n-gram dictionary) or
            HashingVectorizer that turns documents into term counts.
        model: the fitted scikit-learn LatentDirichletAllocation.
        normalize: report P(topic | document); otherwise the expected number of the
            document's terms drawn from each topic.
    """

    name: ClassVar[str] = "Latent Dirichlet Allocation"

    columns: tuple[str, ...]
    vectorizer: Any
    model: Any
    normalize: bool = True

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        """`df` with a 'Topic i' column per topic.

        Raises:
            ComponentInputError: `df` lacks one of the text columns.
        """
        require_columns(df, self.columns, self.name)
        counts = self.vectorizer.transform(documents(df, self.columns))
        weights = self.model.transform(counts)
        if not self.normalize:
            weights = weights * np.asarray(counts.sum(axis=1)).reshape(-1, 1)
        names = topic_names(weights.shape[1])
        topics = pd.DataFrame(weights, columns=names, index=df.index)
        out = pd.concat([df.drop(columns=[c for c in names if c in df.columns]), topics], axis=1)
        return metadata.keep_metadata(df, out)

    def feature_topics(self) -> pd.DataFrame:
        """One row per term: its weight in each topic (P(term | topic) when normalized)."""
        weights = self.model.components_
        if self.normalize:
            weights = weights / weights.sum(axis=1, keepdims=True)
        if hasattr(self.vectorizer, "get_feature_names_out") and hasattr(
            self.vectorizer, "vocabulary_"
        ):
            terms = [t.replace(" ", "_") for t in self.vectorizer.get_feature_names_out()]
        else:
            terms = [f"hash_{i}" for i in range(weights.shape[1])]
        table = pd.DataFrame(weights.T, columns=topic_names(weights.shape[0]))
        table.insert(0, "Feature", terms)
        return table
