"""Estimators scikit-learn lacks, written as scikit-learn estimators (clonable, picklable).

Each offers `score_matrix(X)`: the matrix behind its score columns (see
`components.ml.learners.TrainedModel.score_columns`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin, OutlierMixin, RegressorMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestRegressor
from sklearn.preprocessing import MinMaxScaler, StandardScaler

# A quantile forest keeps, per leaf, a histogram of training labels over at most this many bins
# (the distinct labels when fewer): exact quantiles for small data, bounded memory for large.
MAX_QUANTILE_BINS = 256
# Rows scored per block when mixing leaf histograms (bounds memory: block x trees x bins).
SCORING_BLOCK = 256
# Training rows above this quantile of reconstruction error are anomalies (probability > 0.5).
ANOMALY_QUANTILE = 0.99

FIRST_N, RANDOM, KMEANS_PLUS_PLUS = "Default", "Random", "K-Means++"
IGNORE_LABEL, FILL_MISSING, OVERWRITE = (
    "Ignore label column",
    "Fill missing values",
    "Overwrite from closest to center",
)


class QuantileForestRegressor(RegressorMixin, BaseEstimator):
    """A quantile regression forest (Meinshausen, 2006) on a scikit-learn random forest.

    Each leaf keeps the distribution of the training labels that fall in it; a prediction mixes
    the distributions of the leaves a row reaches (one per tree) and reads off the quantiles.
    `predict` gives the median.
    """

    def __init__(
        self,
        n_estimators: int = 100,
        max_leaf_nodes: int = 20,
        min_samples_leaf: int = 10,
        max_samples: float = 0.7,
        max_features: float = 0.7,
        quantiles: tuple[float, ...] = (0.25, 0.5, 0.75),
        random_state: int | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.max_samples = max_samples
        self.max_features = max_features
        self.quantiles = quantiles
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> QuantileForestRegressor:
        y = np.asarray(y, dtype=float)
        self.forest_ = RandomForestRegressor(
            n_estimators=self.n_estimators,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            max_samples=self.max_samples,
            max_features=self.max_features,
            random_state=self.random_state,
        ).fit(X, y)
        distinct = np.unique(y)
        self.bin_values_ = (
            distinct
            if len(distinct) <= MAX_QUANTILE_BINS
            else np.quantile(y, np.linspace(0, 1, MAX_QUANTILE_BINS))
        )
        bins = np.minimum(np.searchsorted(self.bin_values_, y), len(self.bin_values_) - 1)
        trees = self.forest_.estimators_
        leaves = self.forest_.apply(X)
        nodes = max(t.tree_.node_count for t in trees)
        leaf_counts = [int((t.tree_.children_left == -1).sum()) for t in trees]
        self.leaf_row_ = np.zeros((len(trees), nodes), dtype=np.int64)
        self.histograms_ = np.zeros(
            (len(trees), max(leaf_counts), len(self.bin_values_)), dtype=np.float32
        )
        for index, tree in enumerate(trees):
            is_leaf = tree.tree_.children_left == -1
            self.leaf_row_[index, : tree.tree_.node_count][is_leaf] = np.arange(is_leaf.sum())
            counts = np.zeros((leaf_counts[index], len(self.bin_values_)))
            np.add.at(counts, (self.leaf_row_[index, leaves[:, index]], bins), 1.0)
            totals = counts.sum(axis=1, keepdims=True)
            self.histograms_[index, : leaf_counts[index]] = counts / np.maximum(totals, 1.0)
        return self

    def predict_quantiles(self, X: Any, quantiles: tuple[float, ...] | None = None) -> np.ndarray:
        """One column per quantile (those of `quantiles`, else the ones set at construction)."""
        wanted = np.asarray(self.quantiles if quantiles is None else quantiles, dtype=float)
        trees = np.arange(self.histograms_.shape[0])
        rows = self.leaf_row_[trees, self.forest_.apply(X)]
        result = np.empty((len(rows), len(wanted)))
        for start in range(0, len(rows), SCORING_BLOCK):
            block = rows[start : start + SCORING_BLOCK]
            mixed = self.histograms_[trees[None, :], block].mean(axis=1).cumsum(axis=1)
            # The first label whose cumulative weight reaches q (a small slack for rounding).
            index = (mixed[:, None, :] < wanted[None, :, None] - 1e-6).sum(axis=2)
            result[start : start + SCORING_BLOCK] = self.bin_values_[
                np.minimum(index, len(self.bin_values_) - 1)
            ]
        return result

    def predict(self, X: Any) -> np.ndarray:
        return self.predict_quantiles(X, (0.5,))[:, 0]

    def score_matrix(self, X: Any) -> np.ndarray:
        return self.predict_quantiles(X)


class KMeansClusterer(ClusterMixin, BaseEstimator):
    """K-Means as the designer runs it: optional MinMax scaling, one initialization.

    `init` is "Default" (the first N rows are the initial centers), "Random" or "K-Means++".
    When fitted with labels and a `label_mode` other than "Ignore label column", each cluster
    gets the label of its training row closest to the center (`cluster_labels_`).
    """

    def __init__(
        self,
        n_clusters: int = 2,
        init: str = KMEANS_PLUS_PLUS,
        max_iter: int = 100,
        normalize: bool = True,
        label_mode: str = IGNORE_LABEL,
        random_state: int | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.normalize = normalize
        self.label_mode = label_mode
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> KMeansClusterer:
        X = np.asarray(X, dtype=float)
        if len(X) < self.n_clusters:
            raise ValueError(
                f"{len(X)} row(s) cannot form {self.n_clusters} clusters; expected "
                f"at least as many rows as centroids"
            )
        self.scaler_ = MinMaxScaler().fit(X) if self.normalize else None
        scaled = self._scale(X)
        init: Any = {RANDOM: "random", KMEANS_PLUS_PLUS: "k-means++"}.get(self.init)
        if init is None:
            init = scaled[: self.n_clusters]
        self.kmeans_ = KMeans(
            n_clusters=self.n_clusters,
            init=init,
            n_init=1,
            max_iter=self.max_iter,
            random_state=self.random_state,
        ).fit(scaled)
        self.cluster_labels_: list[Any] | None = None
        if y is not None and self.label_mode != IGNORE_LABEL:
            self.cluster_labels_ = self._closest_labels(scaled, np.asarray(y, dtype=object))
        return self

    def _closest_labels(self, scaled: np.ndarray, y: np.ndarray) -> list[Any]:
        known = np.array([v is not None and v == v for v in y])  # v != v only for NaN
        distances = self.kmeans_.transform(scaled)
        labels: list[Any] = []
        for cluster in range(self.n_clusters):
            candidates = np.flatnonzero(known & (self.kmeans_.labels_ == cluster))
            best = candidates[distances[candidates, cluster].argmin()] if len(candidates) else None
            labels.append(None if best is None else y[best])
        return labels

    def _scale(self, X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        return self.scaler_.transform(X) if self.scaler_ is not None else X

    def predict(self, X: Any) -> np.ndarray:
        return self.kmeans_.predict(self._scale(X))

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distances to each center (in the scaled space when normalizing)."""
        return self.kmeans_.transform(self._scale(X))

    def score_matrix(self, X: Any) -> np.ndarray:
        scaled = self._scale(X)
        return np.column_stack([self.kmeans_.predict(scaled), self.kmeans_.transform(scaled)])


