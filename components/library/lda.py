"""Latent Dirichlet Allocation: topic modelling of text, and the fitted model as a transform."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.decomposition import LatentDirichletAllocation
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer

from components import columns as column_selector
from components.errors import ComponentInputError
from components.ml.transforms.topics import TopicModel, documents
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

_ALL_OPTIONS = {"show_all_options": (True,)}


@component(
    id="latent_dirichlet_allocation",
    name="Latent Dirichlet Allocation",
    category="Text Analytics",
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[
        Port("transformed_dataset", PortKind.DATASET, "Transformed dataset"),
        Port("feature_topic_matrix", PortKind.DATASET, "Feature topic matrix"),
        Port("lda_transformation", PortKind.TRANSFORMATION, "LDA transformation"),
    ],
    params=[
        Param(
            "columns",
            ParamType.COLUMNS,
            "Target column(s)",
            required=True,
            help="Text columns; a row's texts are joined into one document.",
        ),
        Param("topics", ParamType.INT, "Number of topics to model", default=5, min=1, max=1000),
        Param("ngrams", ParamType.INT, "N-grams", default=2, min=1, max=10),
        Param(
            "normalize",
            ParamType.BOOL,
            "Normalize",
            default=True,
            help="Report probabilities: P(topic | document) and P(term | topic).",
        ),
        Param("show_all_options", ParamType.BOOL, "Show all options", default=False),
        Param(
            "rho",
            ParamType.FLOAT,
            "Rho parameter",
            default=0.01,
            min=0.0,
            min_exclusive=True,
            visible_if=_ALL_OPTIONS,
            help="Prior of each topic's term distribution.",
        ),
        Param(
            "alpha",
            ParamType.FLOAT,
            "Alpha parameter",
            default=0.01,
            min=0.0,
            min_exclusive=True,
            visible_if=_ALL_OPTIONS,
            help="Prior of each document's topic distribution.",
        ),
        Param(
            "estimated_documents",
            ParamType.INT,
            "Estimated number of documents",
            default=1000,
            min=1,
            visible_if=_ALL_OPTIONS,
        ),
        Param(
            "batch_size",
            ParamType.INT,
            "Size of the batch",
            default=32,
            min=1,
            visible_if=_ALL_OPTIONS,
        ),
        Param(
            "initial_iteration",
            ParamType.FLOAT,
            "Initial value of iteration used in learning rate update schedule",
            default=10.0,
            min=1.0,
            visible_if=_ALL_OPTIONS,
        ),
        Param(
            "power",
            ParamType.FLOAT,
            "Power applied to the iteration during updates",
            default=0.5,
            min=0.5,
            max=1.0,
            visible_if=_ALL_OPTIONS,
        ),
        Param(
            "passes",
            ParamType.INT,
            "Number of passes over the data",
            default=25,
            min=1,
            max=1000,
            visible_if=_ALL_OPTIONS,
        ),
        Param(
            "build_dictionary",
            ParamType.BOOL,
            "Build dictionary of ngrams",
            default=True,
            help="Count dictionary n-grams; unchecked hashes them.",
        ),
        Param(
            "max_dictionary_size",
            ParamType.INT,
            "Maximum size of ngram dictionary",
            default=20000,
            min=1,
            visible_if={"build_dictionary": (True,)},
        ),
        Param(
            "hash_bits",
            ParamType.INT,
            "Number of bits to use for feature hashing",
            default=12,
            min=1,
            max=20,
            visible_if={"build_dictionary": (False,)},
        ),
    ],
)
def latent_dirichlet_allocation(
    dataset: pd.DataFrame,
    *,
    columns: dict[str, Any],
    topics: int,
    ngrams: int,
    normalize: bool,
    show_all_options: bool,
    rho: float,
    alpha: float,
    estimated_documents: int,
    batch_size: int,
    initial_iteration: float,
    power: float,
    passes: int,
    build_dictionary: bool,
    max_dictionary_size: int,
    hash_bits: int,
) -> dict[str, Any]:
    """Topic modelling: group documents into topics with Latent Dirichlet Allocation.

    scikit-learn's online variational LDA (seed 0): rho and alpha are the topic-term and
    document-topic priors, the iteration offset and power the learning-rate schedule, passes
    the number of epochs. Terms are lowercase word n-grams of up to `ngrams` words.
    """
    selected = column_selector.resolve(dataset, columns)
    if not selected:
        raise ComponentInputError("'Target column(s)' picks no columns.")
    texts = documents(dataset, selected)
    if build_dictionary:
        vectorizer: Any = CountVectorizer(ngram_range=(1, ngrams), max_features=max_dictionary_size)
    else:
        vectorizer = HashingVectorizer(
            n_features=2**hash_bits, ngram_range=(1, ngrams), alternate_sign=False, norm=None
        )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError as exc:
        raise ComponentInputError(
            f"The column(s) {', '.join(map(repr, selected))} hold no words to model: {exc}."
        ) from exc
    model = LatentDirichletAllocation(
        n_components=topics,
        doc_topic_prior=alpha,
        topic_word_prior=rho,
        learning_method="online",
        learning_offset=initial_iteration,
        learning_decay=power,
        total_samples=estimated_documents,
        batch_size=batch_size,
        max_iter=passes,
        random_state=0,
    ).fit(counts)
    transformation = TopicModel(tuple(selected), vectorizer, model, normalize)
    return {
        "transformed_dataset": transformation.apply(dataset),
        "feature_topic_matrix": transformation.feature_topics(),
        "lda_transformation": transformation,
    }
