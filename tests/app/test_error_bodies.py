"""Errors reach clients with an HTTP status, a stable code and a message, mapped in one place."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from app.api.errors import add_error_handlers
from app.client import ClientError
from app.services import errors as app_errors
from app.services.datasets import DatasetService
from jobs.errors import InvalidPipelineError
from jobs.kube import KubeNotFoundError, KubeSpecError, KubeUnreachableError
from jobs.validate import Issue
from storage import errors as storage_errors

RAISED = {
    "missing": app_errors.NotFoundError("No such thing."),
    "clash": app_errors.ConflictError("Step 'train' is running."),
    "huge": app_errors.TooLargeError("The file is larger than 200 MiB."),
    "wrong": app_errors.InvalidRequestError("Output 'model' is not a table."),
    "duplicate": storage_errors.AlreadyExistsError("Endpoint 'x' already exists."),
    "artifact": storage_errors.ArtifactNotFoundError("No artifact at artifacts://objects/x."),
    "broken": storage_errors.StorageError("The workspace database failed."),
    "unauthorized": HTTPException(401, "Wrong token.", headers={"WWW-Authenticate": "Bearer"}),
    "kube-spec": KubeSpecError("CPU request 'lots' is not a quantity."),
    "kube-missing": KubeNotFoundError("Namespace 'nowhere' does not exist."),
    "kube-down": KubeUnreachableError("No Kubernetes API server answers at far:6443."),
}


@pytest.fixture(scope="module")
def http() -> TestClient:
    app = FastAPI()

    @app.get("/raise/{name}")
    def raise_(name: str) -> None:
        raise RAISED[name]

    @app.get("/pipeline")
    def pipeline() -> None:
        raise InvalidPipelineError([Issue("cycle", "The graph has a cycle.", node="a")])

    @app.get("/typed")
    def typed(count: int) -> int:
        return count

    add_error_handlers(app)
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("missing", 404, "not_found"),
        ("clash", 409, "conflict"),
        ("huge", 413, "too_large"),
        ("wrong", 400, "invalid"),
        ("duplicate", 409, "already_exists"),
        ("artifact", 404, "not_found"),  # the most specific mapped class decides
        ("broken", 500, "storage_error"),
        ("unauthorized", 401, "unauthorized"),
        ("kube-spec", 422, "invalid_settings"),  # settings the user can fix
        ("kube-missing", 422, "invalid_settings"),
    ],
)
def test_each_error_class_has_its_status_and_code(http, name, status, code):
    response = http.get(f"/raise/{name}")
    message = str(RAISED[name].detail if name == "unauthorized" else RAISED[name])
    assert response.status_code == status
    assert response.json() == {"code": code, "message": message, "detail": message}


def test_a_cluster_that_does_not_answer_is_a_bad_gateway(http):
    body = http.get("/raise/kube-down")
    message = "The Kubernetes cluster: No Kubernetes API server answers at far:6443."
    assert body.status_code == 502
    assert body.json() == {"code": "bad_gateway", "message": message, "detail": message}


def test_an_http_exception_keeps_its_headers(http):
    assert http.get("/raise/unauthorized").headers["WWW-Authenticate"] == "Bearer"


def test_an_invalid_pipeline_lists_its_issues(http):
    body = http.get("/pipeline").json()
    assert body["code"] == "invalid_pipeline"
    assert body["message"] == "The pipeline has 1 issue(s)."
    assert body["issues"] == [
        {"code": "cycle", "message": "The graph has a cycle.", "node": "a", "field": None}
    ]


def test_a_request_failing_validation_names_the_field_and_keeps_fastapis_detail(http):
    response = http.get("/typed", params={"count": "many"})
    body = response.json()
    assert response.status_code == 422 and body["code"] == "invalid_request"
    assert body["message"].startswith("query.count: ")
    assert body["detail"][0]["loc"] == ["query", "count"]


def test_an_upload_over_the_limit_is_too_large(monkeypatch):
    monkeypatch.setattr("app.services.datasets.MAX_UPLOAD_BYTES", 10)
    with pytest.raises(app_errors.TooLargeError, match="larger than"):
        DatasetService(None, None).register_upload("d", "d.csv", b"a\n" + b"1\n" * 10)  # type: ignore[arg-type]


# -- over HTTP, against a real control plane --------------------------------------------------


def _get(stack, path: str, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {stack.token}"}
    return httpx.get(f"{stack.api_url}{path}", headers=headers, timeout=60, **kwargs)


def test_an_unknown_run_is_a_coded_404(stack):
    response = _get(stack, "/runs/run_missing")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No run 'run_missing' exists.",
        "detail": "No run 'run_missing' exists.",
    }


def test_a_missing_token_is_a_coded_401(stack):
    response = httpx.get(f"{stack.api_url}/runs", timeout=60)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.json()["message"].startswith("Missing token")


def test_an_unknown_component_is_a_coded_404(stack):
    response = _get(stack, "/components/no_such_component")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert "no_such_component" in response.json()["message"]


def test_the_client_surfaces_the_code(client):
    with pytest.raises(ClientError) as refused:
        client.run("run_missing")
    assert (refused.value.status, refused.value.code) == (404, "not_found")
    assert refused.value.detail == "No run 'run_missing' exists."
