"""Pure helpers of the Endpoints page (tested without Streamlit): the request a Test form makes,
and the sample code of the Consume tab."""

from __future__ import annotations

import json
import math
import pprint
import shlex
from typing import Any

DEFAULT_INPUT = "WebServiceInput0"


def input_columns(schema: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The first Web Service Input's name and columns ({name, type, categorical, nullable})."""
    inputs = schema.get("inputs") or [{"name": DEFAULT_INPUT, "columns": []}]
    return inputs[0]["name"], list(inputs[0]["columns"])


def sample_row(schema: dict[str, Any]) -> dict[str, Any]:
    """The first row of the bundle's sample request (empty when it has none)."""
    name, _ = input_columns(schema)
    rows = ((schema.get("sample_request") or {}).get("Inputs") or {}).get(name) or [{}]
    return dict(rows[0])


def coerce(value: str, column_type: str) -> Any:
    """A form's text as the column's JSON value: '' is null, numbers for numeric columns.

    Raises:
        ValueError: the text is not a number for an Integer or Double column, or not a boolean.
    """
    text = value.strip()
    if text == "":
        return None
    if column_type == "Integer":
        number = float(text)
        return int(number) if number.is_integer() else number
    if column_type == "Double":
        return float(text)
    if column_type == "Boolean":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"'{value}' is not true or false")
        return text.lower() == "true"
    return value


def form_text(value: Any) -> str:
    """A sample value as the text a form field starts with."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def request_from_form(
    schema: dict[str, Any], texts: dict[str, str]
) -> tuple[dict[str, Any], list[str]]:
    """The designer's request for one row typed in the Test form, and the problems found."""
    name, columns = input_columns(schema)
    row, problems = {}, []
    for column in columns:
        try:
            row[column["name"]] = coerce(texts.get(column["name"], ""), column["type"])
        except ValueError as exc:
            problems.append(f"{column['name']}: {exc} ({column['type']} expected)")
    return {"Inputs": {name: [row]}, "GlobalParameters": {}}, problems


def sample_code(url: str, key: str, request: dict[str, Any]) -> dict[str, str]:
    """Python and curl that call the endpoint with `request`, ready to paste and run."""
    body = pprint.pformat(request, width=92, sort_dicts=False)  # a Python literal
    python = f'''import json
import urllib.request

url = "{url}"
key = "{key}"  # the primary or secondary key
body = {body}

request = urllib.request.Request(
    url, data=json.dumps(body).encode(), method="POST",
    headers={{"Content-Type": "application/json", "Authorization": "Bearer " + key}})
with urllib.request.urlopen(request) as response:
    print(json.loads(response.read()))
'''
    curl = (
        f"curl -sS -X POST {shlex.quote(url)} \\\n"
        f"  -H 'Content-Type: application/json' \\\n"
        f"  -H {shlex.quote('Authorization: Bearer ' + key)} \\\n"
        f"  -d {shlex.quote(json.dumps(request))}"
    )
    return {"python": python, "curl": curl}