class PcaAnomalyDetector(OutlierMixin, BaseEstimator):
    """PCA-based anomaly detection: rows far from the principal subspace are anomalies.

    The anomaly score is a row's squared reconstruction error; `score_matrix` gives a label
    (1 = anomaly) and a probability error / (error + threshold), which passes 0.5 at the
    threshold: the `ANOMALY_QUANTILE` of the training errors. `oversampling` times the number
    of components extra vectors steady the randomized SVD (the designer's oversampling).
    """

    def __init__(
        self,
        n_components: int = 2,
        oversampling: int = 2,
        normalize: bool = False,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.oversampling = oversampling
        self.normalize = normalize
        self.random_state = random_state

    def fit(self, X: Any, y: Any = None) -> PcaAnomalyDetector:
        X = np.asarray(X, dtype=float)
        if self.n_components >= X.shape[1]:
            raise ValueError(
                f"the number of components ({self.n_components}) must be less than "
                f"the number of encoded features ({X.shape[1]})"
            )
        self.scaler_ = StandardScaler().fit(X) if self.normalize else None
        scaled = self._scale(X)
        self.pca_ = PCA(
            n_components=self.n_components,
            svd_solver="randomized",
            n_oversamples=max(self.oversampling * self.n_components, 1),
            random_state=self.random_state,
        ).fit(scaled)
        errors = self.anomaly_scores(X)
        self.threshold_ = max(float(np.quantile(errors, ANOMALY_QUANTILE)), 1e-12)
        return self

    def _scale(self, X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        return self.scaler_.transform(X) if self.scaler_ is not None else X

    def anomaly_scores(self, X: Any) -> np.ndarray:
        """Each row's squared distance to its projection on the principal components."""
        scaled = self._scale(X)
        rebuilt = self.pca_.inverse_transform(self.pca_.transform(scaled))
        return ((scaled - rebuilt) ** 2).sum(axis=1)

    def predict(self, X: Any) -> np.ndarray:
        return (self.anomaly_scores(X) > self.threshold_).astype(int)

    def score_matrix(self, X: Any) -> np.ndarray:
        errors = self.anomaly_scores(X)
        return np.column_stack(
            [(errors > self.threshold_).astype(int), errors / (errors + self.threshold_)]
        )


class ElasticNetPoissonRegressor(RegressorMixin, BaseEstimator):
    """Poisson regression (log link) with L1 and L2 penalties, fitted by L-BFGS, as the
    designer's Poisson Regression (its L1 weight, L2 weight, tolerance and L-BFGS memory).

    Minimizes sum(exp(Xw + b) - y (Xw + b)) + l2/2 ||w||^2 + l1 ||w||_1 over the n rows, the
    negative log-likelihood summed as ML.NET's L-BFGS trainers (behind the designer) do, with
    the intercept b not penalized; with l1 = 0 this is scikit-learn's
    PoissonRegressor(alpha=l2 / n), which averages the loss instead. The L1
    term is handled exactly by writing w = u - v with u, v >= 0, which makes the objective
    smooth under bounds, so scipy's L-BFGS-B (with `memory` correction pairs, its `maxcor`)
    solves it; a coefficient the L1 weight drives to zero is exactly zero.
    """

    def __init__(
        self,
        l1_weight: float = 1.0,
        l2_weight: float = 1.0,
        tol: float = 1e-7,
        memory: int = 20,
        max_iter: int = 1000,
    ):
        self.l1_weight = l1_weight
        self.l2_weight = l2_weight
        self.tol = tol
        self.memory = memory
        self.max_iter = max_iter

    def fit(self, X: Any, y: Any) -> ElasticNetPoissonRegressor:  # noqa: N803 - sklearn's names
        from scipy.optimize import minimize

        X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        if np.any(y < 0):
            raise ValueError("Poisson regression needs a non-negative label (counts).")
        n, p = X.shape
        # The summed objective divided by n: the same minimizer, better-scaled numbers.
        l1, l2 = float(self.l1_weight) / n, float(self.l2_weight) / n

        def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
            u, v, b = theta[:p], theta[p : 2 * p], theta[-1]
            w = u - v
            eta = np.clip(X @ w + b, -700.0, 700.0)  # exp overflows past ~709
            mu = np.exp(eta)
            loss = (mu - y * eta).mean() + 0.5 * l2 * w @ w + l1 * (u.sum() + v.sum())
            residual = (mu - y) / n
            grad_w = X.T @ residual + l2 * w
            return loss, np.concatenate([grad_w + l1, -grad_w + l1, [residual.sum()]])

        start = np.zeros(2 * p + 1)
        start[-1] = np.log(max(y.mean(), 1e-12))
        result = minimize(
            objective,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, None)] * (2 * p) + [(None, None)],
            options={
                "maxcor": int(self.memory),
                "ftol": float(self.tol),
                "gtol": float(self.tol),
                "maxiter": int(self.max_iter),
            },
        )
        self.coef_ = result.x[:p] - result.x[p : 2 * p]
        self.intercept_ = float(result.x[-1])
        self.n_iter_ = int(result.nit)
        self.n_features_in_ = p
        return self

    def predict(self, X: Any) -> np.ndarray:  # noqa: N803
        return np.exp(np.asarray(X, dtype=float) @ self.coef_ + self.intercept_)
