"""Checks on what arrives at a model or transformation port."""

from __future__ import annotations

from typing import Any, TypeVar, overload

from components.errors import ComponentInputError

T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")


@overload
def expect_instance(value: Any, expected: type[T], port: str, description: str) -> T: ...


@overload
def expect_instance(
    value: Any, expected: tuple[type[T], type[U]], port: str, description: str
) -> T | U: ...


@overload
def expect_instance(
    value: Any, expected: tuple[type[T], type[U], type[V]], port: str, description: str
) -> T | U | V: ...


def expect_instance(value: Any, expected: Any, port: str, description: str) -> Any:
    """`value` if it is an `expected` (or one of several), else an error naming the port."""
    if not isinstance(value, expected):
        raise ComponentInputError(
            f"Input '{port}' expects {description}; got {type(value).__name__}."
        )
    return value
