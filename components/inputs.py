"""Checks on what arrives at a model or transformation port."""

from __future__ import annotations

from typing import Any, TypeVar

from components.errors import ComponentInputError

T = TypeVar("T")


def expect_instance(
    value: Any, expected: type[T] | tuple[type[T], ...], port: str, description: str
) -> T:
    """`value` if it is an `expected` (or one of several), else an error naming the port."""
    if not isinstance(value, expected):
        raise ComponentInputError(
            f"Input '{port}' expects {description}; got {type(value).__name__}."
        )
    return value
