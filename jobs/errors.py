"""Errors raised while turning pipelines into work."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs.validate import Issue


class PipelineError(Exception):
    """Base class of every jobs-package error."""


class SpecFormatError(PipelineError):
    """A pipeline document is not of the spec's shape (missing keys, wrong types)."""


class PipelineCycleError(PipelineError):
    """The pipeline's edges make a loop, so its nodes have no order; `cycle` names one loop."""

    def __init__(self, cycle: list[str]):
        self.cycle = cycle
        super().__init__(f"The pipeline has a cycle: {' -> '.join(cycle)}.")


class InvalidPipelineError(PipelineError):
    """A pipeline has validation issues; nothing was enqueued."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        lines = "\n  ".join(
            f"[{i.code}] {i.node or '-'}.{i.field or '-'}: {i.message}" for i in issues
        )
        super().__init__(f"{len(issues)} issue(s) found:\n  {lines}")


class SchedulingError(PipelineError):
    """Steps could not be handed to the queue (Redis down, for instance)."""


class ContractError(PipelineError):
    """A job payload, step result or step event this side cannot read: another contract version,
    or a field missing (see jobs.contract). The message names the versions or the field."""

    code = "worker_contract"


class StepFailedError(PipelineError):
    """A step's component failed; raised inside the worker after the log is written."""


class SandboxUnavailableError(StepFailedError):
    """The Python sandbox cannot be set up on this machine, so user code was not run."""
