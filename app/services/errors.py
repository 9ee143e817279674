"""The services' errors: each has a stable `code` for clients and a message for people.

The API maps each class to an HTTP status in one place (`app.api.errors`); services raise these
instead of HTTP exceptions, so the same rule reads the same from the API, the CLI and tests.
"""

from __future__ import annotations


class AppError(Exception):
    """Base class of the services' errors.

    Args:
        message: What is wrong and, where it helps, what to do; shown to users as it is.
    """

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(AppError):
    """The thing asked for does not exist (or not in the shape asked for)."""

    code = "not_found"


class ConflictError(AppError):
    """The request clashes with the current state (e.g. the step has not completed yet)."""

    code = "conflict"


class InvalidRequestError(AppError):
    """The request itself is wrong (e.g. it names a model where a table is needed)."""

    code = "invalid"


class TooLargeError(AppError):
    """The request is larger than the control plane accepts."""

    code = "too_large"
