"""Regression learners: each outputs an untrained model for Train Model."""

from __future__ import annotations

from typing import Any

from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import LinearRegression, Ridge, SGDRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from components.errors import ComponentInputError
from components.ml.estimators import ElasticNetPoissonRegressor, QuantileForestRegressor
from components.ml.learner_params import (
    SINGLE,
    TRAINER_MODE,
    UNTRAINED_MODEL_OUTPUT,
    Tunable,
    seed_param,
    trainer_params,
    trainer_settings,
)
from components.ml.learners import Learner
from components.ml.tasks import Task
from components.ml.tree_params import BAGGING, BOOSTED_TREES, DECISION_FOREST, resampling_param
from components.registry import component
from components.spec import Param, ParamType

OLS, OGD = "Ordinary Least Squares", "Online Gradient Descent"
_OGD = {"solution_method": (OGD,)}
# Poisson Regression's L-BFGS runs until the tolerance is met or this many steps.
POISSON_MAX_ITERATIONS = 1000
INT, FLOAT = ParamType.INT, ParamType.FLOAT

LINEAR_OGD = (
    Tunable(
        "learning_rate",
        "Learning rate",
        FLOAT,
        0.1,
        "0.025; 0.05; 0.1; 0.2",
        "eta0",
        min=0.0,
        min_exclusive=True,
        visible_if=_OGD,
    ),
    Tunable(
        "epochs",
        "Number of training epochs",
        INT,
        10,
        "1; 10; 100",
        "max_iter",
        min=1,
        visible_if=_OGD,
    ),
    Tunable(
        "l2_weight", "L2 regularization weight", FLOAT, 0.001, "0.001; 0.01; 0.1", "alpha", min=0.0
    ),
)
POISSON = (
    Tunable(
        "optimization_tolerance",
        "Optimization tolerance",
        FLOAT,
        1e-7,
        "0.00001; 0.00000001",
        "tol",
        min=0.0,
        min_exclusive=True,
    ),
    Tunable(
        "l1_weight",
        "L1 regularization weight",
        FLOAT,
        1.0,
        "0.0; 0.01; 0.1; 1.0",
        "l1_weight",
        min=0.0,
    ),
    Tunable(
        "l2_weight", "L2 regularization weight", FLOAT, 1.0, "0.01; 0.1; 1.0", "l2_weight", min=0.0
    ),
    Tunable("memory_size", "Memory size for L-BFGS", INT, 20, "5; 20; 50", "memory", min=1),
)
QUANTILE_FOREST = (
    Tunable("num_trees", "Number of trees", INT, 100, "16; 32; 64", "n_estimators", min=1),
    Tunable("num_leaves", "Number of leaves", INT, 20, "16; 32; 64", "max_leaf_nodes", min=2),
    Tunable(
        "min_leaf_instances",
        "Minimum number of training instances required to form a leaf",
        INT,
        10,
        "1; 5; 10",
        "min_samples_leaf",
        min=1,
    ),
    Tunable(
        "bagging_fraction",
        "Bagging fraction",
        FLOAT,
        0.7,
        "0.25; 0.5; 0.75",
        "max_samples",
        min=0.0,
        max=1.0,
        min_exclusive=True,
    ),
    Tunable(
        "split_fraction",
        "Split fraction",
        FLOAT,
        0.7,
        "0.25; 0.5; 0.75",
        "max_features",
        min=0.0,
        max=1.0,
        min_exclusive=True,
    ),
)


