"""Text Analytics: Preprocess Text, Extract N-Gram Features from Text and Feature Hashing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer
from sklearn.preprocessing import normalize

from components import columns as column_selector
from components import metadata
from components.errors import ComponentInputError
from components.ml import text
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

_STEPS = (
    ("remove_stop_words", "Remove stop words"),
    ("lemmatization", "Use lemmatization"),
    ("detect_sentences", "Detect sentences"),
    ("lowercase", "Normalize case to lowercase"),
    ("remove_numbers", "Remove numbers"),
    ("remove_special_characters", "Remove special characters"),
    ("remove_duplicate_characters", "Remove duplicate characters"),
    ("remove_emails", "Remove email addresses"),
    ("remove_urls", "Remove URLs"),
    ("expand_contractions", "Expand verb contractions"),
    ("normalize_backslashes", "Normalize backslashes to slashes"),
    ("split_on_special_characters", "Split tokens on special characters"),
)
CREATE, READ_ONLY = "Create", "ReadOnly"
BINARY, TF, IDF, TF_IDF = "Binary Weight", "TF Weight", "IDF Weight", "TF-IDF Weight"
VOCABULARY_COLUMNS = ("Id", "NGram", "DF", "IDF")


def column_texts(dataset: pd.DataFrame, column: str | None, label: str) -> pd.Series:
    """The column's values as text, missing values as empty text."""
    if not column or column not in dataset.columns:
        raise ComponentInputError(
            f"{label} {column!r} not found; available: {', '.join(map(str, dataset.columns))}."
        )
    values = dataset[column].astype(object)
    return values.map(str, na_action="ignore").where(values.notna(), "")


@component(
    id="preprocess_text",
    name="Preprocess Text",
    category="Text Analytics",
    inputs=[
        Port("dataset", PortKind.DATASET, "Dataset"),
        Port("stop_words", PortKind.DATASET, "Stop words", optional=True),
    ],
    outputs=[Port("results_dataset", PortKind.DATASET, "Results dataset")],
    params=[
        Param("language", ParamType.CHOICE, "Language", default="English", choices=("English",)),
        Param("text_column", ParamType.COLUMN, "Text column to clean", required=True),
        *(Param(name, ParamType.BOOL, label, default=True) for name, label in _STEPS),
        Param(
            "custom_regex",
            ParamType.STR,
            "Custom regular expression",
            default="",
            help="A Python regular expression applied first.",
        ),
        Param("custom_replacement", ParamType.STR, "Custom replacement string", default=""),
    ],
)
def preprocess_text(
    dataset: pd.DataFrame,
    stop_words: pd.DataFrame | None,
    *,
    language: str,
    text_column: str | None,
    remove_stop_words: bool,
    lemmatization: bool,
    detect_sentences: bool,
    lowercase: bool,
    remove_numbers: bool,
    remove_special_characters: bool,
    remove_duplicate_characters: bool,
    remove_emails: bool,
    remove_urls: bool,
    expand_contractions: bool,
    normalize_backslashes: bool,
    split_on_special_characters: bool,
    custom_regex: str | None,
    custom_replacement: str | None,
) -> dict[str, Any]:
    """Perform cleaning operations on text.

    Appends 'Preprocessed <column>'. Stop words are scikit-learn's English list unless a
    'Stop words' dataset is connected (its first column, one word per row). Lemmatization is
    rule based (components.ml.text); sentences are separated by '|||'.
    """
    values = column_texts(dataset, text_column, "Text column to clean")
    words = text.ENGLISH_STOP_WORDS
    if stop_words is not None:
        if stop_words.shape[1] == 0:
            raise ComponentInputError("The 'Stop words' dataset has no column.")
        words = frozenset(stop_words.iloc[:, 0].dropna().astype(str).str.strip().str.lower())
    if custom_regex:
        try:
            text.re.compile(custom_regex)
        except text.re.error as exc:
            raise ComponentInputError(
                f"'Custom regular expression' {custom_regex!r} is not valid: {exc}."
            ) from exc
    options = text.TextOptions(
        remove_stop_words,
        lemmatization,
        detect_sentences,
        lowercase,
        remove_numbers,
        remove_special_characters,
        remove_duplicate_characters,
        remove_emails,
        remove_urls,
        expand_contractions,
        normalize_backslashes,
        split_on_special_characters,
        custom_regex or "",
        custom_replacement or "",
    )
    out = dataset.copy()
    out[f"Preprocessed {text_column}"] = [text.preprocess(v, options, words) for v in values]
    return {"results_dataset": metadata.keep_metadata(dataset, out)}


