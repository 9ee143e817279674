"""Sample pipelines: the JSON documents in examples/, offered as templates for new drafts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.services.errors import NotFoundError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass(frozen=True)
class Template:
    """One sample pipeline: its file name (without .json) is its id."""

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


def get_template(template_id: str, folder: Path = EXAMPLES) -> Template:
    """The sample pipeline `template_id`.

    Raises:
        NotFoundError: There is none; the message lists those there are.
    """
    templates = load_templates(folder)
    for template in templates:
        if template.id == template_id:
            return template
    known = ", ".join(t.id for t in templates)
    raise NotFoundError(f"No sample pipeline '{template_id}'; known: {known}.")