@component(
    id="linear_regression",
    name="Linear Regression",
    category="Regression",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[
        Param(
            "solution_method", ParamType.CHOICE, "Solution method", default=OLS, choices=(OLS, OGD)
        ),
        *trainer_params(*LINEAR_OGD, visible_if=_OGD),
        Param(
            "include_intercept",
            ParamType.BOOL,
            "Include intercept term",
            default=True,
            visible_if={"solution_method": (OLS,)},
        ),
        Param(
            "normalize_features",
            ParamType.BOOL,
            "Normalize features",
            default=True,
            visible_if=_OGD,
        ),
        Param(
            "decrease_learning_rate",
            ParamType.BOOL,
            "Decrease learning rate as iterations progress",
            default=True,
            visible_if=_OGD,
        ),
        seed_param(),
    ],
)
def linear_regression(
    *,
    solution_method: str,
    create_trainer_mode: str,
    l2_weight: float,
    l2_weight_range: str,
    include_intercept: bool,
    learning_rate: float,
    learning_rate_range: str,
    epochs: int,
    epochs_range: str,
    normalize_features: bool,
    decrease_learning_rate: bool,
    seed: int | None,
) -> dict[str, Any]:
    """Create a linear regression model."""
    values = dict(locals())
    if solution_method == OLS:
        values[TRAINER_MODE] = SINGLE  # ordinary least squares has no ranges to sweep
        single, _ = trainer_settings(LINEAR_OGD, values)
        l2 = single["l2_weight"]
        estimator: Any = (
            Ridge(alpha=l2, fit_intercept=include_intercept)
            if l2 > 0
            else LinearRegression(fit_intercept=include_intercept)
        )
        return {"untrained_model": Learner("Linear Regression", Task.REGRESSION, estimator)}
    prefix = "sgdregressor__" if normalize_features else ""
    single, sweep = trainer_settings(LINEAR_OGD, values, prefix)
    sgd = SGDRegressor(
        penalty="l2",
        alpha=single["l2_weight"],
        eta0=single["learning_rate"],
        max_iter=single["epochs"],
        tol=None,
        learning_rate="invscaling" if decrease_learning_rate else "constant",
        random_state=seed,
    )
    # tol=None runs exactly `epochs` passes, as the designer's epoch count promises.
    estimator = make_pipeline(StandardScaler(), sgd) if normalize_features else sgd
    return {"untrained_model": Learner("Linear Regression", Task.REGRESSION, estimator, sweep)}


