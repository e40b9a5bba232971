"""The article's path: clean → prompt → model → validate → ground → store.

``Summariser`` is the one object that composes it, and every front end goes through it:
the CLI's ``summarise`` and ``eval``, bulk runs (Batch API answers and near-duplicates
included), HTTP summaries and jobs. For one article it runs:

1. prepare: clean the article once (``service.article.prepare``);
2. cache lookup and single-flight: a summary stored for the same cleaned text, date,
   engine, model, prompt version and schema is grounded again in this caller's text;
   concurrent identical requests make one model call (within a process, followers await
   the leader; across replicas sharing a store, the leader holds a claim, a lease it
   renews, and the others poll for its result, taking over if the claim lapses);
3. a result to reuse, when the caller offers one (a near-duplicate in a bulk run);
4. extract: the engine's prompt → model → validate (or an answer the caller already
   has, from a provider batch), within a model-call slot;
5. ground (``service.ground``), 6. store (never a failure or a degraded result),
7. metrics, 8. the call log: every model request of the extraction, failed ones too
   (``service.calls``).

Without a store (the library's ``summarise``, the CLI's ``--no-store``), steps 2 and 6
keep to the process.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas import Meta, SummaryRecord, v2
from schemas.hashes import schema_hash
from service import calls
from service.article import Article, PreparedArticle, prepare
from service.bounded import Bounded
from service.engines import ArticleRequest, Engine, EngineRun
from service.errors import Overloaded
from service.ground import ground
from service.metrics import Metrics
from service.offload import off_loop_for
from service.settings import Settings, load_settings
from service.store import ArticleFacts, Store
from service.store.summaries import parsed_record

log = logging.getLogger(__name__)

# A result offered for reuse: the id it was made for, and the record (bulk near-duplicates).
Reuse = Callable[[PreparedArticle], tuple[str, SummaryRecord] | None]


def cache_key(article: PreparedArticle, engine: Engine) -> str:
    """The hash naming a summary: normalised cleaned text, date, engine, model, prompt
    (or rules) version, what else of its settings changes an answer (endpoint, mode,
    temperature, output budget), and schema."""
    published = article.published_at
    parts = [
        article.normalised_text,
        published.isoformat() if published else "",
        engine.name,
        engine.model or "",
        engine.version,
        engine.settings_key,
        schema_hash(v2.Extraction),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def summary_id(key: str) -> str:
    """The public id of the summary stored under ``key``."""
    return f"s_{key[:24]}"


@dataclass(frozen=True)
class Outcome:
    """A summary served: its id, its record, and the item it was reused from, if any."""

    id: str
    record: SummaryRecord
    reused_from: str | None = None


def _served_again(
    record: SummaryRecord, article: PreparedArticle, started: float
) -> SummaryRecord | None:
    """A record made before, grounded in this caller's text (None if it is not in it)."""
    summary = ground(record.summary, article, again=True)
    if summary is None:
        return None
    latency = round((time.perf_counter() - started) * 1000, 1)
    meta = record.meta.model_copy(update={"cached": True, "latency_ms": latency})
    source = article.article.source or article.article.url
    return v2.SummaryRecord(source=source, summary=summary, meta=meta)


def assemble(
    run: EngineRun, article: PreparedArticle, engine: Engine, started: float
) -> SummaryRecord:
    """Ground a fresh extraction and say how it was made."""
    summary = ground(run.extraction, article)
    assert summary is not None  # a fresh extraction is grounded, or ground raises
    producer = run.engine or engine
    meta = Meta(
        engine=producer.name,
        model=producer.model,
        prompt_version=producer.version,
        schema_hash=schema_hash(v2.Extraction),
        attempts=run.attempts,
        requests=run.requests,
        usage=run.usage,
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        cached=False,
        degraded=run.degraded_reason is not None,
        degraded_reason=run.degraded_reason,
    )
    source = article.article.source or article.article.url
    return v2.SummaryRecord(source=source, summary=summary, meta=meta)


def _recent() -> Bounded[str, tuple[str, SummaryRecord]]:
    """Summaries this process stored or read lately (id and record, parsed) by cache
    key: a repeat of an article (with other boilerplate around it) needs no store read.
    Kept 300 s: a no-cache refresh on another replica reaches this one within that time."""
    return Bounded(1024, ttl_s=300.0)


@dataclass
class _Claim:
    """A claim held on an article; released with the summary it was held for, if stored."""

    released: bool = False


