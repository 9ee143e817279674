"""Drafts: pipeline specs being edited, with a bounded undo history."""

from __future__ import annotations

import json
from typing import Any

from storage import _duckdb_rows as rows
from storage._duckdb_db import Cursor, Database
from storage.entities import Draft, new_id, utc_now
from storage.errors import ConflictError, NotFoundError
from storage.records._sql import placeholders

# `undo_draft` can go back this many saves; older specs are dropped.
DRAFT_HISTORY_LIMIT = 50


class DraftRepository:
    """Drafts and their undo history on the workspace database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create_draft(
        self, *, name: str, spec: dict[str, Any], source_run_id: str | None = None
    ) -> Draft:
        """Create a draft at revision 1.

        Args:
            name: The draft's display name.
            spec: The pipeline spec being edited.
            source_run_id: The run it was cloned from, if any.

        Returns:
            The new draft, with a fresh id such as ``draft_0c1d2e3f4a5b``.
        """
        now = utc_now()
        draft = Draft(
            id=new_id("draft"),
            name=name,
            spec=spec,
            revision=1,
            created_at=now,
            updated_at=now,
            source_run_id=source_run_id,
        )
        values = [rows.to_db(c, getattr(draft, c)) for c in rows.DRAFT_COLUMNS]
        with self._db.writing() as cur:
            cur.execute(f"INSERT INTO drafts VALUES ({placeholders(len(values))})", values)
        return draft

    def _fetch_draft(self, cur: Cursor, draft_id: str) -> Draft:
        row = cur.execute(
            f"SELECT {rows.select_list(rows.DRAFT_COLUMNS)} FROM drafts WHERE id = ?", [draft_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"No draft '{draft_id}' exists.")
        return rows.draft_from_row(row)

    def get_draft(self, draft_id: str) -> Draft:
        """Fetch a draft by id.

        Raises:
            NotFoundError: No draft has that id.
        """
        with self._db.reading() as cur:
            return self._fetch_draft(cur, draft_id)

    def list_drafts(self) -> list[Draft]:
        """Every draft, most recently saved first."""
        with self._db.reading() as cur:
            found = cur.execute(
                f"SELECT {rows.select_list(rows.DRAFT_COLUMNS)} FROM drafts "
                "ORDER BY updated_at DESC, id"
            )
            return [rows.draft_from_row(r) for r in found.fetchall()]

    def save_draft(
        self,
        draft_id: str,
        *,
        spec: dict[str, Any],
        name: str | None = None,
        expected_revision: int | None = None,
    ) -> Draft:
        """Autosave: replace the spec (and name), keep the previous spec for undo, bump revision.

        Args:
            draft_id: The draft to save.
            spec: The new spec.
            name: A new name, or None to keep it.
            expected_revision: The revision the editor started from; when given and stale, the
                save is refused instead of overwriting someone else's change.

        Returns:
            The saved draft.

        Raises:
            NotFoundError: No draft has that id.
            ConflictError: `expected_revision` is not the current revision.
        """
        spec_json = json.dumps(spec)
        with self._db.writing() as cur:
            current = self._fetch_draft(cur, draft_id)
            if expected_revision is not None and expected_revision != current.revision:
                raise ConflictError(
                    f"Draft '{draft_id}' was saved elsewhere since revision {expected_revision}; "
                    f"it is now at revision {current.revision}. Reload it and redo the change."
                )
            new_name = current.name if name is None else name
            if spec == current.spec and new_name == current.name:
                return current  # an autosave without changes: no history entry, no revision
            now = rows.to_db_time(utc_now())
            cur.execute(
                "INSERT INTO draft_history VALUES (?, ?, ?, ?)",
                [draft_id, current.revision, json.dumps(current.spec), now],
            )
            cur.execute(
                "DELETE FROM draft_history WHERE draft_id = ? AND revision NOT IN ("
                "SELECT revision FROM draft_history WHERE draft_id = ? "
                "ORDER BY revision DESC LIMIT ?)",
                [draft_id, draft_id, DRAFT_HISTORY_LIMIT],
            )
            cur.execute(
                "UPDATE drafts SET spec = ?, name = ?, revision = revision + 1, "
                "updated_at = ? WHERE id = ?",
                [spec_json, new_name, now, draft_id],
            )
            return self._fetch_draft(cur, draft_id)

    def undo_draft(self, draft_id: str) -> Draft:
        """Restore the spec saved before the latest save (the revision still grows).

        Raises:
            NotFoundError: No draft has that id.
            ConflictError: There is nothing to undo.
        """
        with self._db.writing() as cur:
            self._fetch_draft(cur, draft_id)
            previous = cur.execute(
                "SELECT revision, spec FROM draft_history WHERE draft_id = ? "
                "ORDER BY revision DESC LIMIT 1",
                [draft_id],
            ).fetchone()
            if previous is None:
                raise ConflictError(f"Draft '{draft_id}' has nothing to undo.")
            cur.execute(
                "DELETE FROM draft_history WHERE draft_id = ? AND revision = ?",
                [draft_id, previous[0]],
            )
            # The revision keeps growing, so an editor holding the pre-undo revision is stale.
            cur.execute(
                "UPDATE drafts SET spec = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
                [previous[1], rows.to_db_time(utc_now()), draft_id],
            )
            return self._fetch_draft(cur, draft_id)

    def delete_draft(self, draft_id: str) -> None:
        """Delete a draft and its undo history.

        Raises:
            NotFoundError: No draft has that id.
        """
        with self._db.writing() as cur:
            self._fetch_draft(cur, draft_id)
            cur.execute("DELETE FROM draft_history WHERE draft_id = ?", [draft_id])
            cur.execute("DELETE FROM drafts WHERE id = ?", [draft_id])
