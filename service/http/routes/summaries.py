"""Summaries: create (or fetch from the cache), read back, and the response schema."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from schemas.v2 import Version
from service.errors import IdempotencyKeyReused
from service.http.body import parse_article
from service.http.idempotency import scoped_key
from service.http.models import SummaryCreate, SummaryPublic, SummaryPublicV2, public_of
from service.http.openapi import article_body, problem_responses
from service.http.state import AuthDep, IncomingDep, ServiceDep, service_of, stored_summary
from service.http.summary import public_summary, url_summary
from service.offload import off_loop_for

router = APIRouter(prefix="/v1", tags=["summaries"], dependencies=[AuthDep])
# Schema v2: the same routes, each milestone with its details.
router_v2 = APIRouter(prefix="/v2", tags=["summaries"], dependencies=[AuthDep])
CREATED = problem_responses(400, 401, 413, 415, 422, 502, 503, 504)


@router.post(
    "/summaries",
    summary="Summarise an article",
    response_model=SummaryPublic,
    responses=CREATED,
    openapi_extra=article_body(SummaryCreate),
)
async def create_summary(request: Request, incoming: IncomingDep) -> Response:
    """The article's grounded summary (schema v1). A repeat of the same article (even
    with other boilerplate around it) comes from the cache with ``meta.cached = true``;
    ``Cache-Control: no-cache`` forces a fresh run and refreshes the cache."""
    return await _create(request, incoming, "v1")


@router_v2.post(
    "/summaries",
    summary="Summarise an article (schema v2: each milestone with its details)",
    response_model=SummaryPublicV2,
    responses=CREATED,
    openapi_extra=article_body(SummaryCreate),
)
async def create_summary_v2(request: Request, incoming: IncomingDep) -> Response:
    """As ``POST /v1/summaries``, in schema v2: each milestone carries its ``details``
    (which designation, application, phase and registry ids, amount and round …)."""
    return await _create(request, incoming, "v2")


async def _create(request: Request, incoming: IncomingDep, version: Version) -> Response:
    started = time.perf_counter()
    service = service_of(request)
    chosen, refresh, raw = incoming.engine, incoming.refresh, incoming.body
    remembered = None
    if incoming.idempotency_key:
        key = incoming.idempotency_key
        scope = "summaries" if version == "v1" else f"summaries.{version}"
        remembered = scoped_key(request, scope, key, chosen.name, raw)
        kept = await asyncio.to_thread(service.store.idempotency.recall, remembered[0])
        if kept is not None:
            if kept[0] != remembered[1]:
                raise IdempotencyKeyReused()
            headers = {"Idempotent-Replayed": "true"}
            return Response(kept[1], media_type="application/json", headers=headers)
    exact = service.recent.key(
        request.headers.get("content-type", "").encode(), chosen.name.encode(), raw,
        version.encode(),
    )  # fmt: skip
    if not refresh and (repeat := service.recent.get(exact, started)) is not None:
        service.metrics.hit()
        if remembered is not None:
            await asyncio.to_thread(
                service.store.idempotency.remember, *remembered, repeat.decode()
            )
        return Response(repeat, media_type="application/json")
    content_type = request.headers.get("content-type", "")
    parsed = await off_loop_for(len(raw), parse_article, content_type, raw)
    if parsed.article is None:  # only a URL: the page fetched (conditionally), then read
        body = await url_summary(service, parsed.input, chosen, refresh=refresh, version=version)
    else:
        body = await public_summary(
            service, parsed.article, chosen, extracted=parsed.extracted, refresh=refresh,
            version=version,
        )  # fmt: skip
    if not body.meta.degraded and parsed.article is not None:
        # Exact repeats get this answer from memory, marked cached, latency written afresh.
        repeat_meta = body.meta.model_copy(update={"cached": True, "latency_ms": -1.0})
        repeat_body = body.model_copy(update={"meta": repeat_meta})
        service.recent.put(exact, repeat_body.model_dump_json().encode())
    answer = body.model_dump_json()
    if remembered is not None:
        await asyncio.to_thread(
            service.store.idempotency.remember, remembered[0], remembered[1], answer
        )
    return Response(answer, media_type="application/json")


@router.get(
    "/summaries/{summary_id}",
    summary="A stored summary",
    response_model=SummaryPublic,
    responses=problem_responses(401, 404, 503),
)
async def read_summary(summary_id: str, service: ServiceDep) -> Response:
    """The summary stored under this id, as it was first returned (schema v1)."""
    record = await stored_summary(service, summary_id)
    body = public_of(record, id=summary_id, article_id=None)
    return Response(body.model_dump_json(), media_type="application/json")


@router_v2.get(
    "/summaries/{summary_id}",
    summary="A stored summary (schema v2)",
    response_model=SummaryPublicV2,
    responses=problem_responses(401, 404, 503),
)
async def read_summary_v2(summary_id: str, service: ServiceDep) -> Response:
    """The summary stored under this id, each milestone with its details (empty for a
    summary stored before v2, until its article is summarised again)."""
    record = await stored_summary(service, summary_id)
    body = public_of(record, id=summary_id, article_id=None, version="v2")
    return Response(body.model_dump_json(), media_type="application/json")


@router.get(
    "/schema",
    summary="The JSON Schema of a summary response",
    responses=problem_responses(401),
)
async def read_schema() -> dict[str, Any]:
    """The JSON Schema every ``POST /v1/summaries`` response follows."""
    return SummaryPublic.model_json_schema()
