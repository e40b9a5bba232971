"""The HTTP service assembled: the API's routers and the pages, errors mapped, metrics
recorded. It stands above both front ends it serves (``service.http``, ``service.web``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from service import __version__
from service.egress import CallbackPolicy, Resolve, resolve_host
from service.errors import MilestonesError
from service.http import docs, openapi, problems
from service.http.feed_poller import FeedPoller
from service.http.guard import Guard
from service.http.job_runner import JobRunner
from service.http.routes import (
    aggregates,
    calls,
    feeds,
    health,
    index,
    jobs,
    reviews,
    searches,
    summaries,
)
from service.http.routes.webhooks import describe_webhooks
from service.http.state import Service
from service.jobs.delivery import Deliverer
from service.jobs.worker import JobWorker
from service.metrics import Metrics
from service.pipeline import Summariser
from service.settings import Settings, load_settings
from service.store import Store
from service.web import pages

log = logging.getLogger("milestones.http")


class RecordMetrics:
    """ASGI middleware: count requests by route and status, and time them."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)


def create_app(
    settings: Settings | None = None, store: Store | None = None, resolve: Resolve | None = None
) -> FastAPI:
    """The service's ASGI app. The store opens now; engines are built on first use; the
    job worker runs while the app does (its lifespan). ``resolve``: how callback hosts
    are resolved (the system's resolver by default)."""
    settings = settings or load_settings()
    metrics = Metrics()
    store = store or Store(settings.database_url)
    policy = CallbackPolicy(
        allow_http=settings.allow_http_callbacks,
        allow_private=settings.allow_private_callbacks,
        resolve=resolve or resolve_host,
    )
    summariser = Summariser(store, settings, metrics)
    service = Service(settings, store, summariser, metrics, policy)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:  # built (and its modules imported) now, not in the first request's turn
            await asyncio.to_thread(service.engine, None)
        except MilestonesError as error:  # /readyz says so; requests get a problem document
            log.warning("the default engine cannot be built: %s", error.detail)
        if settings.job_workers > 0:
            secret = settings.webhook_secret
            deliverer = (
                Deliverer(secret.get_secret_value(), policy, settings.webhook_timeout_s)
                if secret is not None
                else None
            )
            service.worker = JobWorker(
                service.store.jobs,
                JobRunner(service),
                settings,
                deliverer,
                metrics,
                call_log=service.store.calls,
                feeds=FeedPoller(service),
            )
            service.worker.start()
        yield
        await service.aclose()

    app = FastAPI(
        title="milestones",
        version=__version__,
        summary="Grounded milestone summaries of news articles about advanced therapies.",
        description=openapi.API_DESCRIPTION,
        openapi_tags=openapi.TAGS,
        license_info={"name": "MIT", "identifier": "MIT"},
        lifespan=lifespan,
        docs_url=None,  # served by service.http.docs, without a CDN
        redoc_url=None,
    )
    app.state.service = service
    app.include_router(summaries.router)
    app.include_router(summaries.router_v2)
    app.include_router(reviews.router)
    app.include_router(calls.router)
    app.include_router(index.router)
    app.include_router(aggregates.router)
    app.include_router(jobs.router)
    app.include_router(feeds.router)
    app.include_router(searches.router)
    app.include_router(searches.feeds)
    app.include_router(health.router)
    describe_webhooks(app)
    docs.install(app)
    pages.install(app)
    generated = app.openapi

    def described() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi.describe(generated())
        return app.openapi_schema

    app.openapi = described  # type: ignore[method-assign]
    problems.install(app, metrics, settings.retry_after_s)
    app.add_middleware(
        Guard,
        open_service=not service.api_keys and not settings.allow_unauthenticated,
        allowed_hosts=settings.allowed_host_list(),
        retry_after=settings.retry_after_s,
    )
    app.add_middleware(RecordMetrics, metrics=metrics)
    return app
