"""The scoring server: a small Starlette app around one loaded bundle.

Routes (the designer's shapes):

- ``POST /score``: ``{"Inputs": {"WebServiceInput0": [rows]}, "GlobalParameters": {}}`` with
  ``Authorization: Bearer <key>`` answers ``{"Results": {"WebServiceOutput0": [rows]}}``.
  401 without or with a wrong key; 413 for a body over the limit; 400 for malformed JSON or
  a request of the wrong shape; 422 naming row, column and problem for rows that do not fit
  the input schema or that the pipeline refuses. No request makes it answer 500.
- ``GET /swagger.json``: OpenAPI 3 with the input schema and the sample request.
- ``GET /health``: for probes, no key.
- ``GET /metrics``: Prometheus text (requests by status, errors by kind, latency histogram).

Starlette rather than FastAPI: the request is parsed and checked against the bundle's own
schema anyway, and FastAPI's per-request validation layer costs more than scoring one row.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    Info,
    generate_latest,
)
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from jobs.inference.bundle import LoadedBundle
from jobs.inference.errors import RequestError
from jobs.serving.keys import KeyRing
from jobs.serving.openapi import openapi_document

log = logging.getLogger(__name__)
DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024
# Bodies above this are scored on a worker thread, so health probes keep answering meanwhile.
_INLINE_BYTES = 64 * 1024
_LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.003,
    0.005,
    0.0075,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)
_JSON = "application/json"


class _Metrics:
    def __init__(self, bundle: LoadedBundle) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "flowbench_scoring_requests",
            "Scoring requests by HTTP status.",
            ["status"],
            registry=self.registry,
        )
        self.errors = Counter(
            "flowbench_scoring_errors",
            "Refused scoring requests by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.rows = Counter("flowbench_scoring_rows", "Rows scored.", registry=self.registry)
        self.latency = Histogram(
            "flowbench_scoring_request_duration_seconds",
            "Time from request to answer for POST /score.",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        info = Info(
            "flowbench_bundle", "The bundle this server scores with.", registry=self.registry
        )
        info.info(
            {
                "sha256": bundle.sha256,
                "engine": bundle.engine,
                "pipeline": str(bundle.manifest.get("pipeline", "")),
            }
        )


def create_app(
    bundle: LoadedBundle, keys: KeyRing, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> Starlette:
    """The ASGI app serving `bundle` to callers holding a key from `keys`."""
    metrics = _Metrics(bundle)
    swagger = json.dumps(openapi_document(bundle)).encode("utf-8")

    def answer(status: int, body: dict[str, Any], started: float, kind: str = "") -> Response:
        metrics.requests.labels(str(status)).inc()
        if kind:
            metrics.errors.labels(kind).inc()
        metrics.latency.observe(time.perf_counter() - started)
        return Response(json.dumps(body, allow_nan=False).encode("utf-8"), status, media_type=_JSON)

    def error(
        status: int,
        message: str,
        details: str,
        started: float,
        kind: str,
        problems: list[dict[str, Any]] | None = None,
    ) -> Response:
        body: dict[str, Any] = {"error": {"code": status, "message": message, "details": details}}
        if problems is not None:
            body["error"]["problems"] = problems
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        response = answer(status, body, started, kind)
        if headers:
            response.headers.update(headers)
        return response

    async def score(request: Request) -> Response:
        started = time.perf_counter()
        try:
            if not keys.accepts(request.headers.get("authorization")):
                return error(
                    401,
                    "Unauthorized",
                    "Send a current endpoint key as 'Authorization: Bearer <key>'.",
                    started,
                    "auth",
                )
            body = await _read_body(request, max_body_bytes)
            if body is None:
                return error(
                    413,
                    "Request too large",
                    f"The body is over the limit of "
                    f"{max_body_bytes} bytes; send fewer rows per request.",
                    started,
                    "too_large",
                )
            try:
                document = json.loads(body)
            except (ValueError, RecursionError) as exc:
                return error(
                    400,
                    "Malformed JSON",
                    f"The body is not valid JSON: {exc}",
                    started,
                    "malformed_json",
                )
            if not isinstance(document, dict) or "Inputs" not in document:
                return error(
                    400,
                    "Bad request",
                    'Expected {"Inputs": {"'
                    + bundle.inputs[0].name
                    + '": [rows]}, "GlobalParameters": {}}.',
                    started,
                    "bad_shape",
                )
            if not isinstance(document.get("GlobalParameters", {}), dict):
                return error(
                    400,
                    "Bad request",
                    "'GlobalParameters' must be an object.",
                    started,
                    "bad_shape",
                )
            if len(body) > _INLINE_BYTES:
                results = await run_in_threadpool(bundle.score_request, document["Inputs"])
            else:
                results = bundle.score_request(document["Inputs"])
        except RequestError as exc:
            return error(
                422,
                "The request does not fit the input schema",
                str(exc),
                started,
                "schema",
                exc.problems,
            )
        except ClientDisconnect:
            return error(400, "Bad request", "The client went away.", started, "disconnect")
        except Exception as exc:  # never a 500: the caller learns what failed, the log has why
            log.exception("scoring failed")
            return error(
                422,
                "Module Executing Error",
                f"Could not score these rows: {type(exc).__name__}: {exc}",
                started,
                "scoring",
            )
        metrics.rows.inc(sum(len(rows) for rows in results.values()))
        return answer(200, {"Results": results}, started)

    async def swagger_json(request: Request) -> Response:
        return Response(swagger, media_type=_JSON)

    async def health(request: Request) -> Response:
        keys.refresh()
        body = {
            "status": "healthy",
            "bundle_sha256": bundle.sha256,
            "engine": bundle.engine,
            "fast_path": bundle.fast_path_note,
            "keys": keys.problem or "loaded",
        }
        return Response(json.dumps(body).encode("utf-8"), media_type=_JSON)

    async def metrics_text(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def root(request: Request) -> Response:
        return Response(b'"Healthy"', media_type=_JSON)  # the designer's GET / probe

    return Starlette(
        routes=[
            Route("/score", score, methods=["POST"]),
            Route("/swagger.json", swagger_json, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route("/metrics", metrics_text, methods=["GET"]),
            Route("/", root, methods=["GET"]),
        ]
    )


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to be over `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
