"""Health, readiness and metrics."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from service.doctor import diagnose
from service.http.models import Health
from service.http.openapi import problem_responses
from service.http.problems import document
from service.http.state import ServiceDep
from service.settings import Settings

router = APIRouter(tags=["operations"])

# /readyz?model=true: the doctor's report is kept this long (probes cost the provider).
MODEL_CHECK_TTL_S = 60.0
_model_report: dict[int, tuple[float, dict[str, str]]] = {}


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
        **problem_responses(400),
        503: {
            "description": "Not ready: the store is unreachable or the default engine "
            "cannot run (the detail lists the checks).",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        },
    },
)
async def readyz(
    service: ServiceDep,
    model: Annotated[
        bool,
        Query(
            description="Also check the model endpoint as `milestones doctor` does (its "
            "server, the modes that work, its context, the settings to use); the report is "
            f"kept {MODEL_CHECK_TTL_S:g} s, so probes are not sent on every call."
        ),
    ] = False,
) -> JSONResponse | Health:
    """Ready when the store answers and the default engine can run."""
    store_ok = await asyncio.to_thread(service.store.ping)
    try:
        engine = (await service.engine_for(None)).name
    except Exception as error:  # an engine that cannot be built is a readiness failure
        engine = f"unavailable: {error}"
    checks = {"store": "ok" if store_ok else "unreachable", "engine": engine}
    if model and service.settings.model_configured:
        checks.update(await _model_checks(service.settings))
    if not store_ok or engine.startswith("unavailable"):
        return document(503, "not-ready", "Not ready", f"checks: {checks}").response()
    return Health(status="ready", checks=checks)


async def _model_checks(settings: Settings) -> dict[str, str]:
    """The doctor's findings as readiness checks, kept a while per settings object."""
    kept = _model_report.get(id(settings))
    if kept is not None and time.monotonic() - kept[0] < MODEL_CHECK_TTL_S:
        return kept[1]
    report = await diagnose(settings, timeout_s=min(settings.request_timeout_s, 30.0))
    if not report.reachable:
        found = {"model": f"unreachable: {report.problem}"}
    else:
        found = {
            "model": report.server,
            "model_modes": ", ".join(report.working) or "none works",
            "model_context": str(report.context_tokens or "not told"),
            "model_settings": " ".join(
                f"{k}={v}" for k, v in report.suggested.items() if k.isupper()
            ),
        }
    _model_report[id(settings)] = (time.monotonic(), found)
    return found


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
