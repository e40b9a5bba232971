"""Health, readiness and metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from service.http.models import Health
from service.http.openapi import problem_responses
from service.http.problems import document
from service.http.state import ServiceDep

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=Health,
    summary="The process is up",
    responses=problem_responses(),
)
async def healthz() -> Health:
    """Answers while the process runs (for a liveness probe); checks nothing else."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Ready to serve",
    responses={
        **problem_responses(),
        503: {
            "description": "Not ready: the store is unreachable or the default engine "
            "cannot run (the detail lists the checks).",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        },
    },
)
async def readyz(service: ServiceDep) -> JSONResponse | Health:
    """Ready when the store answers and the default engine can run."""
    store_ok = await asyncio.to_thread(service.store.ping)
    try:
        engine = (await service.engine_for(None)).name
    except Exception as error:  # an engine that cannot be built is a readiness failure
        engine = f"unavailable: {error}"
    checks = {"store": "ok" if store_ok else "unreachable", "engine": engine}
    if not store_ok or engine.startswith("unavailable"):
        return document(503, "not-ready", "Not ready", f"checks: {checks}").response()
    return Health(status="ready", checks=checks)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=PlainTextResponse,
    responses={
        200: {
            "description": "The Prometheus text exposition format (version 0.0.4): "
            "requests by route and status, latencies, model calls, tokens, cache hits, jobs "
            "and webhook deliveries.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **problem_responses(),
    },
)
async def metrics(service: ServiceDep) -> Response:
    """This replica's counters and histograms, for Prometheus to scrape."""
    return Response(service.metrics.render(), media_type=CONTENT_TYPE_LATEST)
