"""Cache: one summary per article, engine, model, prompt version and schema, and one
model call for concurrent identical requests (single-flight).

The cache key is the hash of the cleaned, normalised text (so the same article with other
boilerplate around it is a hit), the publication date, and the engine's name, model,
prompt version and schema hash. Failures and degraded (fallback) results are never
stored. A hit is re-grounded against the text this caller sent, so ``evidence_span``
always points into it.

Single-flight: within a process, followers await the leader's future; across replicas
sharing a store, the leader holds a claim row (a lease it renews while it works) and the
others poll the store for its result, taking over if the claim lapses (its holder died).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from schemas import ArticleSummary, EvidenceSpan, SummaryRecord
from schemas.export import schema_hash
from service.article import Article, PreparedArticle, prepare
from service.engines import Engine
from service.errors import Overloaded
from service.metrics import Metrics
from service.offload import off_loop_for
from service.pipeline import assemble, extract
from service.settings import Settings
from service.store import Store


def cache_key(context: PreparedArticle, published_at: date | None, engine: Engine) -> str:
    """The hash naming a summary: normalised cleaned text, date, engine, model, prompt, schema."""
    parts = [
        context.normalised_text,
        published_at.isoformat() if published_at else "",
        engine.name,
        engine.model or "",
        engine.version,
        schema_hash(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def summary_id(key: str) -> str:
    """The public id of the summary stored under ``key``."""
    return f"s_{key[:24]}"


def reground(summary: ArticleSummary, context: PreparedArticle) -> ArticleSummary | None:
    """The summary with every evidence found again, word for word (after normalisation),
    in this caller's text; None if any is not."""
    milestones = []
    for milestone in summary.milestones:
        span = context.locate(milestone.evidence)
        if span is None or span.alignment != "exact":
            return None
        milestones.append(
            milestone.model_copy(
                update={
                    "evidence": context.cleaned.original[span.start : span.end],
                    "evidence_span": EvidenceSpan(start=span.start, end=span.end),
                }
            )
        )
    return summary.model_copy(update={"milestones": milestones})


def _parsed(record: str) -> SummaryRecord | None:
    """A stored record, or None when it no longer fits the schema (it is made afresh)."""
    try:
        return SummaryRecord.model_validate_json(record)
    except ValidationError:
        return None


@dataclass(frozen=True)
class Outcome:
    """A summary served: its id, the record, and whether a model call was spared."""

    id: str
    record: SummaryRecord


class SummaryCache:
    """Summaries through the store, with single-flight and a bound on model calls."""

    def __init__(self, store: Store, settings: Settings, metrics: Metrics | None = None) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics or Metrics()
        self._inflight: dict[str, asyncio.Future[None]] = {}
        self._slots = asyncio.Semaphore(settings.max_model_calls)
        self._owner = uuid.uuid4().hex

    async def summarise(
        self,
        article: Article,
        engine: Engine,
        *,
        refresh: bool = False,
        context: PreparedArticle | None = None,
        deadline: float | None = None,
    ) -> Outcome:
        """The article's summary: from the store when it holds it, else made once.
        ``context``: the article already prepared (cleaned), so it is not done twice;
        ``deadline``: the caller's, in event-loop time, which the engine is told."""
        started = time.perf_counter()
        if context is None:
            context = await off_loop_for(len(article.text), prepare, article)
        key = cache_key(context, article.published_at, engine)
        if not refresh:
            hit = await self._from_store(key, context, article, started)
            if hit is not None:
                self.metrics.hit()
                return hit
        while (flight := self._inflight.get(key)) is not None:
            await asyncio.shield(flight)  # the leader's error, if any, is ours too
            hit = await self._from_store(key, context, article, started)
            if hit is not None:
                self.metrics.hit()
                return hit
            break  # the leader's result was not stored (degraded): make our own
        self.metrics.miss()
        flight = asyncio.get_running_loop().create_future()
        flight.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._inflight[key] = flight
        try:
            outcome = await self._lead(key, context, article, engine, started, refresh, deadline)
            flight.set_result(None)
            return outcome
        except BaseException as error:
            flight.set_exception(error)
            raise
        finally:
            del self._inflight[key]

    async def get(self, summary_id_: str) -> SummaryRecord | None:
        """A stored summary, as first returned."""
        stored = await asyncio.to_thread(self.store.summaries.get_by_id, summary_id_)
        return _parsed(stored.record) if stored else None

    async def _from_store(
        self, key: str, context: PreparedArticle, article: Article, started: float
    ) -> Outcome | None:
        stored = await asyncio.to_thread(self.store.summaries.get, key)
        record = _parsed(stored.record) if stored is not None else None
        if stored is None or record is None:
            return None
        summary = await off_loop_for(len(article.text), reground, record.summary, context)
        if summary is None:
            return None
        meta = record.meta.model_copy(
            update={"cached": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
        )
        source = article.source or article.url
        return Outcome(stored.id, SummaryRecord(source=source, summary=summary, meta=meta))

    async def _lead(
        self,
        key: str,
        context: PreparedArticle,
        article: Article,
        engine: Engine,
        started: float,
        refresh: bool,
        deadline: float | None,
    ) -> Outcome:
        ttl = self.settings.claim_ttl_s
        while not await asyncio.to_thread(self.store.claims.claim, key, self._owner, ttl):
            # Another replica is summarising this article: wait for its result.
            await asyncio.sleep(self.settings.claim_poll_s)
            hit = await self._from_store(key, context, article, started)
            if hit is not None:
                return hit
        lease = asyncio.create_task(self._keep_claim(key, ttl))
        try:
            if not refresh:
                # The previous holder stores before it releases: a result may be there now.
                hit = await self._from_store(key, context, article, started)
                if hit is not None:
                    return hit
            async with self._model_slot(engine):
                run = await extract(context, engine, deadline)
            record = await off_loop_for(len(article.text), assemble, run, context, engine, started)
            self.metrics.made(record.meta)
            if not record.meta.degraded:
                await asyncio.to_thread(
                    self.store.summaries.put,
                    summary_id(key),
                    key,
                    record.model_dump_json(),
                    engine.name,
                )
            return Outcome(summary_id(key), record)
        finally:
            lease.cancel()
            await asyncio.to_thread(self.store.claims.release, key, self._owner)

    async def _keep_claim(self, key: str, ttl: float) -> None:
        """Renew our claim while we work: if this process dies, it lapses within ``ttl``."""
        while True:
            await asyncio.sleep(ttl / 3)
            await asyncio.to_thread(self.store.claims.renew, key, self._owner, ttl)

    @asynccontextmanager
    async def _model_slot(self, engine: Engine) -> AsyncIterator[None]:
        if engine.model is None:  # the rules engine calls no model
            yield
            return
        try:
            async with asyncio.timeout(self.settings.queue_wait_s):
                await self._slots.acquire()
        except TimeoutError:
            raise Overloaded(
                f"all {self.settings.max_model_calls} model-call slots stayed busy for "
                f"{self.settings.queue_wait_s:g} s",
                self.settings.retry_after_s,
            ) from None
        try:
            yield
        finally:
            self._slots.release()
