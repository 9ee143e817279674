"""Errors of the inference package: each message says what is wrong and what to do."""

from __future__ import annotations

from jobs.errors import PipelineError


class InferenceError(PipelineError):
    """Base class of the inference package's errors."""


class ConversionError(InferenceError):
    """A training run cannot be turned into an inference pipeline (the user's to fix)."""


class BundleError(InferenceError):
    """A bundle cannot be written or loaded: missing outputs, a bad format, a failed hash check."""


class RequestError(InferenceError):
    """A scoring request does not fit the bundle's input schema.

    `problems` lists each one as {"row": i, "column": name, "problem": text} (row and column
    may be None when the problem is with the request as a whole).
    """

    def __init__(self, problems: list[dict]) -> None:
        self.problems = problems
        shown = "; ".join(_describe(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(shown + more)


def _describe(problem: dict) -> str:
    where = []
    if problem.get("input"):
        where.append(str(problem["input"]))
    if problem.get("row") is not None:
        where.append(f"row {problem['row']}")
    if problem.get("column") is not None:
        where.append(f"column {problem['column']!r}")
    return (", ".join(where) + ": " if where else "") + str(problem["problem"])
