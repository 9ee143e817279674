"""Sample pipelines: the JSON documents in examples/, offered as templates for new drafts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

router = APIRouter(prefix="/templates", tags=["templates"])

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


class Template(BaseModel):
    id: str
    name: str
    description: str
    spec: dict[str, Any]


def load_templates(folder: Path = EXAMPLES) -> list[Template]:
    """Every example pipeline in `folder`, by file name (a file that is not JSON is skipped)."""
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            spec = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(spec, dict) and isinstance(spec.get("nodes"), list):
            found.append(
                Template(
                    id=path.stem,
                    name=str(spec.get("name") or path.stem),
                    description=str(spec.get("description") or ""),
                    spec=spec,
                )
            )
    return found


@router.get("")
def list_templates() -> list[Template]:
    return load_templates()


@router.get("/{template_id}")
def get_template(template_id: str) -> Template:
    for template in load_templates():
        if template.id == template_id:
            return template
    raise HTTPException(
        404,
        f"No sample pipeline '{template_id}'; known: {', '.join(t.id for t in load_templates())}.",
    )
