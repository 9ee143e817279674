"""One-vs-All and One-vs-One: multiclass models built from a two-class learner."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier

from components.errors import ComponentInputError
from components.inputs import expect_instance
from components.ml.learner_params import UNTRAINED_MODEL_OUTPUT
from components.ml.learners import Learner
from components.ml.tasks import Task
from components.registry import component
from components.spec import Port, PortKind

BINARY_INPUT = [
    Port("untrained_model", PortKind.UNTRAINED_MODEL, "Untrained binary classification model")
]


def _binary(untrained_model: Any, component_name: str) -> Learner:
    learner = expect_instance(
        untrained_model,
        Learner,
        BINARY_INPUT[0].label,
        "an untrained two-class model such as Two-Class Logistic Regression",
    )
    if learner.task != Task.BINARY:
        raise ComponentInputError(
            f"{component_name} needs a two-class learner; '{learner.name}' is a "
            f"{learner.task.text} model."
        )
    return learner


def _wrapped_sweep(learner: Learner) -> tuple[Any, ...]:
    # The wrapped learner's settings live under the wrapper's `estimator` parameter.
    return tuple(replace(p, target=f"estimator__{p.target}") for p in learner.sweep)


@component(
    id="one_vs_all_multiclass",
    name="One-vs-All Multiclass",
    category="Classification",
    inputs=BINARY_INPUT,
    outputs=UNTRAINED_MODEL_OUTPUT,
)
def one_vs_all_multiclass(untrained_model: Learner) -> dict[str, Any]:
    """Create a multiclass model from a two-class one: one binary model per class vs the rest."""
    learner = _binary(untrained_model, "One-vs-All Multiclass")
    return {
        "untrained_model": Learner(
            f"One-vs-All Multiclass ({learner.name})",
            Task.MULTICLASS,
            OneVsRestClassifier(learner.estimator),
            _wrapped_sweep(learner),
        )
    }


@component(
    id="one_vs_one_multiclass",
    name="One-vs-One Multiclass",
    category="Classification",
    inputs=BINARY_INPUT,
    outputs=UNTRAINED_MODEL_OUTPUT,
)
def one_vs_one_multiclass(untrained_model: Learner) -> dict[str, Any]:
    """Create a multiclass model from a two-class one: one binary model per pair of classes.

    Scored probabilities are the softmax of the pairwise vote totals (One-vs-One gives no
    probabilities of its own).
    """
    learner = _binary(untrained_model, "One-vs-One Multiclass")
    return {
        "untrained_model": Learner(
            f"One-vs-One Multiclass ({learner.name})",
            Task.MULTICLASS,
            OneVsOneClassifier(learner.estimator),
            _wrapped_sweep(learner),
        )
    }
