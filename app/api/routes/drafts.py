"""Drafts: pipelines being edited, saved on every change, with undo."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.api.deps import ServicesDep
from app.api.schemas import DraftCreate, DraftSave
from storage import Draft

router = APIRouter(prefix="/drafts", tags=["drafts"])


@router.get("")
def list_drafts(svc: ServicesDep) -> list[Draft]:
    return svc.store.list_drafts()


@router.post("", status_code=201)
def create_draft(body: DraftCreate, svc: ServicesDep) -> Draft:
    return svc.store.create_draft(name=body.name, spec=body.spec)


@router.get("/{draft_id}")
def get_draft(draft_id: str, svc: ServicesDep) -> Draft:
    return svc.store.get_draft(draft_id)


@router.put("/{draft_id}")
def save_draft(draft_id: str, body: DraftSave, svc: ServicesDep) -> Draft:
    """Autosave: store the new spec and keep the previous one for undo."""
    return svc.store.save_draft(
        draft_id, spec=body.spec, name=body.name, expected_revision=body.expected_revision
    )


@router.post("/{draft_id}/undo")
def undo_draft(draft_id: str, svc: ServicesDep) -> Draft:
    return svc.store.undo_draft(draft_id)


@router.delete("/{draft_id}", status_code=204)
def delete_draft(draft_id: str, svc: ServicesDep) -> Response:
    svc.store.delete_draft(draft_id)
    return Response(status_code=204)
