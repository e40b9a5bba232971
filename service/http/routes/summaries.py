"""Summaries: create (or fetch from the cache), read back, and the response schema."""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from service.errors import DeadlineExceeded
from service.http.body import parse_article, read_limited
from service.http.models import Problem, SummaryCreate, SummaryPublic, subjects_of
from service.http.problems import PROBLEM, IdempotencyKeyReused, NotFound
from service.http.state import AuthDep, ServiceDep
from service.settings import EngineName

router = APIRouter(prefix="/v1", tags=["summaries"], dependencies=[AuthDep])

SEEDS = Path(__file__).resolve().parents[3] / "seeds"


def _seed_examples() -> dict[str, Any]:
    """Request examples for the OpenAPI page, taken from the seed articles when present."""
    examples: dict[str, Any] = {}
    for path in sorted(SEEDS.glob("*.txt"))[:3]:
        text = path.read_text(encoding="utf-8")
        examples[path.stem] = {"summary": path.name, "value": {"text": text, "source": path.name}}
    return examples


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        s: {"model": Problem, "content": {PROBLEM: {"schema": Problem.model_json_schema()}}}
        for s in statuses
    }


_REQUEST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": SummaryCreate.model_json_schema(),
                "examples": _seed_examples(),
            },
            "text/plain": {"schema": {"type": "string"}, "example": "Acme Bio raised $10 million."},
        },
    }
}


@router.post(
    "/summaries",
    summary="Summarise an article",
    response_model=SummaryPublic,
    responses=_problems(400, 401, 413, 415, 422, 502, 503, 504),
    openapi_extra=_REQUEST_BODY,
)
async def create_summary(
    request: Request,
    service: ServiceDep,
    engine: Annotated[
        EngineName | None, Query(description="auto, llm or rules (default: the service's).")
    ] = None,
    x_milestones_engine: Annotated[EngineName | None, Header()] = None,
    cache_control: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The article's grounded summary. A repeat of the same article (even with other
    boilerplate around it) comes from the cache with ``meta.cached = true``;
    ``Cache-Control: no-cache`` forces a fresh run and refreshes the cache."""
    started = time.perf_counter()
    settings = service.settings
    chosen = service.engine(engine or x_milestones_engine)
    refresh = "no-cache" in (cache_control or "").lower()
    raw = await read_limited(request, settings.max_body_bytes)
    remembered = None
    if idempotency_key:
        remembered = _idempotency(request, idempotency_key, chosen.name, raw)
        kept = await asyncio.to_thread(service.store.recall, remembered[0])
        if kept is not None:
            if kept[0] != remembered[1]:
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was used with another request: use a new key"
                )
            headers = {"Idempotent-Replayed": "true"}
            return Response(kept[1], media_type="application/json", headers=headers)
    exact = service.recent.key(
        request.headers.get("content-type", "").encode(), chosen.name.encode(), raw
    )
    if not refresh and (repeat := service.recent.get(exact, started)) is not None:
        service.metrics.hit()
        if remembered is not None:
            await asyncio.to_thread(service.store.remember, *remembered, repeat.decode())
        return Response(repeat, media_type="application/json")
    parsed = parse_article(request, raw)
    article = parsed.article
    try:
        async with asyncio.timeout(settings.request_deadline_s):
            outcome = await service.cache.summarise(article, chosen, refresh=refresh)
    except TimeoutError:
        raise DeadlineExceeded(
            f"no summary within the {settings.request_deadline_s:g} s request deadline"
        ) from None
    record = outcome.record
    body = SummaryPublic(
        id=outcome.id,
        article_id=parsed.article_id,
        source=record.source,
        text=article.text if parsed.extracted else None,
        summary=record.summary,
        subjects=subjects_of(record.summary, record.meta),
        meta=record.meta,
    )
    if not record.meta.degraded:
        # Exact repeats get this answer from memory, marked cached, latency written afresh.
        repeat_meta = record.meta.model_copy(update={"cached": True, "latency_ms": -1.0})
        repeat_body = body.model_copy(update={"meta": repeat_meta})
        service.recent.put(exact, repeat_body.model_dump_json().encode())
    answer = body.model_dump_json()
    if remembered is not None:
        await asyncio.to_thread(service.store.remember, remembered[0], remembered[1], answer)
    return Response(answer, media_type="application/json")


def _idempotency(request: Request, key: str, engine: str, raw: bytes) -> tuple[str, str]:
    """(the key scoped to the caller's credentials, the fingerprint of this request)."""
    caller = hashlib.sha256(request.headers.get("authorization", "").encode()).hexdigest()[:16]
    fingerprint = hashlib.sha256()
    for part in (request.headers.get("content-type", "").encode(), engine.encode(), raw):
        fingerprint.update(len(part).to_bytes(8, "big") + part)
    return f"{caller}:{key}", fingerprint.hexdigest()


@router.get(
    "/summaries/{summary_id}",
    summary="A stored summary",
    response_model=SummaryPublic,
    responses=_problems(401, 404),
)
async def read_summary(summary_id: str, service: ServiceDep) -> Response:
    """The summary stored under this id, as it was first returned."""
    record = await service.cache.get(summary_id)
    if record is None:
        raise NotFound(f"no summary with id {summary_id!r}")
    body = SummaryPublic(
        id=summary_id,
        article_id=None,
        source=record.source,
        summary=record.summary,
        subjects=subjects_of(record.summary, record.meta),
        meta=record.meta,
    )
    return Response(body.model_dump_json(), media_type="application/json")


@router.get("/schema", summary="The JSON Schema of a summary response")
async def read_schema() -> dict[str, Any]:
    """The JSON Schema every ``POST /v1/summaries`` response follows."""
    return SummaryPublic.model_json_schema()
