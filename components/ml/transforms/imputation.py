"""Model-based imputation for Clean Missing Data: MICE and probabilistic PCA.

Both are fitted on the training rows and replayed on new rows without refitting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.experimental import enable_iterative_imputer  # noqa: F401 - enables the import
from sklearn.impute import IterativeImputer


def fit_mice(values: np.ndarray, iterations: int) -> IterativeImputer:
    """Multivariate imputation by chained equations (scikit-learn's IterativeImputer, seed 0).

    Each column with gaps is regressed (Bayesian ridge) on the others, round after round, for
    `iterations` rounds.
    """
    imputer = IterativeImputer(max_iter=iterations, random_state=0, keep_empty_features=True)
    return imputer.fit(values)


@dataclass(frozen=True)
class PpcaImputer:
    """Probabilistic PCA imputation (Tipping and Bishop): a Gaussian with covariance W W' + s I.

    Fitting alternates `iterations` times between estimating the model from the completed
    data (W from the top q eigenvectors of the covariance, s the mean of the other
    eigenvalues, q = ceil(d / 2) capped at d - 1) and replacing each missing value by its
    expectation given the row's present values. Transforming applies that last step.

    Attributes:
        mean: per column mean.
        covariance: the model covariance W W' + s I, d x d.
    """

    mean: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]

    @classmethod
    def fit(cls, values: np.ndarray, iterations: int) -> PpcaImputer:
        """Fit on `values` (rows x columns, NaN for missing)."""
        missing = np.isnan(values)
        mean = np.nanmean(values, axis=0)
        completed = np.where(missing, mean, values)
        d = values.shape[1]
        q = min(d - 1, (d + 1) // 2)
        model = cls(tuple(mean), tuple(map(tuple, np.eye(d))))
        for _ in range(iterations):
            mean = completed.mean(axis=0)
            eigenvalues, vectors = np.linalg.eigh(
                np.cov(completed, rowvar=False, bias=True).reshape(d, d)
            )
            eigenvalues, vectors = eigenvalues[::-1], vectors[:, ::-1]
            noise = float(eigenvalues[q:].mean()) if q < d else 0.0
            noise = max(noise, 1e-9 * max(float(eigenvalues.max()), 1.0))
            loadings = vectors[:, :q] * np.sqrt(np.maximum(eigenvalues[:q] - noise, 0.0))
            covariance = loadings @ loadings.T + noise * np.eye(d)
            model = cls(tuple(mean), tuple(map(tuple, covariance)))
            completed = np.where(missing, model.transform(values), values)
        return model

    def transform(self, values: np.ndarray) -> np.ndarray:
        """`values` with each missing entry replaced by its conditional expectation."""
        mean, covariance = np.asarray(self.mean), np.asarray(self.covariance)
        out = values.copy()
        missing = np.isnan(values)
        patterns, inverse = np.unique(missing, axis=0, return_inverse=True)
        for index, pattern in enumerate(patterns):
            if not pattern.any():
                continue
            rows = np.flatnonzero(inverse.ravel() == index)
            present = ~pattern
            if not present.any():
                out[np.ix_(rows, pattern)] = mean[pattern]
                continue
            gain = covariance[np.ix_(pattern, present)] @ np.linalg.pinv(
                covariance[np.ix_(present, present)]
            )
            centred = values[np.ix_(rows, present)] - mean[present]
            out[np.ix_(rows, pattern)] = mean[pattern] + centred @ gain.T
        return out
