"""The settings of tree ensembles, shared by the regression and classification learners.

Boosted Decision Tree and Decision Forest come in regression, two-class and multiclass
versions with the same settings; they are declared once here.
"""

from __future__ import annotations

from components.ml.learner_params import Tunable
from components.spec import Param, ParamType

BAGGING, REPLICATE = "Bagging Resampling", "Replicate Resampling"
INT, FLOAT = ParamType.INT, ParamType.FLOAT

BOOSTED_TREES = (
    Tunable(
        "max_leaves",
        "Maximum number of leaves per tree",
        INT,
        20,
        "2; 8; 32; 128",
        "max_leaf_nodes",
        min=2,
        max=131072,
    ),
    Tunable(
        "min_leaf_instances",
        "Minimum number of training instances required to form a leaf",
        INT,
        10,
        "1; 10; 50",
        "min_samples_leaf",
        min=1,
    ),
    Tunable(
        "learning_rate",
        "Learning rate",
        FLOAT,
        0.2,
        "0.025; 0.05; 0.1; 0.2; 0.4",
        "learning_rate",
        min=0.0,
        max=1.0,
        min_exclusive=True,
    ),
    Tunable(
        "num_trees",
        "Total number of trees constructed",
        INT,
        100,
        "20; 100; 500",
        "max_iter",
        min=1,
    ),
)
DECISION_FOREST = (
    Tunable("num_trees", "Number of decision trees", INT, 8, "1; 8; 32", "n_estimators", min=1),
    Tunable(
        "max_depth", "Maximum depth of the decision trees", INT, 32, "1; 16; 64", "max_depth", min=1
    ),
    Tunable(
        "min_samples_per_leaf",
        "Minimum number of samples per leaf node",
        INT,
        1,
        "1; 4; 16",
        "min_samples_leaf",
        min=1,
    ),
)


def resampling_param() -> Param:
    """Decision forests' "Resampling method"."""
    return Param(
        "resampling_method",
        ParamType.CHOICE,
        "Resampling method",
        default=BAGGING,
        choices=(BAGGING, REPLICATE),
        help="Bagging: each tree sees a bootstrap sample; Replicate: every tree sees all rows.",
    )
