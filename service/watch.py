"""Watching feeds: one pass over an RSS or Atom feed, each item new since the last pass
(by its guid, else its link, and the hash of what it says) summarised once, across
restarts and replicas (``service.store.fetches``: an item is taken by one caller).

The feed is fetched as pages are (``service.fetch``: the fetch policy, limits, and a
conditional GET from the last pass's validators: a 304 is a pass with nothing new) and
parsed by feedparser (RSS 0.9x, 1.0 and 2.0, Atom; malformed feeds read as far as they
go). An item with a link is summarised from the page it links to (``service.by_url``),
one without from the content the item carries. An item whose summarising fails is
recorded with why, and tried again on later passes a few times in all.
"""

from __future__ import annotations

import calendar
import hashlib
import html
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import feedparser

from schemas import SummaryRecord
from service.article import NUL, Article, publication_date_problem
from service.by_url import summarise_url
from service.engines import Engine
from service.errors import FetchFailed, InputError, MilestonesError
from service.fetch import Fetched, Fetcher, Validators, text_of
from service.inputs import ArticleInput, is_url
from service.offload import off_loop, store_call
from service.pipeline import Summariser
from service.store import Store

MAX_ITEMS = 200  # items read from one feed in one pass (a feed's newest come first)


@dataclass(frozen=True)
class FeedItem:
    """An item of a feed, as a pass reads it."""

    key: str  # its guid, else its link
    link: str | None
    title: str
    content: str  # the HTML or text the item carries (a summary, or the whole article)
    published: date | None
    content_hash: str


@dataclass(frozen=True)
class ItemDone:
    """What a pass made of a new item: its summary, or the error that stopped it."""

    item: FeedItem
    summary_id: str | None = None
    record: SummaryRecord | None = None
    error: MilestonesError | None = None


@dataclass
class FeedPass:
    """One pass over one feed."""

    url: str
    not_modified: bool = False  # the feed answered 304: nothing new
    items: int = 0  # items the feed holds (read this pass)
    seen: int = 0  # of those, seen before unchanged (or taken by another replica)
    done: list[ItemDone] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # items that could not be read: why


def _date(entry: Any) -> date | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(parsed), UTC).date()
    except (OverflowError, ValueError, OSError):
        return None
    return None if publication_date_problem(when) else when


def items_of(parsed: Any) -> tuple[list[FeedItem], list[str]]:
    """The items of a parsed feed that can be told apart (a guid or a link), and why
    each of the others was skipped."""
    found, skipped = [], []
    for entry in list(parsed.entries)[:MAX_ITEMS]:
        link = (entry.get("link") or "").replace(NUL, "").strip() or None
        key = (entry.get("id") or link or "").replace(NUL, "").strip()
        if not key:
            title = (entry.get("title") or "untitled")[:80]
            skipped.append(f"an item with no guid and no link ({title})")
            continue
        contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
        content = max(contents, key=len) if contents else entry.get("summary", "") or ""
        title = (entry.get("title") or "").strip()
        said = "\n".join([title, link or "", content])
        digest = hashlib.sha256(said.encode("utf-8", "surrogatepass")).hexdigest()
        found.append(FeedItem(key[:2000], link, title, content, _date(entry), digest))
    return found, skipped


def carried(item: FeedItem, said: dict[str, Any]) -> Article:
    """The article an item carries (its title and content, as HTML), for an item with no
    link to fetch; InputError, or pydantic's ValueError, when it holds none. CPU work."""
    heading = f"<h1>{html.escape(item.title)}</h1>" if item.title else ""
    return ArticleInput.of("html", heading + item.content, **said).to_article()


