"""Classification learners: each outputs an untrained model for Train Model."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from components.learners import Learner, Task
from components.library.learner_params import UNTRAINED_MODEL_OUTPUT, seed_param
from components.registry import component
from components.spec import Param, ParamType

# L-BFGS at the designer's tolerance of 1e-7 needs more than scikit-learn's default 100 steps.
MAX_ITERATIONS = 1000


@component(
    id="two_class_logistic_regression", name="Two-Class Logistic Regression",
    category="Classification", inputs=[], outputs=UNTRAINED_MODEL_OUTPUT,
    params=[
        Param("optimization_tolerance", ParamType.FLOAT, "Optimization tolerance", default=1e-7,
              min=0.0, min_exclusive=True),
        Param("l2_weight", ParamType.FLOAT, "L2 regularization weight", default=1.0, min=0.0),
        seed_param(),
    ],
)
def two_class_logistic_regression(*, optimization_tolerance: float, l2_weight: float,
                                  seed: int | None) -> dict[str, Any]:
    """Create a binary classifier using logistic regression."""
    classifier = LogisticRegression(
        C=1.0 / l2_weight if l2_weight > 0 else np.inf, tol=optimization_tolerance,
        solver="lbfgs", max_iter=MAX_ITERATIONS, random_state=seed)
    # Standardized features let L-BFGS converge on unscaled data (incomes next to ages).
    estimator = make_pipeline(StandardScaler(), classifier)
    return {"untrained_model": Learner("Two-Class Logistic Regression", Task.BINARY, estimator)}
