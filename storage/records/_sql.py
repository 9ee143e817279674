"""Small SQL helpers shared by the record repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from storage import _duckdb_rows as rows
from storage.entities import RunStatus, StepStatus, utc_now


def require_name(kind: str, value: str) -> str:
    """`value`, or ValueError when it is not a non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"A {kind} name must be a non-blank string; got {value!r}.")
    return value


def placeholders(count: int) -> str:
    """`?, ?, ...` for `count` values."""
    return ", ".join(["?"] * count)


def set_clause(fields: dict[str, Any]) -> tuple[str, list[Any]]:
    """An UPDATE's `a = ?, b = ?` and its encoded values."""
    return ", ".join(f"{f} = ?" for f in fields), [rows.to_db(f, v) for f, v in fields.items()]


def stamp(fields: dict[str, Any], new: RunStatus | StepStatus, started_at: datetime | None) -> None:
    """Fill in the start or finish time (and a step's duration) that a status change implies."""
    now = utc_now()
    if new in (RunStatus.RUNNING, StepStatus.RUNNING) and started_at is None:
        fields.setdefault("started_at", now)
    if not new.is_terminal:
        return
    fields.setdefault("finished_at", now)
    start, finish = fields.get("started_at", started_at), fields["finished_at"]
    if isinstance(new, StepStatus) and "duration_s" not in fields and start and finish:
        # Through the UTC encoder, so naive (UTC) and aware datetimes subtract.
        elapsed = rows.to_db_time(finish) - rows.to_db_time(start)
        fields["duration_s"] = max(elapsed.total_seconds(), 0.0)


def aggregate(cur: Any, sql: str, params: Sequence[Any] = ()) -> Any:
    """The value of a one-value aggregate query (count, max), which always returns a row."""
    row = cur.execute(sql, params).fetchone()
    assert row is not None, sql  # an aggregate without GROUP BY returns exactly one row
    return row[0]
