"""Which column is the label, and whether a learner can learn it: rules over column
descriptions (components.column_flow), so that validation, knowing only the columns that reach
a step, and the step itself, holding the table, give the same answer in the same words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from components import metadata
from components.errors import ComponentInputError
from components.ml.tasks import NUMERIC_LABEL, Task


def label_of(columns: list[dict[str, Any]], requested: str | None) -> str:
    """The label column: `requested` when given, else the one column whose role is label.

    Raises:
        ComponentInputError: the requested column is missing, or no single label is marked.
    """
    names = [c["name"] for c in columns]
    available = ", ".join(names)
    if requested:
        if requested not in names:
            raise ComponentInputError(
                f"Label column '{requested}' not found; available: {available}."
            )
        return requested
    labels = [c["name"] for c in columns if c.get("role") == metadata.LABEL]
    if len(labels) == 1:
        return labels[0]
    if not labels:
        raise ComponentInputError(
            "No label column: choose one in 'Label column' or mark one with Edit Metadata "
            f"(Fields: Labels); available: {available}."
        )
    raise ComponentInputError(
        f"Several columns are marked as label ({', '.join(map(repr, labels))}); choose one in "
        "'Label column'."
    )


def numeric_label_problem(learner: str, task: Task, column: dict[str, Any]) -> str | None:
    """Why `learner` (a display name) cannot learn label `column`, when its task predicts a
    number and the column is not numeric; else None."""
    if task not in NUMERIC_LABEL:
        return None
    if metadata.describes_numeric(column):
        return None
    shown = f"categorical {column['type']}" if column.get("categorical") else column["type"]
    return (
        f"{learner} needs a numeric label; column '{column['name']}' is {shown}. Choose a "
        "numeric label, or convert it with Edit Metadata."
    )


def label_checks(
    dataset_port: str, param: str = "label_column", model_port: str = "untrained_model"
) -> Callable[[dict[str, Any], dict[str, Any]], list[tuple[str, str]]]:
    """A `checks=` rule for a trainer: the label it would pick from the columns reaching
    `dataset_port` (parameter `param`, else the one marked), and whether the learner arriving
    on `model_port` can learn it. Unknown columns, a learner of unknown task (a Python model),
    or a named label that is not text or does not reach (other issues tell those) give
    nothing."""

    def rule(inputs: dict[str, Any], params: dict[str, Any]) -> list[tuple[str, str]]:
        columns, model = inputs.get(dataset_port), inputs.get(model_port)
        requested = params.get(param) or None
        if not isinstance(columns, list) or (
            # not text (invalid_parameter's to tell) or not reaching (unknown_column's)
            requested is not None
            and (not isinstance(requested, str) or requested not in {c["name"] for c in columns})
        ):
            return []
        try:
            label = label_of(columns, requested)
        except ComponentInputError as exc:
            return [(param, str(exc))]
        if not isinstance(model, dict) or "learner" not in model or "task" not in model:
            return []
        column = next(c for c in columns if c["name"] == label)
        problem = numeric_label_problem(model["learner"], Task(model["task"]), column)
        return [] if problem is None else [(param, problem)]

    return rule
