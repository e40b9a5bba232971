"""Feeds benchmark (make bench): what a registered feed costs over giving its pages as
jobs, and what a poll costs when nothing changed.

The service runs in this process (its lifespan, so its job worker: 2 jobs at a time,
the rules engine, SQLite) against a news site on loopback: distinct article pages (the
seeds as HTML, each with a line of its own, so no cache hits) and an RSS feed listing
them. In one run:

(a) the pages as jobs: ``POST /v1/jobs {"url"}`` for each (fetched at submit), until
    every job has succeeded;
(b) other pages through a feed: ``POST /v1/feeds``, until every item is summarised
    (the poll queues a job per item; each job fetches its page when it runs);
(c) polls of the feed of (b) asked for again and again: answered 304 (its ETag), then
    with the ETag gone, so the feed is read in full and every item found seen before.

Reported: (b) / (a), the feed's cost in throughput over the same work as jobs; and the
median poll of (c) each way, and their ratio (what a 304 saves).
"""

from __future__ import annotations

import asyncio
import html
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from service.app import create_app
from service.settings import Settings
from tests.doubles.pages import Page, Site, serving

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
ARTICLES = 60
POLLS = 15


def page_of(text: str, tag: str) -> bytes:
    headline, _, rest = text.partition("\n")
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in rest.split("\n\n") if p.strip())
    note = f"<p>Archive note {html.escape(tag)}.</p>"
    return (
        f"<!doctype html><html><head><title>{html.escape(headline)}</title></head><body>"
        f"<article><h1>{html.escape(headline)}</h1>{paragraphs}{note}</article></body></html>"
    ).encode()


def publish(site: Site, tag: str) -> list[str]:
    """ARTICLES distinct pages under /{tag}/…, their URLs."""
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    urls = []
    for i in range(ARTICLES):
        path = f"/{tag}/{i}"
        site.pages[path] = Page(page_of(texts[i % len(texts)], f"{tag}-{i}"))
        urls.append(site.url(path))
    return urls


def rss(urls: list[str]) -> bytes:
    items = "".join(
        f"<item><guid>{u}</guid><link>{u}</link><title>Item {n}</title></item>"
        for n, u in enumerate(urls)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title>{items}'
            "</channel></rss>").encode()  # fmt: skip


async def until(check: Any, timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        await asyncio.sleep(0.02)


async def run(site: Site, folder: str) -> dict[str, float]:
    settings = Settings(
        engine="rules",
        database_url=f"sqlite:///{folder}/bench.sqlite3",
        allow_http_fetches=True,
        allow_private_fetches=True,
        job_poll_s=0.02,
    )
    app = create_app(settings)
    figures: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            urls = publish(site, "jobs")
            started = time.perf_counter()
            ids = [(await c.post("/v1/jobs", json={"url": u})).json()["id"] for u in urls]

            async def jobs_done() -> bool:
                for job_id in ids:
                    if (await c.get(f"/v1/jobs/{job_id}")).json()["status"] != "succeeded":
                        return False
                return True

            await until(jobs_done)
            figures["jobs_s"] = time.perf_counter() - started

            feed_urls = publish(site, "feed")
            site.pages["/feed.xml"] = Page(rss(feed_urls), type="application/rss+xml", etag='"b1"')
            started = time.perf_counter()
            made = (await c.post("/v1/feeds", json={"url": site.url("/feed.xml")})).json()

            async def items_done() -> bool:
                items = (await c.get(made["items_url"])).json()
                return len(items) == ARTICLES and all(i["state"] == "summarised" for i in items)

            await until(items_done)
            figures["feed_s"] = time.perf_counter() - started

            worker = app.state.service.worker
            poller, worker.feeds = worker.feeds, None  # polled here, not by the worker now
            store = app.state.service.store
            for way, etag in (("unchanged", '"b1"'), ("reread", None)):
                site.pages["/feed.xml"] = Page(
                    rss(feed_urls), type="application/rss+xml", etag=etag
                )
                times = []
                for _ in range(POLLS):
                    await asyncio.to_thread(store.feeds.resume, made["id"])
                    (feed,) = await asyncio.to_thread(poller.due, "bench", 1)
                    started = time.perf_counter()
                    await poller.poll(feed, "bench")
                    times.append(time.perf_counter() - started)
                figures[f"{way}_ms"] = statistics.median(times) * 1000
    return figures


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, serving() as site:
        figures = asyncio.run(run(site, folder))
    ratio = figures["feed_s"] / figures["jobs_s"]
    print(f"{ARTICLES} pages, the rules engine, 2 jobs at a time, SQLite")
    print(f"  as jobs by URL:        {figures['jobs_s']:.2f} s")
    print(f"  through a feed:        {figures['feed_s']:.2f} s   ({ratio:.2f} of the jobs' time)")
    print(f"  a poll, unchanged (304): {figures['unchanged_ms']:.1f} ms median of {POLLS}")
    print(
        f"  a poll, read in full, every item seen: {figures['reread_ms']:.1f} ms "
        f"({figures['unchanged_ms'] / figures['reread_ms']:.2f} is what a 304 costs of it)"
    )


if __name__ == "__main__":
    main()
