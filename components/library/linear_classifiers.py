"""Two-class linear classifiers trained by stochastic gradient: perceptron and SVM.

Neither gives probabilities; Score Model maps their decision values through a sigmoid
(`components.ml.learners.class_probabilities`), so `Scored Probabilities` passes 0.5 on the
boundary.
"""

from __future__ import annotations

from typing import Any

from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from components.ml.learner_params import (
    UNTRAINED_MODEL_OUTPUT,
    Tunable,
    seed_param,
    trainer_params,
    trainer_settings,
)
from components.ml.learners import Learner
from components.ml.tasks import Task
from components.registry import component
from components.spec import Param, ParamType

PERCEPTRON = (
    Tunable(
        "learning_rate",
        "Learning rate",
        ParamType.FLOAT,
        1.0,
        "0.1; 0.5; 1.0",
        "eta0",
        min=0.0,
        min_exclusive=True,
    ),
    Tunable(
        "max_iterations",
        "Maximum number of iterations",
        ParamType.INT,
        10,
        "1; 10",
        "max_iter",
        min=1,
    ),
)
SVM = (
    Tunable(
        "iterations", "Number of iterations", ParamType.INT, 10, "1; 10; 100", "max_iter", min=1
    ),
    Tunable(
        "lambda_weight",
        "Lambda",
        ParamType.FLOAT,
        0.001,
        "0.00001; 0.0001; 0.001; 0.01; 0.1",
        "alpha",
        min=0.0,
        min_exclusive=True,
    ),
)


@component(
    id="two_class_averaged_perceptron",
    name="Two-Class Averaged Perceptron",
    category="Classification",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[*trainer_params(*PERCEPTRON), seed_param()],
)
def two_class_averaged_perceptron(
    *,
    create_trainer_mode: str,
    learning_rate: float,
    learning_rate_range: str,
    max_iterations: int,
    max_iterations_range: str,
    seed: int | None,
) -> dict[str, Any]:
    """Create a binary classifier using the averaged perceptron algorithm."""
    single, sweep = trainer_settings(PERCEPTRON, locals(), prefix="perceptron__")
    # tol=None: exactly the number of passes asked for; average=True averages the weights.
    perceptron = SGDClassifier(
        loss="perceptron",
        penalty=None,
        learning_rate="constant",
        eta0=single["learning_rate"],
        max_iter=single["max_iterations"],
        tol=None,
        average=True,
        random_state=seed,
    )
    estimator = Pipeline([("standardize", StandardScaler()), ("perceptron", perceptron)])
    return {
        "untrained_model": Learner("Two-Class Averaged Perceptron", Task.BINARY, estimator, sweep)
    }


@component(
    id="two_class_support_vector_machine",
    name="Two-Class Support Vector Machine",
    category="Classification",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=[
        *trainer_params(*SVM),
        Param(
            "normalize_features",
            ParamType.BOOL,
            "Normalize the features",
            default=True,
            help="Scale every feature to [0, 1] first.",
        ),
        seed_param(),
    ],
)
def two_class_support_vector_machine(
    *,
    create_trainer_mode: str,
    iterations: int,
    iterations_range: str,
    lambda_weight: float,
    lambda_weight_range: str,
    normalize_features: bool,
    seed: int | None,
) -> dict[str, Any]:
    """Create a binary classifier using a linear support vector machine (Pegasos-style SGD)."""
    single, sweep = trainer_settings(SVM, locals(), prefix="svm__")
    svm = SGDClassifier(
        loss="hinge",
        alpha=single["lambda_weight"],
        max_iter=single["iterations"],
        tol=None,
        random_state=seed,
    )
    estimator = Pipeline(
        [("normalize", MinMaxScaler() if normalize_features else "passthrough"), ("svm", svm)]
    )
    return {
        "untrained_model": Learner(
            "Two-Class Support Vector Machine", Task.BINARY, estimator, sweep
        )
    }