@component(
    id="extract_n_gram_features_from_text",
    name="Extract N-Gram Features from Text",
    category="Text Analytics",
    inputs=[
        Port("dataset", PortKind.DATASET, "Dataset"),
        Port("input_vocabulary", PortKind.DATASET, "Input vocabulary", optional=True),
    ],
    outputs=[
        Port("results_dataset", PortKind.DATASET, "Results dataset"),
        Port("result_vocabulary", PortKind.DATASET, "Result vocabulary"),
    ],
    params=[
        Param("text_column", ParamType.COLUMN, "Text column", required=True),
        Param(
            "vocabulary_mode",
            ParamType.CHOICE,
            "Vocabulary mode",
            default=CREATE,
            choices=(CREATE, READ_ONLY),
            help="Create a vocabulary from this dataset, or use the 'Input vocabulary' "
            "(made by this component on training data).",
        ),
        Param("ngram_size", ParamType.INT, "N-Grams size", default=1, min=1, max=10),
        Param(
            "weighting",
            ParamType.CHOICE,
            "Weighting function",
            default=BINARY,
            choices=(BINARY, TF, IDF, TF_IDF),
        ),
        Param("min_word_length", ParamType.INT, "Minimum word length", default=3, min=1),
        Param("max_word_length", ParamType.INT, "Maximum word length", default=25, min=2),
        Param(
            "min_document_frequency",
            ParamType.INT,
            "Minimum n-gram document absolute frequency",
            default=5,
            min=1,
            visible_if={"vocabulary_mode": (CREATE,)},
        ),
        Param(
            "max_document_ratio",
            ParamType.FLOAT,
            "Maximum n-gram document ratio",
            default=1.0,
            min=0.0,
            max=1.0,
            min_exclusive=True,
            visible_if={"vocabulary_mode": (CREATE,)},
        ),
        Param(
            "normalize_vectors",
            ParamType.BOOL,
            "Normalize n-gram feature vectors",
            default=False,
            help="Divide each row's features by their L2 norm.",
        ),
    ],
)
def extract_n_gram_features_from_text(
    dataset: pd.DataFrame,
    input_vocabulary: pd.DataFrame | None,
    *,
    text_column: str | None,
    vocabulary_mode: str,
    ngram_size: int,
    weighting: str,
    min_word_length: int,
    max_word_length: int,
    min_document_frequency: int,
    max_document_ratio: float,
    normalize_vectors: bool,
) -> dict[str, Any]:
    """Create n-gram dictionary features and do feature selection on them.

    Words are runs of letters and digits of the allowed lengths, lowercased; an n-gram joins
    its words with '_'. Features are appended as '<column>.[<n-gram>]'. IDF is
    log(documents / document frequency). In Create mode a connected 'Input vocabulary' is
    ignored; ReadOnly mode uses it (and its IDF) as it is.
    """
    if min_word_length > max_word_length:
        raise ComponentInputError(
            f"'Minimum word length' ({min_word_length}) exceeds 'Maximum word length' "
            f"({max_word_length})."
        )
    documents = column_texts(dataset, text_column, "Text column")
    pattern = rf"(?u)\b\w{{{min_word_length},{max_word_length}}}\b"
    if vocabulary_mode == READ_ONLY:
        vocabulary = _read_vocabulary(input_vocabulary)
        vectorizer = CountVectorizer(
            token_pattern=pattern,
            ngram_range=(1, ngram_size),
            vocabulary=_sklearn_terms(vocabulary["NGram"]),
        )
        counts = vectorizer.transform(documents)
    else:
        if input_vocabulary is not None:
            print("Vocabulary mode is Create: the connected input vocabulary is not used.")
        vectorizer = CountVectorizer(
            token_pattern=pattern,
            ngram_range=(1, ngram_size),
            min_df=min_document_frequency,
            max_df=max_document_ratio,
        )
        try:
            counts = vectorizer.fit_transform(documents)
        except ValueError as exc:
            raise ComponentInputError(
                f"No n-gram of column '{text_column}' occurs in at least "
                f"{min_document_frequency} documents (and at most {max_document_ratio:g} of "
                "them); lower 'Minimum n-gram document absolute frequency'."
            ) from exc
        terms = vectorizer.get_feature_names_out()
        df_counts = np.asarray((counts > 0).sum(axis=0)).ravel()
        vocabulary = pd.DataFrame(
            {
                "Id": np.arange(len(terms)),
                "NGram": [t.replace(" ", "_") for t in terms],
                "DF": df_counts,
                "IDF": np.log(max(len(documents), 1) / df_counts),
            }
        )
    matrix = _weighted(counts, vocabulary["IDF"].to_numpy(dtype=float), weighting)
    if normalize_vectors:
        matrix = normalize(matrix)
    names = [f"{text_column}.[{g}]" for g in vocabulary["NGram"]]
    features = pd.DataFrame(matrix.toarray(), columns=names, index=dataset.index)
    out = pd.concat(
        [dataset.drop(columns=[c for c in names if c in dataset.columns]), features], axis=1
    )
    return {
        "results_dataset": metadata.keep_metadata(dataset, out),
        "result_vocabulary": vocabulary.reset_index(drop=True),
    }


