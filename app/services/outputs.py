"""A step's outputs as the API hands them out: which output exists, and which is a table."""

from __future__ import annotations

from app.services.errors import ConflictError, InvalidRequestError, NotFoundError
from storage import StepStatus, WorkspaceStore
from storage.artifacts import is_table_uri


def table_output(
    store: WorkspaceStore, run_id: str, node_id: str, port: str, *, completed: bool = False
) -> str:
    """The URI of the table on output `port` of a step.

    Args:
        completed: Only a completed step's output will do (to register it, say); a preview
            may read a running step's finished outputs.

    Raises:
        NotFoundError: The step has no such output (yet), or no such run or step exists.
        ConflictError: `completed` and the step has not completed.
        InvalidRequestError: The output is a model or transformation, not a table.
    """
    step = store.get_step(run_id, node_id)
    uri = step.outputs.get(port)
    if uri is None:
        raise NotFoundError(
            f"Step '{node_id}' of run '{run_id}' has no output '{port}' "
            f"(outputs: {sorted(step.outputs) or 'none yet'})."
        )
    if completed and step.status is not StepStatus.COMPLETED:
        raise ConflictError(
            f"Step '{node_id}' is {step.status.value}; only a completed step's output can be used."
        )
    if not is_table_uri(uri):
        raise InvalidRequestError(
            f"Output '{port}' of '{node_id}' is a model or transformation, not a table."
        )
    return uri
