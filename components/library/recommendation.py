"""Train SVD Recommender, Score SVD Recommender and Evaluate Recommender."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from components.errors import ComponentInputError
from components.inputs import expect_instance
from components.ml.recommender import SvdRecommender, fit_svd, triples
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

RATING, RECOMMENDATION = "Rating Prediction", "Item Recommendation"
ALL_ITEMS = "From All Items"
RATED_ITEMS = "From Rated Items (for model evaluation)"
UNRATED_ITEMS = "From Unrated Items (to suggest new items to users)"
_RECOMMEND = {"prediction_kind": (RECOMMENDATION,)}
MODEL_PORT = Port("trained_model", PortKind.TRAINED_MODEL, "Trained SVD recommendation")


@component(
    id="train_svd_recommender",
    name="Train SVD Recommender",
    category="Recommendation",
    inputs=[
        Port("training_dataset", PortKind.DATASET, "Training dataset of user-item-rating triples")
    ],
    outputs=[Port("trained_model", PortKind.TRAINED_MODEL, "Trained SVD recommendation")],
    params=[
        Param("factors", ParamType.INT, "Number of factors", default=200, min=1, max=1000),
        Param(
            "iterations",
            ParamType.INT,
            "Number of recommendation algorithm iterations",
            default=30,
            min=1,
            max=1000,
        ),
        Param(
            "learning_rate",
            ParamType.FLOAT,
            "Learning rate",
            default=0.005,
            min=0.0,
            max=2.0,
            min_exclusive=True,
        ),
    ],
)
def train_svd_recommender(
    training_dataset: pd.DataFrame, *, factors: int, iterations: int, learning_rate: float
) -> dict[str, Any]:
    """Train a recommender by factorizing the user-item rating matrix (Funk SVD, numpy SGD).

    The first three columns are the user, the item and the (numeric) rating, in that order.
    """
    data = triples(training_dataset, "Training dataset")
    model = fit_svd(data, factors, iterations, learning_rate)
    print(
        f"Trained SVD recommender on {len(data)} ratings of {len(model.items)} items by "
        f"{len(model.users)} users ({factors} factors, {iterations} iterations)."
    )
    return {"trained_model": model}


@component(
    id="score_svd_recommender",
    name="Score SVD Recommender",
    category="Recommendation",
    inputs=[MODEL_PORT, Port("dataset_to_score", PortKind.DATASET, "Dataset to score")],
    outputs=[Port("scored_dataset", PortKind.DATASET, "Scored dataset")],
    params=[
        Param(
            "prediction_kind",
            ParamType.CHOICE,
            "Recommender prediction kind",
            default=RECOMMENDATION,
            choices=(RATING, RECOMMENDATION),
        ),
        Param(
            "item_selection",
            ParamType.CHOICE,
            "Recommended item selection",
            default=RATED_ITEMS,
            choices=(ALL_ITEMS, RATED_ITEMS, UNRATED_ITEMS),
            visible_if=_RECOMMEND,
        ),
        Param(
            "max_items",
            ParamType.INT,
            "Maximum number of items to recommend to a user",
            default=5,
            min=1,
            visible_if=_RECOMMEND,
        ),
        Param(
            "min_pool",
            ParamType.INT,
            "Minimum size of the recommendation pool for a single user",
            default=2,
            min=1,
            visible_if={**_RECOMMEND, "item_selection": (RATED_ITEMS,)},
        ),
        Param(
            "return_ratings",
            ParamType.BOOL,
            "Whether to return the predicted ratings of the items along with the labels",
            default=False,
            visible_if=_RECOMMEND,
        ),
    ],
)
def score_svd_recommender(
    trained_model: SvdRecommender,
    dataset_to_score: pd.DataFrame,
    *,
    prediction_kind: str,
    item_selection: str,
    max_items: int,
    min_pool: int,
    return_ratings: bool,
) -> dict[str, Any]:
    """Predict ratings for user-item pairs, or recommend items to users.

    Rating Prediction: columns User, Item, Rating. Item Recommendation: User, Item 1..N (best
    first; with ratings, Rating 1..N too), chosen from all items, from the items each user has
    in the dataset to score (for evaluation; users with fewer than the minimum pool are left
    out), or from the items each user did not rate in training.
    """
    model = expect_instance(
        trained_model, SvdRecommender, MODEL_PORT.label, "a model trained by Train SVD Recommender"
    )
    if prediction_kind == RATING:
        pairs = triples(dataset_to_score, "Dataset to score", with_rating=False)
        return {"scored_dataset": pairs.assign(Rating=model.predict(pairs["User"], pairs["Item"]))}
    if item_selection == RATED_ITEMS:
        pairs = triples(dataset_to_score, "Dataset to score", with_rating=False)
        pools = {
            user: list(dict.fromkeys(group["Item"]))
            for user, group in pairs.groupby("User", sort=False)
        }
        pools = {user: items for user, items in pools.items() if len(items) >= min_pool}
    else:
        users = (
            triples(dataset_to_score, "Dataset to score", with_rating=False)["User"]
            if dataset_to_score.shape[1] >= 2
            else dataset_to_score.iloc[:, 0].dropna()
        )
        pools = _training_pools(model, list(dict.fromkeys(users)), item_selection)
    return {"scored_dataset": _recommendations(model, pools, max_items, return_ratings)}


def _training_pools(model: SvdRecommender, users: list[Any], selection: str) -> dict[Any, list]:
    rated = model.rated_items()
    position = {str(u): n for n, u in enumerate(model.users)}
    pools = {}
    for user in users:
        seen = (
            rated.get(position.get(str(user), -1), set()) if selection == UNRATED_ITEMS else set()
        )
        pools[user] = [item for n, item in enumerate(model.items) if n not in seen]
    return pools


def _recommendations(
    model: SvdRecommender, pools: dict[Any, list], max_items: int, return_ratings: bool
) -> pd.DataFrame:
    rows = []
    for user, items in pools.items():
        ratings = model.predict(
            pd.Series([user] * len(items), dtype=object), pd.Series(items, dtype=object)
        )
        best = np.argsort(-ratings, kind="stable")[:max_items]
        row: dict[str, Any] = {"User": user}
        for rank, index in enumerate(best, start=1):
            row[f"Item {rank}"] = items[index]
            if return_ratings:
                row[f"Rating {rank}"] = float(ratings[index])
        rows.append(row)
    columns = ["User"] + [
        f"{kind} {rank}"
        for rank in range(1, max_items + 1)
        for kind in (("Item", "Rating") if return_ratings else ("Item",))
    ]
    return pd.DataFrame(rows, columns=columns)


@component(
    id="evaluate_recommender",
    name="Evaluate Recommender",
    category="Recommendation",
    inputs=[
        Port("test_dataset", PortKind.DATASET, "Test dataset"),
        Port("scored_dataset", PortKind.DATASET, "Scored dataset"),
    ],
    outputs=[Port("metric", PortKind.DATASET, "Metric")],
    metrics_output="metric",
)
def evaluate_recommender(
    test_dataset: pd.DataFrame, scored_dataset: pd.DataFrame
) -> dict[str, Any]:
    """Evaluate recommendations (NDCG) or predicted ratings (MAE, RMSE) against test ratings.

    NDCG: per user, the discounted gain of the recommended items' test ratings over the best
    possible order of that user's test ratings, averaged over users.
    """
    test = triples(test_dataset, "Test dataset")
    if "Item 1" in scored_dataset.columns:
        return {"metric": pd.DataFrame([{"NDCG": ndcg(test, scored_dataset)}])}
    scored = triples(scored_dataset, "Scored dataset")
    keys = ["User", "Item"]
    joined = test.astype({k: str for k in keys}).merge(
        scored.astype({k: str for k in keys}), on=keys, suffixes=("", " predicted")
    )
    if joined.empty:
        raise ComponentInputError(
            "No (user, item) pair of 'Scored dataset' is in 'Test dataset': expected the "
            "ratings Score SVD Recommender predicted for the test pairs."
        )
    errors = joined["Rating"] - joined["Rating predicted"]
    return {
        "metric": pd.DataFrame(
            [
                {
                    "Mean Absolute Error": float(errors.abs().mean()),
                    "Root Mean Squared Error": float(np.sqrt((errors**2).mean())),
                }
            ]
        )
    }


def ndcg(test: pd.DataFrame, scored: pd.DataFrame) -> float:
    """Mean NDCG over the scored users that have test ratings (0 when none do)."""
    relevance = {(str(u), str(i)): r for u, i, r in test.itertuples(index=False)}
    by_user: dict[str, list[float]] = {}
    for (user, _), rating in relevance.items():
        by_user.setdefault(user, []).append(rating)
    item_columns = [c for c in scored.columns if str(c).startswith("Item ")]
    values = []
    for row in scored.itertuples(index=False):
        record = dict(zip(scored.columns, row, strict=True))
        user = str(record["User"])
        if user not in by_user:
            continue
        gains = [
            relevance.get((user, str(record[c])), 0.0) for c in item_columns if pd.notna(record[c])
        ]
        ideal = sorted(by_user[user], reverse=True)[: len(item_columns)]
        best = _dcg(ideal)
        if best > 0:
            values.append(_dcg(gains) / best)
    return float(np.mean(values)) if values else 0.0


def _dcg(gains: list[float]) -> float:
    return float(sum(g / np.log2(rank + 1) for rank, g in enumerate(gains, start=1)))
