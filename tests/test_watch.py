"""Watching feeds, against a site on loopback serving RSS and Atom feeds and the pages
they link to: each item summarised once (across two replicas on one store), a changed
item again, a repeated or malformed one not, and a feed that has not changed answered
by a 304 and nothing fetched again."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app as cli
from service.engines.rules import RulesEngine
from service.errors import FetchFailed
from service.fetch import Fetcher
from service.pipeline import Summariser
from service.store import Store
from service.watch import watch_feed
from tests.doubles.pages import Page, Site
from tests.test_fetch import PAGE, fetcher_for

pytestmark = pytest.mark.slow  # a server on a socket

# Written for these tests: a second company's news, carried whole in an Atom entry.
FUNDING = (
    "<p>Harbour Gene Therapies said it closed a $40 million Series B financing to take "
    "its AAV gene therapy HG-12 for retinitis pigmentosa into the clinic.</p>"
)


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Northwind newsroom</title><link>https://northwind.example/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def rss_item(guid: str, link: str, title: str) -> str:
    return (
        f"<item><guid>{guid}</guid><link>{link}</link><title>{title}</title>"
        "<pubDate>Wed, 04 Mar 2026 08:00:00 GMT</pubDate></item>"
    )


def atom(*entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Harbour news</title><id>urn:harbour</id><updated>2026-03-05T00:00:00Z</updated>"
        + "".join(entries)
        + "</feed>"
    ).encode()


def atom_entry(entry_id: str, title: str, html: str) -> str:
    escaped = html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f"<entry><id>{entry_id}</id><title>{title}</title>"
        "<updated>2026-03-05T09:00:00Z</updated>"
        f'<content type="html">{escaped}</content></entry>'
    )


async def test_each_item_is_summarised_once_a_changed_one_again_and_a_304_reads_nothing(
    site: Site, store_url: str
) -> None:
    site.pages["/news/nw-201"] = Page(PAGE)
    site.pages["/feed.xml"] = Page(
        rss(
            rss_item("nw-1", site.url("/news/nw-201"), "NW-201 IND cleared"),
            rss_item("nw-1", site.url("/news/nw-201"), "NW-201 IND cleared"),  # repeated
            "<item><title>No guid and no link</title></item>",  # cannot be told apart
        ),
        type="application/rss+xml",
        etag='"f1"',
    )
    store = Store(store_url)
    summariser = Summariser(store)
    engine = RulesEngine()
    fetcher = fetcher_for()
    try:
        first = await watch_feed(summariser, engine, fetcher, site.url("/feed.xml"))
        assert [d.item.key for d in first.done] == ["nw-1"] and first.seen == 1
        assert first.done[0].record is not None and first.done[0].error is None
        assert len(first.skipped) == 1

        second = await watch_feed(summariser, engine, fetcher, site.url("/feed.xml"))
        assert second.not_modified and second.done == []
        assert site.hits("/feed.xml") == [200, 304] and site.hits("/news/nw-201") == [200]

        # The item's title changes (its page too): summarised again; the feed is new.
        site.pages["/news/nw-201"] = Page(PAGE.replace(b"later this year", b"in May"))
        site.pages["/feed.xml"] = Page(
            rss(rss_item("nw-1", site.url("/news/nw-201"), "NW-201 IND cleared (updated)")),
            type="application/rss+xml",
            etag='"f2"',
        )
        third = await watch_feed(summariser, engine, fetcher, site.url("/feed.xml"))
        assert [d.item.key for d in third.done] == ["nw-1"]
        assert third.done[0].summary_id != first.done[0].summary_id
    finally:
        await fetcher.aclose()
        await summariser.aclose()
        store.close()


async def test_two_replicas_watching_one_atom_feed_summarise_each_entry_once(
    site: Site, store_url: str
) -> None:
    site.pages["/atom.xml"] = Page(
        atom(
            atom_entry("urn:harbour:1", "Harbour raises $40 million", FUNDING),
            atom_entry("urn:harbour:2", "Harbour appoints a CFO", "<p>A new officer.</p>"),
        ),
        type="application/atom+xml",
    )
    stores = [Store(store_url), Store(store_url)]
    replicas = [Summariser(s) for s in stores]
    fetchers = [fetcher_for(), fetcher_for()]
    engine = RulesEngine()
    try:
        passes = await asyncio.gather(
            *(
                watch_feed(r, engine, f, site.url("/atom.xml"))
                for r, f in zip(replicas, fetchers, strict=True)
            )
        )
        keys = sorted(d.item.key for p in passes for d in p.done)
        assert keys == ["urn:harbour:1", "urn:harbour:2"]  # each once, by one replica
        assert sum(p.seen for p in passes) == 2  # and seen as taken by the other
        (funding,) = [d for p in passes for d in p.done if d.item.key == "urn:harbour:1"]
        assert funding.record is not None
        assert [m.kind for m in funding.record.summary.milestones] == ["funding"]
    finally:
        for f in fetchers:
            await f.aclose()
        for r in replicas:
            await r.aclose()
        for s in stores:
            s.close()


async def test_what_is_no_feed_is_refused_and_a_malformed_one_read_as_far_as_it_goes(
    site: Site, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path}/w.sqlite3")
    summariser = Summariser(store)
    fetcher: Fetcher = fetcher_for()
    try:
        site.pages["/not-a-feed"] = Page(b"just some words, no feed here", type="text/plain")
        with pytest.raises(FetchFailed, match="not an RSS or Atom feed"):
            await watch_feed(summariser, RulesEngine(), fetcher, site.url("/not-a-feed"))
        broken = atom(atom_entry("urn:b:1", "Harbour raises $40 million", FUNDING))
        site.pages["/broken.xml"] = Page(broken[:-20], type="application/atom+xml")
        result = await watch_feed(summariser, RulesEngine(), fetcher, site.url("/broken.xml"))
        assert [d.item.key for d in result.done] == ["urn:b:1"]
    finally:
        await fetcher.aclose()
        await summariser.aclose()
        store.close()


def test_milestones_watch_prints_what_it_summarised_and_a_second_run_nothing(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MILESTONES_ALLOW_HTTP_FETCHES", "true")
    monkeypatch.setenv("MILESTONES_ALLOW_PRIVATE_FETCHES", "true")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    site.pages["/news/nw-201"] = Page(PAGE)
    site.pages["/feed.xml"] = Page(
        rss(rss_item("nw-1", site.url("/news/nw-201"), "NW-201 IND cleared")),
        type="application/rss+xml",
    )
    args = ["watch", site.url("/feed.xml"), "--engine", "rules"]
    first = CliRunner().invoke(cli, [*args, "--json"])
    assert first.exit_code == 0, first.output
    (line,) = [json.loads(x) for x in first.stdout.splitlines()]
    assert line["item"] == "nw-1" and "trial_authorisation" in line["kinds"]
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and again.stdout == ""
    assert "0 new or changed, 1 seen before" in again.stderr
    refused = CliRunner().invoke(cli, ["watch", "feeds.txt"])
    assert refused.exit_code == 2 and "not a feed URL" in refused.stderr
