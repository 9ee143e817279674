"""Filter Based Feature Selection: keep the features that score highest against the target."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from components import metadata
from components.errors import ComponentInputError
from components.ml import column_types
from components.ml.features import category_text
from components.registry import component
from components.spec import Param, ParamType, Port, PortKind

PEARSON, CHI_SQUARED = "PearsonCorrelation", "ChiSquared"
# ChiSquared bins a numeric column with more distinct values than this into as many
# equal-width bins.
CHI_SQUARED_BINS = 10


@component(
    id="filter_based_feature_selection",
    name="Filter Based Feature Selection",
    category="Feature Selection",
    inputs=[Port("dataset", PortKind.DATASET, "Input dataset")],
    outputs=[
        Port("filtered_dataset", PortKind.DATASET, "Filtered dataset"),
        Port("features", PortKind.DATASET, "Features"),
    ],
    params=[
        Param(
            "feature_columns_only",
            ParamType.BOOL,
            "Operate on feature columns only",
            default=True,
            help="Score only feature columns (not labels, scores or columns "
            "whose feature flag was cleared).",
        ),
        Param("target_column", ParamType.COLUMN, "Target column", required=True),
        Param("desired_features", ParamType.INT, "Number of desired features", default=1, min=1),
        Param(
            "method",
            ParamType.CHOICE,
            "Feature scoring method",
            default=PEARSON,
            choices=(PEARSON, CHI_SQUARED),
            help="PearsonCorrelation: |r| with a numeric target; ChiSquared: the chi-squared "
            "statistic of the feature against the target, numbers binned.",
        ),
    ],
)
def filter_based_feature_selection(
    dataset: pd.DataFrame,
    *,
    feature_columns_only: bool,
    target_column: str | None,
    desired_features: int,
    method: str,
) -> dict[str, Any]:
    """Identify the features in a dataset with the greatest predictive power.

    The filtered dataset holds the target column and then the top features by descending
    score. Pearson scores numeric and boolean features against a numeric or boolean target
    (text features score 0); ChiSquared scores every feature. The Features output lists every
    candidate with its score, best first. Ties keep the table's column order.
    """
    if not target_column or target_column not in dataset.columns:
        raise ComponentInputError(
            f"Target column {target_column!r} not found; available: "
            f"{', '.join(map(str, dataset.columns))}."
        )
    roles = metadata.roles(dataset)
    candidates = [
        str(c)
        for c in dataset.columns
        if c != target_column and (not feature_columns_only or roles[str(c)] == metadata.FEATURE)
    ]
    if not candidates:
        raise ComponentInputError("There are no feature columns to score besides the target.")
    target = dataset[target_column]
    if method == PEARSON:
        y = _numbers(target, target_column, "PearsonCorrelation needs a numeric target")
        scores = [_pearson(dataset[c], c, y) for c in candidates]
    else:
        y_codes = _codes(target)
        scores = [_chi_squared(_codes(dataset[c]), y_codes) for c in candidates]
    ranked = pd.DataFrame({"Feature": candidates, "Score": scores})
    ranked = ranked.sort_values("Score", ascending=False, kind="stable").reset_index(drop=True)
    chosen = ranked["Feature"].head(desired_features).tolist()
    filtered = metadata.keep_metadata(dataset, dataset[[target_column, *chosen]])
    return {"filtered_dataset": filtered, "features": ranked}


def _numbers(series: pd.Series, column: str, problem: str) -> np.ndarray:
    if metadata.is_numeric(series) or (
        metadata.column_type(series) == "Boolean" and not metadata.is_categorical(series)
    ):
        return column_types.to_double(series, column).to_numpy()
    raise ComponentInputError(f"{problem}; column '{column}' is {metadata.column_type(series)}.")


def _pearson(series: pd.Series, column: str, y: np.ndarray) -> float:
    try:
        x = _numbers(series, column, "")
    except ComponentInputError:
        return 0.0
    both = ~np.isnan(x) & ~np.isnan(y)
    if both.sum() < 2 or np.ptp(x[both]) == 0 or np.ptp(y[both]) == 0:
        return 0.0
    return float(abs(stats.pearsonr(x[both], y[both]).statistic))


def _codes(series: pd.Series) -> np.ndarray:
    if metadata.is_numeric(series) and series.nunique() > CHI_SQUARED_BINS:
        x = column_types.to_double(series, str(series.name))
        bins = pd.cut(x, CHI_SQUARED_BINS, labels=False)
        return np.where(bins.isna(), -1, bins).astype(np.int64)
    return pd.factorize(category_text(series))[0]


def _chi_squared(x: np.ndarray, y: np.ndarray) -> float:
    table = pd.crosstab(x, y).to_numpy()
    if table.shape[0] < 2 or table.shape[1] < 2:
        return 0.0
    return float(stats.chi2_contingency(table, correction=False).statistic)
