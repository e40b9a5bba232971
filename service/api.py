"""The Python API for scripts: one call per article, synchronous or asynchronous.

    >>> from service import summarise_text
    >>> record = summarise_text(
    ...     "Acme Bio said the FDA has granted Orphan Drug Designation to AB-101.",
    ...     engine="rules",
    ... )
    >>> [(m.kind, m.title) for m in record.summary.milestones]
    [('designation', 'Orphan drug designation for AB-101 from the FDA')]

``summarise_text`` and ``summarise_html`` block until the summary is ready (they run
their own event loop, or a thread's when called from inside one, as in a notebook);
``asummarise_text`` and ``asummarise_html`` are their coroutines. ``engine`` is an engine
name (``"llm"``, ``"rules"``, ``"auto"``; default: the settings') or an ``Engine`` the
caller built with ``build_engine`` and closes; ``settings`` default to the environment's.
Errors are ``MilestonesError`` subclasses (``service.errors``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any, ParamSpec, TypeVar

from schemas import SummaryRecord
from service.engines import Engine, build_engine, choose
from service.inputs import ArticleInput
from service.offload import off_loop
from service.pipeline import summarise
from service.settings import EngineName, Settings, load_settings

T = TypeVar("T")
P = ParamSpec("P")


async def asummarise(
    article: ArticleInput,
    *,
    engine: EngineName | Engine | None = None,
    settings: Settings | None = None,
) -> SummaryRecord:
    """Summarise one article given in any form (text, HTML or ninjs)."""
    if engine is not None and not isinstance(engine, str):  # the caller's engine
        return await summarise(await off_loop(article.to_article), engine, settings)
    settings = settings or load_settings()
    built = build_engine(choose(settings, engine), settings)
    try:
        return await summarise(await off_loop(article.to_article), built, settings)
    finally:
        await built.aclose()


async def asummarise_text(
    text: str,
    *,
    published_at: date | None = None,
    source: str | None = None,
    engine: EngineName | Engine | None = None,
    settings: Settings | None = None,
) -> SummaryRecord:
    """Summarise an article's plain text. ``published_at`` resolves "today" and bounds
    the dates of achieved milestones; ``source`` is echoed in the record."""
    article = ArticleInput(text=text, published_at=published_at, source=source)
    return await asummarise(article, engine=engine, settings=settings)


async def asummarise_html(
    html: str,
    *,
    url: str | None = None,
    published_at: date | None = None,
    engine: EngineName | Engine | None = None,
    settings: Settings | None = None,
) -> SummaryRecord:
    """Summarise an article's HTML page: its main text is extracted first (the page's
    navigation, footer and adverts dropped), and the evidence spans refer to that text."""
    article = ArticleInput(html=html, url=url, published_at=published_at, source=url)
    return await asummarise(article, engine=engine, settings=settings)


def _blocking(work: Callable[P, Coroutine[Any, Any, T]], name: str) -> Callable[P, T]:
    """The blocking form of a coroutine function: same parameters, same answer."""

    @functools.wraps(work)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return _run(work(*args, **kwargs))

    run.__name__ = run.__qualname__ = name
    run.__doc__ = f"``{work.__name__}``, blocking until the summary is ready. {work.__doc__}"
    return run


summarise_text = _blocking(asummarise_text, "summarise_text")
summarise_html = _blocking(asummarise_html, "summarise_html")


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from synchronous code, even where an event loop already
    runs in this thread (a notebook): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()
