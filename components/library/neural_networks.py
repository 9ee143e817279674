"""Neural network learners (fully connected, trained by SGD with momentum)."""

from __future__ import annotations

from typing import Any

from sklearn.compose import TransformedTargetRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from components.errors import ComponentInputError
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

FULLY_CONNECTED = "Fully-connected case"
NETWORK = (
    Tunable(
        "learning_rate",
        "Learning rate",
        ParamType.FLOAT,
        0.1,
        "0.1; 0.2; 0.4",
        "learning_rate_init",
        min=0.0,
        max=2.0,
        min_exclusive=True,
    ),
    Tunable(
        "iterations",
        "Number of learning iterations",
        ParamType.INT,
        100,
        "20; 40; 80; 160",
        "max_iter",
        min=1,
    ),
)
PARAMS = [
    Param(
        "hidden_layer_specification",
        ParamType.CHOICE,
        "Hidden layer specification",
        default=FULLY_CONNECTED,
        choices=(FULLY_CONNECTED,),
    ),
    Param(
        "hidden_nodes",
        ParamType.STR,
        "Number of hidden nodes",
        default="100",
        required=True,
        help="Nodes per hidden layer, comma-separated for several layers: '100' or '64,32'.",
    ),
    *trainer_params(*NETWORK),
    Param(
        "momentum",
        ParamType.FLOAT,
        "The momentum",
        default=0.0,
        min=0.0,
        max=1.0,
        max_exclusive=True,
    ),
    Param("shuffle", ParamType.BOOL, "Shuffle examples", default=True),
    seed_param(),
]


def hidden_layers(text: str) -> tuple[int, ...]:
    """The layer sizes of "100" or "64, 32".

    Raises:
        ComponentInputError: an item is not a positive whole number.
    """
    sizes = []
    for item in text.split(","):
        if not item.strip().isdigit() or int(item) < 1:
            raise ComponentInputError(
                f"The 'Number of hidden nodes' parameter must be positive whole numbers "
                f"separated by ',', such as '100' or '64,32'. Got {text!r}."
            )
        sizes.append(int(item))
    return tuple(sizes)


def _network(task: Task, values: dict[str, Any], prefix: str) -> tuple[Any, Any]:
    single, sweep = trainer_settings(NETWORK, values, prefix)
    options = {
        "hidden_layer_sizes": hidden_layers(values["hidden_nodes"]),
        "solver": "sgd",
        "learning_rate_init": single["learning_rate"],
        "max_iter": single["iterations"],
        "momentum": values["momentum"],
        "nesterovs_momentum": False,
        "shuffle": values["shuffle"],
        "random_state": values["seed"],
        # Exactly the number of iterations asked for, as the designer runs them.
        "tol": 0.0,
        "n_iter_no_change": single["iterations"],
    }
    network = MLPRegressor(**options) if task == Task.REGRESSION else MLPClassifier(**options)
    return Pipeline([("normalize", MinMaxScaler()), ("network", network)]), sweep


@component(
    id="neural_network_regression",
    name="Neural Network Regression",
    category="Regression",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=PARAMS,
)
def neural_network_regression(
    *,
    hidden_layer_specification: str,
    hidden_nodes: str,
    create_trainer_mode: str,
    learning_rate: float,
    learning_rate_range: str,
    iterations: int,
    iterations_range: str,
    momentum: float,
    shuffle: bool,
    seed: int | None,
) -> dict[str, Any]:
    """Create a regression model using a neural network algorithm.

    The label is standardized for training (and scores mapped back), so SGD at the designer's
    learning rate stays stable on labels such as prices.
    """
    network, sweep = _network(Task.REGRESSION, locals(), "regressor__network__")
    estimator = TransformedTargetRegressor(regressor=network, transformer=StandardScaler())
    return {
        "untrained_model": Learner("Neural Network Regression", Task.REGRESSION, estimator, sweep)
    }


@component(
    id="two_class_neural_network",
    name="Two-Class Neural Network",
    category="Classification",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=PARAMS,
)
def two_class_neural_network(
    *,
    hidden_layer_specification: str,
    hidden_nodes: str,
    create_trainer_mode: str,
    learning_rate: float,
    learning_rate_range: str,
    iterations: int,
    iterations_range: str,
    momentum: float,
    shuffle: bool,
    seed: int | None,
) -> dict[str, Any]:
    """Create a binary classifier using a neural network algorithm."""
    estimator, sweep = _network(Task.BINARY, locals(), "network__")
    return {"untrained_model": Learner("Two-Class Neural Network", Task.BINARY, estimator, sweep)}


@component(
    id="multiclass_neural_network",
    name="Multiclass Neural Network",
    category="Classification",
    inputs=[],
    outputs=UNTRAINED_MODEL_OUTPUT,
    params=PARAMS,
)
def multiclass_neural_network(
    *,
    hidden_layer_specification: str,
    hidden_nodes: str,
    create_trainer_mode: str,
    learning_rate: float,
    learning_rate_range: str,
    iterations: int,
    iterations_range: str,
    momentum: float,
    shuffle: bool,
    seed: int | None,
) -> dict[str, Any]:
    """Create a multiclass classifier using a neural network algorithm."""
    estimator, sweep = _network(Task.MULTICLASS, locals(), "network__")
    return {
        "untrained_model": Learner("Multiclass Neural Network", Task.MULTICLASS, estimator, sweep)
    }
