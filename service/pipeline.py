"""The article's path: clean → prompt → model → validate → ground → (store).

``summarise`` is the one orchestrating function; each step is a module of its own. The
engine owns prompt, model and validate (the rules engine needs no prompt); the cache
(``service/cache.py``) wraps the same steps with the store.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from schemas import Meta, SummaryRecord
from schemas.export import schema_hash
from service.article import Article, PreparedArticle, prepare
from service.engines import ArticleRequest, Engine, EngineRun
from service.ground import ground
from service.offload import off_loop_for


async def extract(
    prepared: PreparedArticle, engine: Engine, deadline: float | None = None
) -> EngineRun:
    """Prompt → model → validate, by the engine; ``deadline``: event-loop time by which
    the engine must have answered (None: its own deadline only)."""
    return await engine.extract(ArticleRequest(prepared, deadline))


def assemble(
    run: EngineRun, prepared: PreparedArticle, engine: Engine, started: float
) -> SummaryRecord:
    """Ground the extraction and say how it was made."""
    summary = ground(run.extraction, prepared)
    producer = run.engine or engine
    meta = Meta(
        engine=producer.name,
        model=producer.model,
        prompt_version=producer.version,
        schema_hash=schema_hash(),
        attempts=run.attempts,
        requests=run.requests,
        usage=run.usage,
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        cached=False,
        degraded=run.degraded_reason is not None,
        degraded_reason=run.degraded_reason,
    )
    article = prepared.article
    return SummaryRecord(source=article.source or article.url, summary=summary, meta=meta)


async def summarise(article: Article, engine: Engine) -> SummaryRecord:
    """Summarise one article with ``engine``: a grounded, schema-valid record."""
    started = time.perf_counter()
    prepared = await off_loop_for(len(article.text), prepare, article)
    run = await extract(prepared, engine)
    return await off_loop_for(len(article.text), assemble, run, prepared, engine, started)
