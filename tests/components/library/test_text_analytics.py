"""Tests of Preprocess Text, Extract N-Gram Features, Feature Hashing and LDA."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import HashingVectorizer

from components.columns import by_names
from components.errors import ComponentInputError
from components.ml.text import lemma

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def reviews() -> pd.DataFrame:
    """Six short reviews, one missing."""
    return pd.DataFrame(
        {
            "text": pd.Series(
                [
                    "great battery life",
                    "battery died fast",
                    "great screen great price",
                    None,
                    "screen cracked, battery fine",
                    "price too high",
                ],
                dtype="str",
            ),
            "stars": [5, 1, 5, 3, 2, 2],
        }
    )


def test_preprocess_text_steps(run: Run) -> None:
    """URLs, emails, numbers, stop words go; contractions expand; plurals lemmatize."""
    df = pd.DataFrame(
        {"text": ["We can't see the boxes at https://x.io!!! Mail a@b.com. Cats cost 12 dollars"]}
    )
    out = run("preprocess_text", {"dataset": df}, text_column="text")["results_dataset"]
    assert out["Preprocessed text"].iloc[0] == "box ||| mail ||| cat cost dollar"


def test_preprocess_text_custom_stop_words_and_options(run: Run) -> None:
    """A stop-word dataset replaces the built-in list; unchecked steps do not run."""
    df = pd.DataFrame({"text": ["The Cats sat"]})
    stop = pd.DataFrame({"word": ["sat"]})
    out = run(
        "preprocess_text",
        {"dataset": df, "stop_words": stop},
        text_column="text",
        lemmatization=False,
        lowercase=False,
    )["results_dataset"]
    assert out["Preprocessed text"].iloc[0] == "The Cats"


def test_lemma_rules() -> None:
    """Irregular forms and regular plurals reduce; short and -ss words stay."""
    assert [lemma(w) for w in ("were", "studies", "boxes", "dogs", "glass", "bus", "is")] == [
        "be",
        "study",
        "box",
        "dog",
        "glass",
        "bus",
        "be",
    ]


def test_ngram_tfidf_matches_formula(run: Run, reviews: pd.DataFrame) -> None:
    """TF-IDF = count * log(N / DF) for n-grams in at least two documents."""
    out = run(
        "extract_n_gram_features_from_text",
        {"dataset": reviews},
        text_column="text",
        weighting="TF-IDF Weight",
        min_document_frequency=2,
        ngram_size=2,
    )
    vocabulary = out["result_vocabulary"].set_index("NGram")
    assert set(vocabulary.index) == {"battery", "great", "screen", "price"}
    assert vocabulary.loc["battery", "DF"] == 3
    assert vocabulary.loc["battery", "IDF"] == pytest.approx(np.log(6 / 3))
    features = out["results_dataset"]
    assert features["text.[great]"].iloc[2] == pytest.approx(2 * np.log(6 / 2))
    assert features["text.[great]"].iloc[3] == 0.0


def test_ngram_readonly_reuses_vocabulary(run: Run, reviews: pd.DataFrame) -> None:
    """ReadOnly mode gives new text exactly the training vocabulary's columns and IDF."""
    created = run(
        "extract_n_gram_features_from_text",
        {"dataset": reviews},
        text_column="text",
        min_document_frequency=2,
        weighting="IDF Weight",
    )
    new = pd.DataFrame({"text": ["battery great, unknown words"]})
    out = run(
        "extract_n_gram_features_from_text",
        {"dataset": new, "input_vocabulary": created["result_vocabulary"]},
        text_column="text",
        vocabulary_mode="ReadOnly",
        weighting="IDF Weight",
    )
    row = out["results_dataset"].iloc[0]
    assert row["text.[battery]"] == pytest.approx(np.log(2))
    assert row["text.[screen]"] == 0.0
    assert len(out["results_dataset"].columns) == 1 + 4


def test_ngram_errors(run: Run, reviews: pd.DataFrame) -> None:
    """No frequent n-gram, or ReadOnly without a vocabulary, are user errors."""
    with pytest.raises(ComponentInputError, match="occurs in at least 5 documents"):
        run("extract_n_gram_features_from_text", {"dataset": reviews}, text_column="text")
    with pytest.raises(ComponentInputError, match="'Input vocabulary' port connected"):
        run(
            "extract_n_gram_features_from_text",
            {"dataset": reviews},
            text_column="text",
            vocabulary_mode="ReadOnly",
        )


def test_feature_hashing_matches_sklearn(run: Run, reviews: pd.DataFrame) -> None:
    """Hashed counts equal scikit-learn's HashingVectorizer with the same settings."""
    out = run("feature_hashing", {"dataset": reviews}, columns=by_names("text"), bits=6, ngrams=2)[
        "transformed_dataset"
    ]
    hashed = out[[f"text_HashingFeature.{i}" for i in range(64)]].to_numpy()
    expected = (
        HashingVectorizer(n_features=64, ngram_range=(1, 2), alternate_sign=False, norm=None)
        .transform(reviews["text"].fillna(""))
        .toarray()
    )
    np.testing.assert_array_equal(hashed, expected)
    assert out["stars"].tolist() == reviews["stars"].tolist()


def test_lda_outputs_and_replay(run: Run, reviews: pd.DataFrame) -> None:
    """Topic weights sum to 1 per row; the transformation reproduces them on the same rows."""
    out = run(
        "latent_dirichlet_allocation",
        {"dataset": reviews},
        columns=by_names("text"),
        topics=3,
        ngrams=1,
    )
    topics = out["transformed_dataset"][["Topic 1", "Topic 2", "Topic 3"]]
    np.testing.assert_allclose(topics.sum(axis=1), 1.0)
    matrix = out["feature_topic_matrix"]
    assert "battery" in set(matrix["Feature"])
    np.testing.assert_allclose(matrix[["Topic 1", "Topic 2", "Topic 3"]].sum(axis=0), 1.0)
    replayed = run(
        "apply_transformation", {"transformation": out["lda_transformation"], "dataset": reviews}
    )["transformed_dataset"]
    pd.testing.assert_frame_equal(replayed, out["transformed_dataset"])


def test_lda_unnormalized_counts_and_empty_text(run: Run, reviews: pd.DataFrame) -> None:
    """Unnormalized weights sum to each document's term count; no words is a user error."""
    out = run(
        "latent_dirichlet_allocation",
        {"dataset": reviews},
        columns=by_names("text"),
        topics=2,
        ngrams=1,
        normalize=False,
    )["transformed_dataset"]
    np.testing.assert_allclose(out[["Topic 1", "Topic 2"]].sum(axis=1), [3, 3, 4, 0, 4, 3])
    with pytest.raises(ComponentInputError, match="hold no words"):
        run(
            "latent_dirichlet_allocation",
            {"dataset": pd.DataFrame({"text": ["", None]})},
            columns=by_names("text"),
        )


def test_feature_hashing_bitsize_goes_to_31_with_a_clear_limit(
    run: Run, reviews: pd.DataFrame
) -> None:
    """31 is a valid bitsize, as in the designer; a table too wide to store says so."""
    import components

    spec = components.get("feature_hashing").spec
    assert spec.check_params({"columns": by_names("text"), "bits": 31}) == []
    assert spec.check_params({"columns": by_names("text"), "bits": 32}) != []
    with pytest.raises(ComponentInputError, match=r"bitsize' 31 makes 2,147,483,648 columns"):
        run("feature_hashing", {"dataset": reviews}, columns=by_names("text"), bits=31)
