"""The article's path: clean → prompt → model → validate → ground → (store).

``summarise`` is the one orchestrating function; each step is a module of its own. The
engine owns prompt, model and validate (the rules engine needs no prompt); the cache
(``service/cache.py``) wraps the same steps with the store.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from schemas import Meta, SummaryRecord, TokenUsage
from schemas.export import schema_hash
from service.clean import clean
from service.engines import ArticleRequest, Engine, EngineRun
from service.errors import InputError
from service.ground import ground
from service.invisible import visible
from service.offload import off_loop_for
from service.validate import GroundingContext

# A publication date outside these years is a mistake (a year-1 default, say), refused.
EARLIEST_PUBLICATION_YEAR = 1900
LATEST_PUBLICATION_YEAR = 2100


def publication_date_problem(value: date) -> str | None:
    """Why ``value`` cannot be an article's publication date, if it cannot."""
    if EARLIEST_PUBLICATION_YEAR <= value.year <= LATEST_PUBLICATION_YEAR:
        return None
    return (
        f"published_at {value.isoformat()} is not a plausible publication date (years "
        f"{EARLIEST_PUBLICATION_YEAR}-{LATEST_PUBLICATION_YEAR} are accepted)"
    )


@dataclass(frozen=True)
class Article:
    """An article as a caller sends it."""

    text: str
    published_at: date | None = None
    source: str | None = None
    url: str | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        problem = self.published_at and publication_date_problem(self.published_at)
        if problem:
            raise InputError(problem)


def prepare(article: Article) -> GroundingContext:
    """Clean: refuse an empty article, remove boilerplate, keep the way back."""
    if not visible(article.text).strip():
        raise InputError("the article is empty (no text, or only white space)")
    cleaned = clean(article.text)
    if not visible(cleaned.text).strip():
        raise InputError("the article holds only boilerplate (navigation, adverts, links)")
    return GroundingContext(cleaned, article.published_at)


async def extract(
    context: GroundingContext, article: Article, engine: Engine, deadline: float | None = None
) -> EngineRun:
    """Prompt → model → validate, by the engine; ``deadline``: event-loop time by which
    the engine must have answered (None: its own deadline only)."""
    request = ArticleRequest(context, article.published_at, article.source, deadline)
    return await engine.extract(request)


def assemble(
    run: EngineRun, context: GroundingContext, engine: Engine, article: Article, started: float
) -> SummaryRecord:
    """Ground the extraction and say how it was made."""
    summary = ground(run.extraction, context)
    producer = run.engine or engine
    meta = Meta(
        engine=producer.name,
        model=producer.model,
        prompt_version=producer.version,
        schema_hash=schema_hash(),
        attempts=run.attempts,
        requests=run.requests,
        usage=TokenUsage(**run.usage.as_dict()),
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        cached=False,
        degraded=run.degraded_reason is not None,
        degraded_reason=run.degraded_reason,
    )
    return SummaryRecord(source=article.source or article.url, summary=summary, meta=meta)


async def summarise(article: Article, engine: Engine) -> SummaryRecord:
    """Summarise one article with ``engine``: a grounded, schema-valid record."""
    started = time.perf_counter()
    context = await off_loop_for(len(article.text), prepare, article)
    run = await extract(context, article, engine)
    return await off_loop_for(len(article.text), assemble, run, context, engine, article, started)
