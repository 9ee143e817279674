"""Ports and parameters that every learner component shares."""

from __future__ import annotations

from components.spec import Param, ParamType, Port, PortKind

UNTRAINED_MODEL_OUTPUT = [Port("untrained_model", PortKind.UNTRAINED_MODEL, "Untrained model")]


def seed_param() -> Param:
    """The optional seed every learner has (blank: a different result on every run)."""
    return Param("seed", ParamType.INT, "Random number seed", default=None, min=0,
                 max=4294967295, help="Blank: seeded from the system clock.")
