"""An article given by its URL: fetched (``service.fetch``), read as its format is, and
summarised on the usual path; the URL, its validators and the fetch time kept with the
summary's id (``service.store.fetches``).

The same URL again is a cache hit: it is fetched conditionally (``If-None-Match`` /
``If-Modified-Since`` from the last answer), and a 304 serves the summary made of the
last answer without reading the page again; a page answered in full whose article is the
same is found in the summaries' cache as any article is. ``refresh`` fetches without
validators and makes the summary afresh.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from schemas import SummaryRecord
from service.engines import Engine
from service.fetch import Fetched, Fetcher, Validators, article_input
from service.inputs import ArticleInput
from service.offload import off_loop
from service.pipeline import Outcome, Summariser
from service.store.fetches import FetchRecord
from service.store.summaries import parsed_record


@dataclass(frozen=True)
class FromURL:
    """A URL's summary, the text its spans refer to, and whether the page was fetched in
    full (False: its server said it had not changed, and the stored summary served)."""

    outcome: Outcome
    text: str
    fetched: bool

    @property
    def record(self) -> SummaryRecord:
        return self.outcome.record


async def summarise_url(
    summariser: Summariser,
    engine: Engine,
    fetcher: Fetcher,
    given: ArticleInput,
    *,
    refresh: bool = False,
) -> FromURL:
    """Fetch the page ``given.url`` names and summarise its article (see the module)."""
    url = given.to_fetch or given.url
    assert url is not None
    store = summariser.store
    last = None
    if store is not None and not refresh:
        last = await asyncio.to_thread(store.fetches.last, url)
    validators = None
    if last is not None and last.summary_id is not None:
        validators = Validators(last.etag, last.last_modified)
    fetched = await fetcher.fetch(url, validators)
    if fetched.not_modified and last is not None:
        served = await _stored(summariser, fetched, last)
        if served is not None:
            return served
    if fetched.not_modified:  # the summary is gone (or none was asked for): the page, whole
        fetched = await fetcher.fetch(url)
    page = await off_loop(article_input, fetched, given)
    article = await off_loop(page.to_article)
    outcome = await summariser.summarise(article, engine, refresh=refresh)
    if store is not None:
        await asyncio.to_thread(
            store.fetches.remember,
            url,
            fetched.final_url,
            fetched.validators.etag,
            fetched.validators.last_modified,
            outcome.id,
            fetched.fetched_at,
        )
    return FromURL(outcome, article.text, True)


async def _stored(summariser: Summariser, fetched: Fetched, last: FetchRecord) -> FromURL | None:
    """The summary made of the ``last`` full answer, served for a 304 (None if it is
    gone); the fetch time kept, and any validators the 304 renewed."""
    store = summariser.store
    summary_id = last.summary_id
    if store is None or summary_id is None:
        return None
    stored = await asyncio.to_thread(store.summaries.get_by_id, summary_id)
    record = parsed_record(stored.record) if stored is not None else None
    if stored is None or record is None:
        return None
    meta = record.meta.model_copy(update={"cached": True, "latency_ms": 0.0})
    await asyncio.to_thread(
        store.fetches.remember,
        fetched.url,
        last.final_url,
        fetched.validators.etag or last.etag,
        fetched.validators.last_modified or last.last_modified,
        summary_id,
        fetched.fetched_at,
    )
    summariser.metrics.hit()
    served = record.model_copy(update={"meta": meta})
    return FromURL(Outcome(summary_id, served), stored.text or "", False)