def _read_vocabulary(vocabulary: pd.DataFrame | None) -> pd.DataFrame:
    if vocabulary is None:
        raise ComponentInputError(
            "Vocabulary mode ReadOnly needs the 'Input vocabulary' port connected to the "
            "'Result vocabulary' of an Extract N-Gram Features from Text step."
        )
    missing = [c for c in ("NGram", "IDF") if c not in vocabulary.columns]
    if missing:
        raise ComponentInputError(
            f"The input vocabulary lacks column(s) {', '.join(missing)}; expected the "
            f"columns {', '.join(VOCABULARY_COLUMNS)}."
        )
    return vocabulary.reset_index(drop=True)


def _sklearn_terms(ngrams: pd.Series) -> list[str]:
    return list(dict.fromkeys(str(g).replace("_", " ") for g in ngrams))


def _weighted(counts: Any, idf: np.ndarray, weighting: str) -> Any:
    counts = counts.astype(float).tocsr()
    if weighting == BINARY:
        return (counts > 0).astype(float)
    if weighting == TF:
        return counts
    if weighting == IDF:
        return (counts > 0).astype(float).multiply(idf).tocsr()
    return counts.multiply(idf).tocsr()


# Feature Hashing's output is a dense table: past this many columns it is refused (the designer
# allows 31 bits, i.e. 2^31 columns, which no dense table holds).
MAX_HASHED_COLUMNS = 2**20


@component(
    id="feature_hashing",
    name="Feature Hashing",
    category="Text Analytics",
    inputs=[Port("dataset", PortKind.DATASET, "Dataset")],
    outputs=[Port("transformed_dataset", PortKind.DATASET, "Transformed dataset")],
    params=[
        Param(
            "columns",
            ParamType.COLUMNS,
            "Target columns",
            required=True,
            help="The text columns to hash.",
        ),
        Param(
            "bits",
            ParamType.INT,
            "Hashing bitsize",
            default=10,
            min=1,
            max=31,
            help="2^bits feature columns per text column (1 to 31 as in the designer; the "
            "columns are stored densely, so at most 2^20 columns are made).",
        ),
        Param("ngrams", ParamType.INT, "N-grams", default=2, min=1, max=10),
    ],
)
def feature_hashing(
    dataset: pd.DataFrame, *, columns: dict[str, Any], bits: int, ngrams: int
) -> dict[str, Any]:
    """Convert text data to integer features using the Vowpal Wabbit library's hashing idea.

    Each text column gets 2^bits count columns '<column>_HashingFeature.<i>' (scikit-learn's
    signed 32-bit MurmurHash3 of every lowercase word n-gram up to `ngrams` words).
    """
    selected = column_selector.resolve(dataset, columns)
    if not selected:
        raise ComponentInputError("'Target columns' picks no columns.")
    size = 2**bits
    if size * len(selected) > MAX_HASHED_COLUMNS:
        raise ComponentInputError(
            f"'Hashing bitsize' {bits} makes {size:,} columns per text column; Flowbench "
            f"stores tables densely and makes at most {MAX_HASHED_COLUMNS:,} columns "
            f"(bitsize 20 for one text column). Lower the bitsize."
        )
    if len(dataset) * size * len(selected) > 50_000_000:
        raise ComponentInputError(
            f"'Hashing bitsize' {bits} makes {size} columns per text column for "
            f"{len(dataset)} rows: too large to store densely; lower it."
        )
    hasher = HashingVectorizer(
        n_features=size, ngram_range=(1, ngrams), alternate_sign=False, norm=None
    )
    parts = [dataset]
    for column in selected:
        matrix = hasher.transform(column_texts(dataset, column, "Target column"))
        parts.append(
            pd.DataFrame(
                matrix.toarray().astype(np.int64),
                index=dataset.index,
                columns=[f"{column}_HashingFeature.{i}" for i in range(size)],
            )
        )
    out = pd.concat(parts, axis=1)
    return {"transformed_dataset": metadata.keep_metadata(dataset, out)}
