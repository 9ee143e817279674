"""Request dependencies: the workspace token check and access to the services."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.services.datasets import DatasetService
from app.services.endpoints import EndpointService
from app.services.evaluation import EvaluationCharts
from app.services.runs import RunService
from storage import ArtifactStore, WorkspaceStore

_bearer = HTTPBearer(auto_error=False)


@dataclass
class Services:
    """What the routes need, built once at start-up and kept on `app.state`."""

    store: WorkspaceStore
    artifacts: ArtifactStore
    runs: RunService
    datasets: DatasetService
    token: str
    evaluations: EvaluationCharts
    endpoints: EndpointService | None = None


# Both dependencies below are `async def` although they wait on nothing: FastAPI runs a plain
# `def` dependency in its thread pool, a round trip through the event loop per dependency and
# request, which under load costs more than the check itself.
async def services(request: Request) -> Services:
    return request.app.state.services


async def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Refuse a request without the workspace token (401)."""
    expected = request.app.state.services.token
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Missing token: send 'Authorization: Bearer <workspace token>' (the "
            "token is in the workspace folder's 'token' file).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not secrets.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Wrong token.", headers={"WWW-Authenticate": "Bearer"}
        )


ServicesDep = Annotated[Services, Depends(services)]