@component(
    id="boosted_decision_tree_regression",
    name="Boosted Decision Tree Regression",
    category="Regression",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[*trainer_params(*BOOSTED_TREES), seed_param()],
)
def boosted_decision_tree_regression(
    *,
    create_trainer_mode: str,
    max_leaves: int,
    max_leaves_range: str,
    min_leaf_instances: int,
    min_leaf_instances_range: str,
    learning_rate: float,
    learning_rate_range: str,
    num_trees: int,
    num_trees_range: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a regression model using the boosted decision tree algorithm."""
    single, sweep = trainer_settings(BOOSTED_TREES, locals())
    # No early stopping: the designer builds exactly the number of trees asked for.
    estimator = HistGradientBoostingRegressor(
        max_leaf_nodes=single["max_leaves"],
        min_samples_leaf=single["min_leaf_instances"],
        learning_rate=single["learning_rate"],
        max_iter=single["num_trees"],
        early_stopping=False,
        random_state=seed,
    )
    return {
        "untrained_model": Learner(
            "Boosted Decision Tree Regression", Task.REGRESSION, estimator, sweep
        )
    }


@component(
    id="decision_forest_regression",
    name="Decision Forest Regression",
    category="Regression",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[resampling_param(), *trainer_params(*DECISION_FOREST), seed_param()],
)
def decision_forest_regression(
    *,
    resampling_method: str,
    create_trainer_mode: str,
    num_trees: int,
    num_trees_range: str,
    max_depth: int,
    max_depth_range: str,
    min_samples_per_leaf: int,
    min_samples_per_leaf_range: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a regression model using the decision forest algorithm."""
    single, sweep = trainer_settings(DECISION_FOREST, locals())
    estimator = RandomForestRegressor(
        n_estimators=single["num_trees"],
        max_depth=single["max_depth"],
        min_samples_leaf=single["min_samples_per_leaf"],
        bootstrap=resampling_method == BAGGING,
        random_state=seed,
    )
    return {
        "untrained_model": Learner("Decision Forest Regression", Task.REGRESSION, estimator, sweep)
    }


@component(
    id="poisson_regression",
    name="Poisson Regression",
    category="Regression",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[*trainer_params(*POISSON), seed_param()],
)
def poisson_regression(
    *,
    create_trainer_mode: str,
    optimization_tolerance: float,
    optimization_tolerance_range: str,
    l1_weight: float,
    l1_weight_range: str,
    l2_weight: float,
    l2_weight_range: str,
    memory_size: int,
    memory_size_range: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a regression model that assumes the label has a Poisson distribution (counts).

    The label must be non-negative. L1 and L2 weights, the tolerance and the L-BFGS memory size
    are the designer's; scikit-learn's PoissonRegressor has no L1 term, so the model is fitted
    by L-BFGS over both penalties (components.ml.estimators.ElasticNetPoissonRegressor). The seed
    is kept for parity (the solver is deterministic).
    """
    single, sweep = trainer_settings(POISSON, locals())
    estimator = ElasticNetPoissonRegressor(
        l1_weight=single["l1_weight"],
        l2_weight=single["l2_weight"],
        tol=single["optimization_tolerance"],
        memory=single["memory_size"],
        max_iter=POISSON_MAX_ITERATIONS,
    )
    return {"untrained_model": Learner("Poisson Regression", Task.REGRESSION, estimator, sweep)}


@component(
    id="fast_forest_quantile_regression",
    name="Fast Forest Quantile Regression",
    category="Regression",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[
        *trainer_params(*QUANTILE_FOREST),
        Param(
            "quantiles",
            ParamType.STR,
            "Quantiles to be estimated",
            default="0.25; 0.5; 0.75",
            required=True,
            help="Values in (0, 1) separated by ';'.",
        ),
        seed_param(),
    ],
)
def fast_forest_quantile_regression(
    *,
    create_trainer_mode: str,
    num_trees: int,
    num_trees_range: str,
    num_leaves: int,
    num_leaves_range: str,
    min_leaf_instances: int,
    min_leaf_instances_range: str,
    bagging_fraction: float,
    bagging_fraction_range: str,
    split_fraction: float,
    split_fraction_range: str,
    quantiles: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a quantile regression model: predicts chosen quantiles of the label.

    A quantile regression forest; Score Model adds one `Scores for quantile :<q>` column per
    quantile and Evaluate Model reports the quantile (pinball) loss of each.
    """
    single, sweep = trainer_settings(QUANTILE_FOREST, locals())
    estimator = QuantileForestRegressor(
        n_estimators=single["num_trees"],
        max_leaf_nodes=single["num_leaves"],
        min_samples_leaf=single["min_leaf_instances"],
        max_samples=single["bagging_fraction"],
        max_features=single["split_fraction"],
        quantiles=parse_quantiles(quantiles),
        random_state=seed,
    )
    return {
        "untrained_model": Learner(
            "Fast Forest Quantile Regression", Task.QUANTILE_REGRESSION, estimator, sweep
        )
    }


def parse_quantiles(text: str) -> tuple[float, ...]:
    """The quantiles of "0.25; 0.5; 0.75", sorted, each in (0, 1).

    Raises:
        ComponentInputError: an item is not a number strictly between 0 and 1.
    """
    values: list[float] = []
    for item in (part.strip() for part in text.replace(",", ";").split(";")):
        if not item:
            continue
        try:
            value = float(item)
        except ValueError:
            value = -1.0
        if not 0 < value < 1:
            raise ComponentInputError(
                f"The 'Quantiles to be estimated' parameter must list numbers between 0 and 1 "
                f"separated by ';', such as '0.25; 0.5; 0.75'. Got {item!r} in {text!r}."
            )
        values.append(value)
    if not values:
        raise ComponentInputError("The 'Quantiles to be estimated' parameter lists no quantile.")
    return tuple(sorted(set(values)))
