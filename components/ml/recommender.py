"""The SVD recommender: biased matrix factorization of user-item ratings, fitted by SGD.

Each rating is modelled as ``mean + user bias + item bias + user factors . item factors``
(Funk SVD, as Surprise's SVD). Training runs mini-batch stochastic gradient descent on the
squared error with a small L2 penalty. Unknown users or items fall back to the biases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from components.errors import ComponentInputError
from components.ml import column_types

# L2 penalty on biases and factors, initial factor spread, and ratings per SGD step.
REGULARIZATION = 0.02
INIT_STD = 0.1
BATCH_SIZE = 256
SEED = 0


@dataclass(frozen=True)
class SvdRecommender:
    """A trained SVD recommender: the factor model plus who rated what in training."""

    users: tuple[object, ...]
    items: tuple[object, ...]
    mean: float
    user_bias: np.ndarray
    item_bias: np.ndarray
    user_factors: np.ndarray
    item_factors: np.ndarray
    rated: tuple[tuple[int, int], ...]  # (user index, item index) pairs seen in training
    name: str = "SVD Recommender"

    def predict(self, users: pd.Series, items: pd.Series) -> np.ndarray:
        """Predicted ratings for each (user, item) pair."""
        u = _positions(self.users, users)
        i = _positions(self.items, items)
        known_u, known_i = u >= 0, i >= 0
        ratings = np.full(len(u), self.mean)
        ratings[known_u] += self.user_bias[u[known_u]]
        ratings[known_i] += self.item_bias[i[known_i]]
        both = known_u & known_i
        ratings[both] += np.einsum(
            "ij,ij->i", self.user_factors[u[both]], self.item_factors[i[both]]
        )
        return ratings

    def predict_frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """Predicted `Rating` for the (user, item) pairs in the first two columns of `df`."""
        if df.shape[1] < 2:
            raise ComponentInputError(
                "Scoring ratings needs user and item columns (the first "
                f"two); got {df.shape[1]} column(s)."
            )
        return pd.DataFrame({"Rating": self.predict(df.iloc[:, 0], df.iloc[:, 1])}, index=df.index)

    def rated_items(self) -> dict[int, set[int]]:
        """Item indexes each user index rated in training."""
        rated: dict[int, set[int]] = {}
        for user, item in self.rated:
            rated.setdefault(user, set()).add(item)
        return rated


def triples(df: pd.DataFrame, port: str, with_rating: bool = True) -> pd.DataFrame:
    """The first three columns as User, Item, Rating (two without rating); incomplete rows out.

    Raises:
        ComponentInputError: too few columns, or ratings that are not numbers.
    """
    needed = 3 if with_rating else 2
    if df.shape[1] < needed:
        raise ComponentInputError(
            f"'{port}' must hold user, item{', rating' if with_rating else ''} columns in that "
            f"order; got {df.shape[1]} column(s): {', '.join(map(str, df.columns))}."
        )
    out = pd.DataFrame(
        {
            "User": column_types.plain(df.iloc[:, 0]).astype(object),
            "Item": column_types.plain(df.iloc[:, 1]).astype(object),
        }
    )
    if with_rating:
        column = str(df.columns[2])
        out["Rating"] = column_types.to_double(df.iloc[:, 2], column).to_numpy()
    complete = out.notna().all(axis=1)
    if not complete.all():
        print(
            f"'{port}': ignored {int((~complete).sum())} row(s) with a missing user, item or "
            f"rating."
        )
    return out[complete].reset_index(drop=True)


def fit_svd(
    data: pd.DataFrame, factors: int, iterations: int, learning_rate: float
) -> SvdRecommender:
    """Fit the factor model to User, Item, Rating rows (see `triples`)."""
    if data.empty:
        raise ComponentInputError("No complete (user, item, rating) rows to train on.")
    users, user_index = np.unique(data["User"].astype(str), return_inverse=True)
    items, item_index = np.unique(data["Item"].astype(str), return_inverse=True)
    first_user = data.groupby(user_index)["User"].first()
    first_item = data.groupby(item_index)["Item"].first()
    ratings = data["Rating"].to_numpy(dtype=float)
    rng = np.random.default_rng(SEED)
    mean = float(ratings.mean())
    bu, bi = np.zeros(len(users)), np.zeros(len(items))
    p = rng.normal(0, INIT_STD, (len(users), factors))
    q = rng.normal(0, INIT_STD, (len(items), factors))
    for _ in range(iterations):
        order = rng.permutation(len(ratings))
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            u, i = user_index[batch], item_index[batch]
            error = ratings[batch] - (mean + bu[u] + bi[i] + np.einsum("ij,ij->i", p[u], q[i]))
            pu, qi = p[u], q[i]
            np.add.at(bu, u, learning_rate * (error - REGULARIZATION * bu[u]))
            np.add.at(bi, i, learning_rate * (error - REGULARIZATION * bi[i]))
            np.add.at(p, u, learning_rate * (error[:, None] * qi - REGULARIZATION * pu))
            np.add.at(q, i, learning_rate * (error[:, None] * pu - REGULARIZATION * qi))
    pairs = {(int(a), int(b)) for a, b in zip(user_index, item_index, strict=True)}
    return SvdRecommender(
        users=tuple(first_user.tolist()),
        items=tuple(first_item.tolist()),
        mean=mean,
        user_bias=bu,
        item_bias=bi,
        user_factors=p,
        item_factors=q,
        rated=tuple(sorted(pairs)),
    )


def _positions(known: tuple[object, ...], values: pd.Series) -> np.ndarray:
    lookup = {str(v): n for n, v in enumerate(known)}
    return np.array(
        [lookup.get(str(v), -1) for v in column_types.plain(values).astype(object)], dtype=np.int64
    )
