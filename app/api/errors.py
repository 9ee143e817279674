"""Errors to HTTP, in one place: each error class has a status and a code, and every error body
is ``{"code", "message", "detail"}`` (`detail` repeats the message for older clients; a request
that fails validation keeps FastAPI's list of problems there, an invalid pipeline adds `issues`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException

from app.api.schemas import IssueOut
from app.services import errors as app_errors
from app.services.endpoints import EndpointError, EndpointSettingsError
from app.services.inference_pipelines import InferencePipelineError
from app.services.publishing import PublishingError
from components.errors import UnknownComponentError
from jobs.errors import InvalidPipelineError, SchedulingError
from jobs.kube import KubeConfigError, KubeError, KubeNotFoundError, KubeSpecError
from storage import errors as storage_errors

# The most specific class of an error decides (Starlette walks its MRO).
STATUS_AND_CODE: dict[type[Exception], tuple[int, str]] = {
    app_errors.AppError: (400, app_errors.AppError.code),
    app_errors.InvalidRequestError: (400, app_errors.InvalidRequestError.code),
    app_errors.NotFoundError: (404, app_errors.NotFoundError.code),
    app_errors.ConflictError: (409, app_errors.ConflictError.code),
    app_errors.TooLargeError: (413, app_errors.TooLargeError.code),
    storage_errors.NotFoundError: (404, "not_found"),
    storage_errors.AlreadyExistsError: (409, "already_exists"),
    storage_errors.ConflictError: (409, "conflict"),
    storage_errors.UploadError: (400, "invalid_upload"),
    storage_errors.StorageError: (500, "storage_error"),
    UnknownComponentError: (404, "not_found"),
    PublishingError: (400, "invalid"),
    EndpointSettingsError: (422, "invalid_settings"),
    EndpointError: (400, "endpoint_error"),
    InferencePipelineError: (400, "invalid"),
    SchedulingError: (503, "unavailable"),
    # Kubernetes settings the user can fix; the cluster refusing or not answering is a 502
    # (`cluster_error` below).
    KubeSpecError: (422, "invalid_settings"),
    KubeConfigError: (422, "invalid_settings"),
    KubeNotFoundError: (422, "invalid_settings"),
    RedisError: (503, "unavailable"),
}
# The code of an HTTPException raised by FastAPI itself or by a route, by its status.
HTTP_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    502: "bad_gateway",
    503: "unavailable",
}


class ErrorBody(BaseModel):
    """The body of every error answer, as the OpenAPI document describes it."""

    code: str  # e.g. not_found, conflict, invalid_request, invalid_pipeline
    message: str
    # The message again; for a request that fails validation, FastAPI's list of problems.
    detail: str | list[dict[str, Any]]
    issues: list[IssueOut] | None = None  # an invalid pipeline's issues, every one at once


# Every route's error answers in the OpenAPI document. With a default answer described, FastAPI
# no longer describes a 422 as its own `{"detail": [...]}`, which it is not here.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "default": {"model": ErrorBody, "description": "An error, with its code and message"},
}


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    """The body of every error response."""
    return {"code": code, "message": message, "detail": message, **extra}


def add_error_handlers(app: FastAPI) -> None:
    """Answer every known error with its status and an `error_body`."""

    def coded(status: int, code: str):
        async def handle(_: Request, exc: Exception) -> JSONResponse:
            return JSONResponse(error_body(code, str(exc)), status_code=status)

        return handle

    for error, (status, code) in STATUS_AND_CODE.items():
        app.add_exception_handler(error, coded(status, code))

    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = jsonable_encoder(exc.errors())
        message = "; ".join(
            f"{'.'.join(map(str, p.get('loc', [])))}: {p.get('msg')}" for p in problems
        )
        body = error_body("invalid_request", message or "The request is not valid.")
        body["detail"] = problems  # FastAPI's shape, which clients already read
        return JSONResponse(body, status_code=422)

    async def invalid_pipeline(_: Request, exc: InvalidPipelineError) -> JSONResponse:
        body = error_body(
            "invalid_pipeline",
            f"The pipeline has {len(exc.issues)} issue(s).",
            issues=[i.to_dict() for i in exc.issues],
        )
        return JSONResponse(body, status_code=422)

    async def cluster_error(_: Request, exc: KubeError) -> JSONResponse:
        return JSONResponse(
            error_body("bad_gateway", f"The Kubernetes cluster: {exc}"), status_code=502
        )

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(KubeError, cluster_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(InvalidPipelineError, invalid_pipeline)