def parse_feed(fetched: Fetched) -> Any:
    """The feed a fetched body holds (feedparser's result); FetchFailed when it is not
    text (an image, an archive: said so) or holds no feed. CPU work: run it off the loop."""
    try:
        text_of(fetched)
    except InputError as error:
        raise FetchFailed(f"{fetched.final_url}: {error.detail}") from None
    headers = {"content-type": fetched.media_type or "application/xml"}
    parsed = feedparser.parse(fetched.body, response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FetchFailed(f"not an RSS or Atom feed{f' ({reason})' if reason else ''}")
    return parsed


@dataclass(frozen=True)
class FeedRead:
    """A feed fetched and read: its items (None when it answered 304: nothing new)."""

    fetched: Fetched
    items: list[FeedItem] | None
    skipped: list[str]


async def read_feed(store: Store, fetcher: Fetcher, url: str) -> FeedRead:
    """The feed at ``url``, fetched conditionally (the validators of the last pass that
    went through) and parsed off the loop: FetchRefused, FetchFailed or FetchUnavailable
    when it cannot be had."""
    last = await store_call(store.fetches.last, url)
    validators = Validators(last.etag, last.last_modified) if last else None
    fetched = await fetcher.fetch(url, validators)
    if fetched.not_modified:
        return FeedRead(fetched, None, [])
    items, skipped = await off_loop(lambda: items_of(parse_feed(fetched)))
    return FeedRead(fetched, items, skipped)


async def unseen(store: Store, url: str, items: list[FeedItem]) -> list[FeedItem]:
    """The items not summarised already as they are now (the rest need no write)."""
    done = await store_call(store.fetches.summarised, url, [(i.key, i.content_hash) for i in items])
    return [item for item in items if item.key not in done]


async def read_through(store: Store, read: FeedRead) -> None:
    """Keep a feed's validators, once every item of a pass is through (a pass cut short
    is read again in full)."""
    fetched = read.fetched
    await store_call(
        store.fetches.remember,
        fetched.url,
        fetched.final_url,
        fetched.validators.etag,
        fetched.validators.last_modified,
        None,
        fetched.fetched_at,
    )


async def watch_feed(
    summariser: Summariser, engine: Engine, fetcher: Fetcher, url: str
) -> FeedPass:
    """One pass over the feed at ``url`` (see the module): FetchRefused, FetchFailed or
    FetchUnavailable when the feed itself cannot be had; an item's failure is in the
    pass's ``done``."""
    store = summariser.store
    assert store is not None, "watching needs a store: it remembers the items seen"
    read = await read_feed(store, fetcher, url)
    result = FeedPass(url, skipped=read.skipped)
    if read.items is None:
        result.not_modified = True
        return result
    result.items = len(read.items)
    fresh = await unseen(store, url, read.items)
    result.seen = len(read.items) - len(fresh)
    for item in fresh:
        taken = await store_call(
            store.fetches.take, url, item.key, item.link, item.content_hash, item.title
        )
        if not taken:
            result.seen += 1
            continue
        result.done.append(await _summarise_item(summariser, engine, fetcher, store, url, item))
    await read_through(store, read)
    return result


async def _summarise_item(
    summariser: Summariser,
    engine: Engine,
    fetcher: Fetcher,
    store: Store,
    feed: str,
    item: FeedItem,
) -> ItemDone:
    said: dict[str, Any] = {"source": feed, "published_at": item.published}
    try:
        if item.link and is_url(item.link):
            made = await summarise_url(
                summariser, engine, fetcher, ArticleInput(url=item.link, **said)
            )
            outcome = made.outcome
        else:
            article = await off_loop(carried, item, said)
            outcome = await summariser.summarise(article, engine)
    except MilestonesError as error:
        await store_call(store.fetches.done, feed, item.key, None, f"{error.kind}: {error.detail}")
        return ItemDone(item, error=error)
    except ValueError as error:  # an item's values no article takes (pydantic's error)
        failure = InputError(f"the item cannot be read as an article: {error}")
        await store_call(store.fetches.done, feed, item.key, None, failure.detail)
        return ItemDone(item, error=failure)
    await store_call(store.fetches.done, feed, item.key, outcome.id)
    return ItemDone(item, outcome.id, outcome.record)
