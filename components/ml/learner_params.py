"""Ports and parameters that every learner component shares.

Every learner has the designer's "Create trainer mode": SingleParameter (one value per
setting) or ParameterRange (a list per setting, such as "2; 8; 32; 128", for Tune Model
Hyperparameters). A `Tunable` declares one such setting once and yields both parameters; a
learner turns the chosen mode and values into estimator settings and a `Learner.sweep` with
`trainer_settings`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.errors import ComponentInputError
from components.ml.learners import SweepParam
from components.spec import Param, ParamType, Port, PortKind

UNTRAINED_MODEL_OUTPUT = [Port("untrained_model", PortKind.UNTRAINED_MODEL, "Untrained model")]
SINGLE, RANGE = "SingleParameter", "ParameterRange"
TRAINER_MODE = "create_trainer_mode"
RANGE_SUFFIX = "_range"
_SEPARATORS = re.compile(r"[;,]")


def seed_param() -> Param:
    """The optional seed every learner has (blank: a different result on every run)."""
    return Param(
        "seed",
        ParamType.INT,
        "Random number seed",
        default=None,
        min=0,
        max=4294967295,
        help="Blank: seeded from the system clock.",
    )


def trainer_mode_param(visible_if: dict[str, tuple[Any, ...]] | None = None) -> Param:
    """The "Create trainer mode" choice."""
    return Param(
        TRAINER_MODE,
        ParamType.CHOICE,
        "Create trainer mode",
        default=SINGLE,
        choices=(SINGLE, RANGE),
        visible_if=visible_if or {},
        help="ParameterRange: lists of values for Tune Model Hyperparameters; Train "
        "Model then uses the single-parameter defaults.",
    )


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Tunable:
    """A learner setting with a single value and a range, mapped to an estimator parameter.

    `target` is the scikit-learn `set_params` name; `to_setting` turns a designer value into
    the estimator's (for example an L2 weight into C = 1 / weight).
    """

    name: str
    label: str
    type: ParamType
    default: Any
    range_default: str
    target: str
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    to_setting: Callable[[Any], Any] = _identity
    visible_if: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def params(self) -> list[Param]:
        """The single-value parameter and the range parameter, each shown in its mode."""
        return [
            Param(
                self.name,
                self.type,
                self.label,
                default=self.default,
                visible_if={**self.visible_if, TRAINER_MODE: (SINGLE,)},
                min=self.min,
                max=self.max,
                min_exclusive=self.min_exclusive,
                max_exclusive=self.max_exclusive,
            ),
            Param(
                self.name + RANGE_SUFFIX,
                ParamType.STR,
                f"{self.label} (range)",
                default=self.range_default,
                visible_if={**self.visible_if, TRAINER_MODE: (RANGE,)},
                help="Values separated by ';', such as " + repr(self.range_default) + ".",
            ),
        ]

    def parse(self, text: str) -> tuple[Any, ...]:
        """The values of a range string, each checked against this setting's bounds.

        Raises:
            ComponentInputError: an item is not a number, is out of range, or none is given.
        """
        label = f"{self.label} (range)"
        items = [item.strip() for item in _SEPARATORS.split(text or "") if item.strip()]
        if not items:
            raise ComponentInputError(
                f"The '{label}' parameter must list values separated by ';', such as "
                f"{self.range_default!r}. Got {text!r} instead."
            )
        single = self.params()[0]
        values: list[Any] = []
        for item in items:
            try:
                number = float(item)
            except ValueError:
                raise ComponentInputError(
                    f"The '{label}' parameter must list numbers separated by ';', such as "
                    f"{self.range_default!r}. Got {item!r} in {text!r}."
                ) from None
            value: Any = int(number) if self.type is ParamType.INT else number
            problem = single.check(value)
            if problem:
                raise ComponentInputError(f"In '{label}': {problem}")
            if value not in values:
                values.append(value)
        return tuple(values)


def trainer_params(
    *tunables: Tunable, visible_if: dict[str, tuple[Any, ...]] | None = None
) -> list[Param]:
    """The trainer-mode choice followed by each tunable's single and range parameters."""
    params = [trainer_mode_param(visible_if)]
    for tunable in tunables:
        params.extend(tunable.params())
    return params


def trainer_settings(
    tunables: Sequence[Tunable], values: dict[str, Any], prefix: str = ""
) -> tuple[dict[str, Any], tuple[SweepParam, ...]]:
    """The single values to build the estimator with, and the sweep for Tune Model.

    `values` holds the component's keyword arguments. In ParameterRange mode the estimator gets
    the single-parameter defaults (as Train Model does in the designer) and the sweep the user's
    ranges; in SingleParameter mode the estimator gets the user's values and the sweep the
    default ranges (which Tune Model Hyperparameters then uses, as the designer does).
    `prefix` goes before each target (the step name when the estimator is in a pipeline).
    """
    ranged = values.get(TRAINER_MODE, SINGLE) == RANGE
    single = {t.name: t.default if ranged else values[t.name] for t in tunables}
    sweep = []
    for tunable in tunables:
        text = values[tunable.name + RANGE_SUFFIX] if ranged else tunable.range_default
        shown = tunable.parse(text)
        sweep.append(
            SweepParam(
                tunable.label,
                prefix + tunable.target,
                shown,
                tuple(tunable.to_setting(v) for v in shown),
            )
        )
    return single, tuple(sweep)
