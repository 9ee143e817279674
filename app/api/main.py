"""The control plane's FastAPI application: the one process that opens the workspace database."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from redis import Redis
from redis.exceptions import RedisError
from starlette.middleware.trustedhost import TrustedHostMiddleware

import components
from app.api.deps import Services, require_token
from app.api.errors import ERROR_RESPONSES, add_error_handlers
from app.api.routes import catalog, datasets, drafts, endpoints, runs
from app.api.schemas import Health
from app.services.datasets import DatasetService
from app.services.endpoints import EndpointService
from app.services.evaluation import EvaluationCharts
from app.services.monitor import Monitor
from app.services.runs import RunService
from app.settings import Settings, ensure_workspace
from storage import ArtifactStore, DuckDBWorkspaceStore

log = logging.getLogger("flowbench.api")


def create_app(settings: Settings, *, register_samples: bool = True) -> FastAPI:
    """The control plane for the workspace in `settings.home`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        token = ensure_workspace(settings)
        store = DuckDBWorkspaceStore(settings.db_path)
        artifacts = ArtifactStore(settings.artifacts)
        artifacts.check()  # a wrong key or a missing container fails here, not in a step
        redis = Redis.from_url(settings.effective_redis_url)
        run_service = RunService(
            store,
            artifacts,
            redis,
            step_timeout=settings.step_timeout,
            worker_stale_after=settings.worker_stale_after,
        )
        dataset_service = DatasetService(store, artifacts)
        if register_samples:
            dataset_service.register_samples()
        app.state.services = Services(
            store,
            artifacts,
            run_service,
            dataset_service,
            token,
            evaluations=EvaluationCharts(store, artifacts),
        )
        monitor = Monitor(run_service)
        monitor.start()
        app.state.services.endpoints = endpoint_service = EndpointService(
            store,
            artifacts,
            run_service,
            settings.home,
            api_url=settings.public_api_url,
            token=token,
            ports=settings.endpoint_port_range,
        )
        endpoint_service.start()
        scheduler = _start_publishing(app, settings, store, run_service, redis)
        components.all_components()  # the registry every validation reads, loaded before serving
        # What start-up made (the component library, pandas, scikit-learn) lives as long as the
        # process: kept out of the collector's full passes, which took 100-300 ms at random
        # points of a burst of requests otherwise (the workers do the same).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            scheduler.stop()
            endpoint_service.close()  # the scoring servers keep serving
            monitor.stop()
            redis.close()
            store.close()

    app = FastAPI(
        title="Flowbench control plane",
        version="0.1.0",
        lifespan=lifespan,
        description="Build, run and review machine-learning pipelines. Every route "
        "but /health needs `Authorization: Bearer <workspace token>`.",
        responses=ERROR_RESPONSES,
    )

    @app.get("/health", tags=["health"])
    def health(request: Request) -> Health:
        redis_ok = True
        try:
            request.app.state.services.runs.redis.ping()
        except RedisError:
            redis_ok = False
        return Health(status="ok", redis=redis_ok)

    # A Host header other than the names the API is known by is refused (DNS rebinding).
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.trusted_hosts)
    protected = [Depends(require_token)]
    from app.api.routes import compute_status, models, profile, run_views, templates

    for router in (
        catalog.router,
        datasets.router,
        drafts.router,
        runs.router,
        models.router,
        templates.router,
        profile.router,
        compute_status.router,
        run_views.router,
    ):
        app.include_router(router, dependencies=protected)
    app.include_router(endpoints.router, dependencies=protected)
    from app.api.routes import kubernetes

    app.include_router(kubernetes.router, dependencies=protected)
    app.include_router(endpoints.bundle_router)  # its own token: the endpoint's bundle token
    from app.api.routes import pipelines

    app.include_router(pipelines.submit_router)  # its own check: workspace token or endpoint key
    app.include_router(pipelines.router, dependencies=protected)
    add_error_handlers(app)
    return app


def _start_publishing(
    app: FastAPI,
    settings: Settings,
    store: DuckDBWorkspaceStore,
    run_service: RunService,
    redis: Redis,
):
    """Pipeline endpoints and the scheduler that fires their schedules."""
    from app.services.publishing import PublishingService
    from app.services.schedules import Scheduler, ScheduleService

    app.state.settings = settings
    app.state.publishing = PublishingService(store, run_service)
    app.state.schedules = ScheduleService(
        app.state.publishing, redis, workspace=str(settings.home.resolve())
    )
    scheduler = Scheduler(app.state.schedules)
    scheduler.start()
    return scheduler
