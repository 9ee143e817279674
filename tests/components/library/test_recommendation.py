"""Tests of the SVD recommender: training, rating prediction, recommendation and evaluation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from components.errors import ComponentInputError

Run = Callable[..., dict[str, Any]]


@pytest.fixture
def ratings() -> pd.DataFrame:
    """Ratings from a rank-one taste model: user taste times item appeal, 1-5 stars."""
    rng = np.random.default_rng(6)
    taste = rng.uniform(0.5, 1.5, 30)
    appeal = np.linspace(1, 5, 12)
    rows = [
        (f"u{u}", f"i{i}", float(np.clip(taste[u] * appeal[i], 1, 5)))
        for u in range(30)
        for i in range(12)
        if rng.random() < 0.7
    ]
    return pd.DataFrame(rows, columns=["user", "item", "stars"])


def trained(run: Run, data: pd.DataFrame, **params: Any) -> Any:
    params = {"factors": 8, "iterations": 60, "learning_rate": 0.02, **params}
    return run("train_svd_recommender", {"training_dataset": data}, **params)["trained_model"]


def test_rating_prediction_fits_the_training_ratings(run: Run, ratings: pd.DataFrame) -> None:
    """Predicted ratings are close to the ratings trained on, and Evaluate reports MAE/RMSE."""
    model = trained(run, ratings)
    scored = run(
        "score_svd_recommender",
        {"trained_model": model, "dataset_to_score": ratings},
        prediction_kind="Rating Prediction",
    )["scored_dataset"]
    assert list(scored.columns) == ["User", "Item", "Rating"]
    metric = run("evaluate_recommender", {"test_dataset": ratings, "scored_dataset": scored})[
        "metric"
    ]
    errors = ratings["stars"].to_numpy() - scored["Rating"].to_numpy()
    assert metric.loc[0, "Mean Absolute Error"] == pytest.approx(np.abs(errors).mean())
    assert metric.loc[0, "Root Mean Squared Error"] == pytest.approx(np.sqrt((errors**2).mean()))
    assert metric.loc[0, "Mean Absolute Error"] < 0.5


def test_recommendations_come_best_first(run: Run, ratings: pd.DataFrame) -> None:
    """From all items, the top recommendations are the most appealing items."""
    model = trained(run, ratings)
    scored = run(
        "score_svd_recommender",
        {"trained_model": model, "dataset_to_score": ratings},
        item_selection="From All Items",
        max_items=3,
        return_ratings=True,
    )["scored_dataset"]
    assert list(scored.columns) == [
        "User",
        "Item 1",
        "Rating 1",
        "Item 2",
        "Rating 2",
        "Item 3",
        "Rating 3",
    ]
    assert len(scored) == 30
    assert (scored["Rating 1"] >= scored["Rating 2"]).all()
    assert scored["Item 1"].isin(["i11", "i10", "i9"]).mean() > 0.8


def test_unrated_items_exclude_training_items(run: Run, ratings: pd.DataFrame) -> None:
    """'From Unrated Items' never recommends an item the user rated in training."""
    model = trained(run, ratings, iterations=5)
    scored = run(
        "score_svd_recommender",
        {"trained_model": model, "dataset_to_score": ratings},
        item_selection="From Unrated Items (to suggest new items to users)",
        max_items=2,
    )["scored_dataset"]
    rated = set(zip(ratings["user"], ratings["item"], strict=True))
    recommended = {
        (u, i) for u, i in zip(scored["User"], scored["Item 1"], strict=True) if pd.notna(i)
    }
    assert recommended and not recommended & rated


def test_ndcg_against_a_hand_computed_value(run: Run) -> None:
    """NDCG is DCG of the recommended items' test ratings over the ideal DCG, per user."""
    test = pd.DataFrame({"u": ["a", "a", "a"], "i": ["x", "y", "z"], "r": [3.0, 2.0, 1.0]})
    scored = pd.DataFrame({"User": ["a"], "Item 1": ["z"], "Item 2": ["x"]})
    metric = run("evaluate_recommender", {"test_dataset": test, "scored_dataset": scored})
    dcg = 1.0 / np.log2(2) + 3.0 / np.log2(3)
    ideal = 3.0 / np.log2(2) + 2.0 / np.log2(3)
    assert metric["metric"].loc[0, "NDCG"] == pytest.approx(dcg / ideal)


def test_rated_items_respect_the_minimum_pool(run: Run, ratings: pd.DataFrame) -> None:
    """Users with fewer candidate items than the minimum pool get no recommendations."""
    model = trained(run, ratings, iterations=5)
    sample = pd.DataFrame({"user": ["u1", "u1", "u2"], "item": ["i1", "i2", "i3"]})
    scored = run(
        "score_svd_recommender", {"trained_model": model, "dataset_to_score": sample}, min_pool=2
    )["scored_dataset"]
    assert scored["User"].tolist() == ["u1"]
    assert set(scored.loc[0, ["Item 1", "Item 2"]]) == {"i1", "i2"}


def test_ratings_must_be_numbers(run: Run, ratings: pd.DataFrame) -> None:
    """A text rating column is rejected naming the column."""
    with pytest.raises(ComponentInputError, match=r"stars"):
        trained(run, ratings.assign(stars="good"))
