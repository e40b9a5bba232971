"""An article to its public summary, within the request deadline: the path that
``POST /v1/summaries``, ``POST /v2/summaries`` and the job worker share."""

from __future__ import annotations

import asyncio

from schemas.v2 import Version
from service.article import Article
from service.by_url import summarise_url
from service.engines import Engine
from service.errors import DeadlineExceeded
from service.fetch import article_input
from service.http.body import Parsed
from service.http.models import SummaryPublic, public_of
from service.http.state import Service
from service.inputs import ArticleInput
from service.offload import off_loop


async def public_summary(
    service: Service,
    article: Article,
    engine: Engine,
    *,
    extracted: bool = False,
    refresh: bool = False,
    version: Version = "v1",
) -> SummaryPublic:
    """The grounded summary of an article, from the cache or made now; with its text
    when that was ``extracted`` (from HTML or ninjs). The engine is told the request's
    deadline, so a model that does not answer in time leaves the fallback time to answer
    within it."""
    seconds = service.settings.request_deadline_s
    deadline = asyncio.get_running_loop().time() + seconds
    try:
        async with asyncio.timeout_at(deadline):
            outcome = await service.summariser.summarise(
                article, engine, refresh=refresh, deadline=deadline
            )
    except TimeoutError:
        raise DeadlineExceeded(f"no summary within the {seconds:g} s request deadline") from None
    record = outcome.record
    return public_of(
        record,
        id=None if record.meta.degraded else outcome.id,  # a degraded answer is not stored
        article_id=article.id,
        text=article.text if extracted else None,
        version=version,
    )


async def url_summary(
    service: Service,
    given: ArticleInput,
    engine: Engine,
    *,
    refresh: bool = False,
    version: Version = "v1",
) -> SummaryPublic:
    """``public_summary`` of the page at ``given.url``, fetched (conditionally: the same
    URL again whose page has not changed is the stored summary) within the deadline."""
    seconds = service.settings.request_deadline_s
    try:
        async with asyncio.timeout(seconds):
            made = await summarise_url(
                service.summariser, engine, service.fetcher(), given, refresh=refresh
            )
    except TimeoutError:
        raise DeadlineExceeded(f"no summary within the {seconds:g} s request deadline") from None
    record = made.record
    return public_of(
        record,
        id=None if record.meta.degraded else made.outcome.id,
        article_id=given.id,
        text=made.text,
        version=version,
    )


async def fetched(service: Service, parsed: Parsed) -> Parsed:
    """A request that gave only a URL, with the page fetched and read (a job's article
    is fetched when the job is submitted); any other request as it is."""
    if parsed.article is not None:
        return parsed
    page = await service.fetcher().fetch(parsed.input.url or "")
    given = await off_loop(article_input, page, parsed.input)
    return Parsed(given, await off_loop(given.to_article), parsed.callback_url)
