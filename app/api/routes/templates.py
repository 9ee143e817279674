"""Sample pipelines offered as templates for new drafts (`app.services.templates`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from app.services import templates

router = APIRouter(prefix="/templates", tags=["templates"])


class Template(BaseModel):
    id: str
    name: str
    description: str
    spec: dict[str, Any]


@router.get("")
def list_templates() -> list[Template]:
    return [Template(**asdict(t)) for t in templates.load_templates()]


@router.get("/{template_id}")
def get_template(template_id: str) -> Template:
    return Template(**asdict(templates.get_template(template_id)))
