"""A property-based fuzzer over the control plane's OpenAPI document: no request gets a 5xx, and
an answer with a documented status matches its documented schema.

schemathesis generates requests for every operation from the schema (valid and invalid bodies,
parameters and paths) and sends them, with the token, to a real control plane of its own; the
budget (examples per operation) keeps it within CI's time (well under a minute).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks

from app.api.main import create_app
from app.settings import Settings
from tests.conftest import make_stack

EXAMPLES_PER_OPERATION = 4
# Building the app only describes the routes; nothing starts and no workspace is opened.
SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings(home=Path("/nonexistent"), redis_url=None)).openapi()
)


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory, redis_url):
    """A control plane of its own (no workers): fuzzed writes stay in its workspace."""
    running = make_stack(tmp_path_factory.mktemp("fuzz"), redis_url)
    running.start_api()
    yield running
    running.stop_all()


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case, fuzz_stack):
    response = case.call(
        base_url=fuzz_stack.api_url,
        timeout=60,
        headers={"Authorization": f"Bearer {fuzz_stack.token}"},
    )
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
    # An answer with a documented status matches the schema the document gives it.
    case.validate_response(response, checks=[checks.response_schema_conformance])