class Summariser:
    """The article's path, with a store (the service, bulk runs) or without (the CLI)."""

    def __init__(
        self,
        store: Store | None = None,
        settings: Settings | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or load_settings()
        self.metrics = metrics or Metrics()
        self._inflight: dict[str, asyncio.Future[None]] = {}
        self._recent = _recent()
        self._slots = asyncio.Semaphore(self.settings.max_model_calls)
        self._owner = uuid.uuid4().hex

    async def prepare(self, article: Article) -> PreparedArticle:
        """Step 1, for a caller that needs the prepared article before the path (a batch)."""
        return await off_loop_for(len(article.text), prepare, article)

    async def summarise(
        self,
        article: Article | PreparedArticle,
        engine: Engine,
        *,
        refresh: bool = False,
        deadline: float | None = None,
        reuse: Reuse | None = None,
        answer: EngineRun | None = None,
    ) -> Outcome:
        """The article's grounded summary: from the store when it holds it, else made
        once. ``refresh``: make it afresh and replace the stored one; ``deadline``: the
        caller's, in event-loop time, which the engine is told; ``reuse``: offers an
        earlier result to serve if all its evidence is in this text; ``answer``: an
        extraction already made (by a provider batch), used instead of the engine's."""
        started = time.perf_counter()
        if isinstance(article, Article):
            article = await self.prepare(article)
        key = cache_key(article, engine)
        if not refresh and (hit := await self._stored(key, article, started)) is not None:
            return hit
        while (flight := self._inflight.get(key)) is not None:
            await asyncio.shield(flight)  # the leader's error, if any, is ours too
            if (hit := await self._stored(key, article, started)) is not None:
                return hit
            break  # the leader's result was not stored (degraded): make our own
        if reuse is not None and (offered := reuse(article)) is not None:
            again = await off_loop_for(
                len(article.clean_text), _served_again, offered[1], article, started
            )
            if again is not None:
                return Outcome(summary_id(key), again, reused_from=offered[0])
        self.metrics.miss()
        flight = asyncio.get_running_loop().create_future()
        flight.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._inflight[key] = flight
        try:
            outcome = await self._lead(key, article, engine, started, refresh, deadline, answer)
            flight.set_result(None)
            return outcome
        except BaseException as error:
            flight.set_exception(error)
            raise
        finally:
            del self._inflight[key]

    async def aclose(self) -> None:
        """Close the store, if there is one."""
        if self.store is not None:
            self.store.close()

    async def is_stored(self, article: PreparedArticle, engine: Engine) -> bool:
        """Whether the store holds a summary for this article (no model call would be
        needed for it, unless its evidence is not in this very text)."""
        if self.store is None:
            return False
        key = cache_key(article, engine)
        if self._recent.get(key) is not None:
            return True
        return await asyncio.to_thread(self.store.summaries.get, key) is not None

    async def get(self, id_: str) -> SummaryRecord | None:
        """A stored summary, as first returned."""
        found = await self.get_with_text(id_)
        return found[0] if found else None

    async def get_with_text(self, id_: str) -> tuple[SummaryRecord, str | None] | None:
        """A stored summary and the text its spans refer to (None if it was not kept)."""
        if self.store is None:
            return None
        stored = await asyncio.to_thread(self.store.summaries.get_by_id, id_)
        record = parsed_record(stored.record) if stored else None
        return (record, stored.text) if stored and record else None

    async def _stored(self, key: str, article: PreparedArticle, started: float) -> Outcome | None:
        """The stored summary for ``key``, grounded in this text; counted as a hit."""
        if self.store is None:
            return None
        found = self._recent.get(key)
        if found is None:
            stored = await asyncio.to_thread(self.store.summaries.get, key)
            record = parsed_record(stored.record) if stored is not None else None
            if stored is None or record is None:
                return None
            found = (stored.id, record)
            self._recent.put(key, found)
        again = await off_loop_for(
            len(article.clean_text), _served_again, found[1], article, started
        )
        if again is None:
            return None
        self.metrics.hit()
        return Outcome(found[0], again)

    async def _lead(
        self,
        key: str,
        article: PreparedArticle,
        engine: Engine,
        started: float,
        refresh: bool,
        deadline: float | None,
        answer: EngineRun | None,
    ) -> Outcome:
        async with self._claim(key) as claim:
            if not refresh and self.store is not None:
                # The previous holder stores before it releases: a result may be there now.
                hit = await self._stored(key, article, started)
                if hit is not None:
                    return hit
            trace = None
            if answer is None:
                with calls.tracing() as trace:
                    try:
                        async with self._model_slot(engine):
                            answer = await engine.extract(ArticleRequest(article, deadline))
                    except Exception:  # a failed extraction is logged too
                        await self._log_calls(trace, key, engine, None)
                        raise
            record = await off_loop_for(
                len(article.clean_text), assemble, answer, article, engine, started
            )
            self.metrics.made(record.meta)
            if self.store is not None and not record.meta.degraded:
                sent = article.article
                facts = ArticleFacts(sent.url, sent.source, article.published_at)
                rows = self._call_rows(trace, key, engine, summary_id(key))
                await asyncio.to_thread(  # + index it, + log its calls, + release the claim
                    self.store.keep,
                    summary_id(key),
                    key,
                    record,
                    self._owner,
                    sent.text,
                    facts,
                    rows,
                )
                claim.released = True
                self._recent.put(key, (summary_id(key), record))
            elif trace is not None:  # not stored (degraded, or no store): its calls still are
                await self._log_calls(trace, key, engine, None)
            return Outcome(summary_id(key), record)

    def _call_rows(
        self, trace: calls.CallTrace | None, key: str, engine: Engine, summary: str | None
    ) -> list[dict[str, Any]]:
        """The rows an extraction's trace leaves in the call log, as
        ``MILESTONES_CALL_LOG`` says (none with the log off, or in ``errors`` mode for an
        extraction that went right); counted in the metrics either way."""
        if trace is None or not trace.calls:
            return []
        self.metrics.traced([c.outcome for c in trace.calls])
        mode = self.settings.call_log
        if mode == "off" or (mode == "errors" and not trace.failed()):
            return []
        return calls.call_rows(
            trace, key, (engine.name, engine.model, engine.version), summary,
            self.settings.call_log_max_chars,
        )  # fmt: skip

    async def _log_calls(
        self, trace: calls.CallTrace, key: str, engine: Engine, summary: str | None
    ) -> None:
        """Keep the model requests of an extraction whose result is not stored (it
        failed, or the fallback answered); a log that cannot be written never fails
        the article."""
        rows = self._call_rows(trace, key, engine, summary)
        if self.store is None or not rows:
            return
        try:
            await asyncio.to_thread(self.store.calls.add, rows)
        except Exception as error:  # the article's outcome matters more than its log
            log.warning("the call log could not be written: %s", error)

    @asynccontextmanager
    async def _claim(self, key: str) -> AsyncIterator[_Claim]:
        """Hold the store's claim on an article while making its summary: another replica
        making it meanwhile is waited for (its result is then served from the store)."""
        claim = _Claim()
        if self.store is None:
            yield claim
            return
        store, ttl = self.store, self.settings.claim_ttl_s
        while not await asyncio.to_thread(store.claims.claim, key, self._owner, ttl):
            await asyncio.sleep(self.settings.claim_poll_s)  # another replica is at it
        lease = asyncio.create_task(self._keep_claim(key, ttl))
        try:
            yield claim
        finally:
            lease.cancel()
            if not claim.released:
                await asyncio.to_thread(store.claims.release, key, self._owner)

    async def _keep_claim(self, key: str, ttl: float) -> None:
        """Renew our claim while we work: if this process dies, it lapses within ``ttl``."""
        assert self.store is not None
        while True:
            await asyncio.sleep(ttl / 3)
            await asyncio.to_thread(self.store.claims.renew, key, self._owner, ttl)

    @asynccontextmanager
    async def _model_slot(self, engine: Engine) -> AsyncIterator[None]:
        if engine.model is None:  # the rules engine calls no model
            yield
            return
        wait = self.settings.queue_wait_s
        try:
            async with asyncio.timeout(wait):
                await self._slots.acquire()
        except TimeoutError:
            raise Overloaded(
                f"all {self.settings.max_model_calls} model-call slots stayed busy for {wait:g} s",
                self.settings.retry_after_s,
            ) from None
        try:
            yield
        finally:
            self._slots.release()


async def summarise(
    article: Article, engine: Engine, settings: Settings | None = None
) -> SummaryRecord:
    """Summarise one article with ``engine``, with no store: a grounded, schema-valid
    record (what the library's callers and ``milestones summarise --no-store`` use), under
    the caller's ``settings`` (else the environment's)."""
    return (await Summariser(settings=settings).summarise(article, engine)).record
