"""Feeds registered in the service (``/v1/feeds``), polled by the job worker of every
replica against a site on loopback: each item a job, summarised once across two
replicas on one store, its outcome a signed webhook; a feed that has not changed is a
304 and nothing fetched again; a failing feed is put off, then stopped, then resumed;
what cannot be registered is refused saying why."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import func, select, update
from standardwebhooks.webhooks import Webhook

from service.http.feed_poller import FeedPoller, retry_in
from service.store.feeds import Feed
from service.store.tables import feeds, jobs
from tests.doubles.pages import ALLOWED, Page, Site
from tests.test_fetch import PAGE
from tests.test_http_api import assert_problem
from tests.test_jobs import HOOK, SECRET, AppFactory, make_app, running, until
from tests.test_watch import FUNDING, atom, atom_entry, rss, rss_item

__all__ = ["make_app"]  # a fixture, from the jobs' tests

pytestmark = pytest.mark.slow  # a server on a socket


@pytest.fixture
def net() -> Iterator[respx.MockRouter]:
    """The CMS's receiver stubbed; the site on loopback reached for real."""
    with respx.mock(assert_all_called=False) as router:
        router.route(host="127.0.0.1").pass_through()
        yield router


def items_where(
    client: httpx.AsyncClient, feed: dict[str, Any], done: Callable[[list[Any]], bool]
) -> Callable[[], Awaitable[dict[str, Any] | None]]:
    async def check() -> dict[str, Any] | None:
        found = (await client.get(feed["items_url"])).json()
        return {"items": found} if done(found) else None

    return check


def settled(count: int) -> Callable[[list[Any]], bool]:
    return lambda found: (
        len(found) == count and all(i["state"] in ("summarised", "failed") for i in found)
    )


def news_feed(site: Site) -> Page:
    """An RSS feed: an item linking to a page, the same item repeated, one that can't be
    told apart from others, and one that carries its article whole."""
    carried = (
        f"<item><guid>hb-1</guid><title>Harbour raises $40 million</title>"
        f"<description><![CDATA[{FUNDING}]]></description></item>"
    )
    return Page(
        rss(
            rss_item("nw-1", site.url("/news/nw-201"), "NW-201 IND cleared"),
            rss_item("nw-1", site.url("/news/nw-201"), "NW-201 IND cleared"),
            "<item><title>No guid and no link</title></item>",
            carried,
        ),
        type="application/rss+xml",
        etag='"r1"',
    )


async def test_a_registered_feed_is_polled_and_each_item_summarised_once_by_a_job(
    make_app: AppFactory, net: respx.MockRouter, site: Site
) -> None:
    hook = net.post(HOOK).mock(return_value=httpx.Response(204))
    site.pages["/news/nw-201"] = Page(PAGE, etag='"p1"')
    site.pages["/feed.xml"] = news_feed(site)
    async with running(make_app(**ALLOWED)) as client:
        given = {"url": site.url("/feed.xml"), "name": "Newsroom", "callback_url": HOOK}
        made = await client.post("/v1/feeds", json=given)
        assert made.status_code == 201, made.text
        feed = made.json()
        assert made.headers["location"] == f"/v1/feeds/{feed['id']}"
        again = await client.post("/v1/feeds", json=given)
        assert again.status_code == 200 and again.json()["id"] == feed["id"]

        found = (await until(items_where(client, feed, settled(2))))["items"]
        assert {i["state"] for i in found} == {"summarised"}
        by_title = {i["title"]: i for i in found}
        ind = await client.get(f"/v1/summaries/{by_title['NW-201 IND cleared']['summary_id']}")
        assert any(m["kind"] == "trial_authorisation" for m in ind.json()["summary"]["milestones"])
        money = by_title["Harbour raises $40 million"]
        funding = (await client.get(f"/v1/summaries/{money['summary_id']}")).json()
        assert [m["kind"] for m in funding["summary"]["milestones"]] == ["funding"]
        await until(lambda: _calls(hook, 2))
        polled = await until(_polled_after(client, feed["id"], None))
        assert polled["last_items"] == 3 and polled["last_new"] == 2
        assert polled["state"] == "active" and polled["failures"] == 0

        # Polled again now: the feed is a 304, nothing new, no page fetched again.
        assert (await client.post(f"/v1/feeds/{feed['id']}/poll")).status_code == 202
        await until(lambda: _hits(site, "/feed.xml", 2))
        await until(_polled_after(client, feed["id"], polled["last_polled_at"]))
        assert site.hits("/feed.xml") == [200, 304] and site.hits("/news/nw-201") == [200]
        listed = (await client.get("/v1/feeds")).json()
        assert [f["id"] for f in listed] == [feed["id"]]
        assert (await client.delete(f"/v1/feeds/{feed['id']}")).status_code == 204
        assert (await client.get(f"/v1/feeds/{feed['id']}")).status_code == 404
    assert hook.call_count == 2
    verifier = Webhook(SECRET)
    sent = [verifier.verify(c.request.content, dict(c.request.headers)) for c in hook.calls]
    assert {s["type"] for s in sent} == {"job.succeeded"}


async def _calls(hook: respx.Route, count: int) -> dict[str, Any] | None:
    return {} if hook.call_count >= count else None


async def _hits(site: Site, path: str, count: int) -> dict[str, Any] | None:
    return {} if len(site.hits(path)) >= count else None


def _polled_after(
    client: httpx.AsyncClient, feed_id: str, before: str | None
) -> Callable[[], Awaitable[dict[str, Any] | None]]:
    async def check() -> dict[str, Any] | None:
        body: dict[str, Any] = (await client.get(f"/v1/feeds/{feed_id}")).json()
        return body if body["last_polled_at"] != before else None

    return check


async def test_two_replicas_on_one_store_summarise_each_item_once(
    make_app: AppFactory, net: respx.MockRouter, site: Site, store_url: str
) -> None:
    entries = [
        atom_entry(f"urn:harbour:{n}", f"Harbour news {n}", FUNDING.replace("$40", f"${n}0"))
        for n in range(1, 7)
    ]
    site.pages["/atom.xml"] = Page(atom(*entries), type="application/atom+xml", etag='"a1"')
    settings = {**ALLOWED, "database_url": store_url, "job_workers": 2}
    first, second = make_app(**settings), make_app(**settings)
    async with running(first) as one, running(second) as other:
        made = await one.post("/v1/feeds", json={"url": site.url("/atom.xml")})
        feed = made.json()
        for client in (one, other, one, other):  # both replicas told to poll, again and again
            await client.post(f"/v1/feeds/{feed['id']}/poll")
        found = (await until(items_where(other, feed, settled(6)), timeout=20))["items"]
        assert {i["state"] for i in found} == {"summarised"}
        assert all(i["attempts"] == 1 for i in found)
        store = first.state.service.store
        with store.database.connect() as conn:
            queued = conn.execute(select(func.count()).select_from(jobs)).scalar_one()
        assert queued == 6  # one job per item, whichever replica polled
        hits = site.hits("/atom.xml")
        assert hits[0] == 200 and set(hits[1:]) <= {304}  # read in full once

        # One entry updated (the feed too): summarised again, once; the others not.
        before = {i["title"]: i["summary_id"] for i in found}
        entries[0] = atom_entry("urn:harbour:1", "Harbour news 1 (updated)", FUNDING)
        site.pages["/atom.xml"] = Page(atom(*entries), type="application/atom+xml", etag='"a2"')
        for client in (one, other, one, other):
            await client.post(f"/v1/feeds/{feed['id']}/poll")

        def updated(items: list[Any]) -> bool:
            titles = {i["title"]: i for i in items}
            fresh = titles.get("Harbour news 1 (updated)")
            return settled(6)(items) and fresh is not None and fresh["state"] == "summarised"

        found = (await until(items_where(other, feed, updated), timeout=20))["items"]
        after = {i["title"]: i["summary_id"] for i in found}
        assert after["Harbour news 1 (updated)"] != before["Harbour news 1"]
        assert {t: after[t] for t in before if t != "Harbour news 1"} == {
            t: v for t, v in before.items() if t != "Harbour news 1"
        }
        with store.database.connect() as conn:
            queued = conn.execute(select(func.count()).select_from(jobs)).scalar_one()
        assert queued == 7


async def test_a_failing_feed_is_put_off_longer_each_time_then_stopped_and_resumed(
    make_app: AppFactory, site: Site
) -> None:
    site.pages["/busy.xml"] = Page(b"busy", status=503)
    app = make_app(**ALLOWED, job_workers=0, feed_max_failures=2)  # polled by hand below
    service = app.state.service
    poller = FeedPoller(service)
    async with running(app) as client:
        made = await client.post("/v1/feeds", json={"url": site.url("/busy.xml")})
        feed_id = made.json()["id"]

        (taken,) = await asyncio.to_thread(poller.due, "me", 5)
        assert await asyncio.to_thread(poller.due, "someone else", 5) == []  # held
        once = await poller.poll(taken, "me")
        assert once is not None and once.state == "active" and once.failures == 1
        assert once.last_error is not None and once.last_error.startswith("fetch-unavailable")
        wait = once.next_poll - (once.last_polled_at.timestamp() if once.last_polled_at else 0)
        assert 0.9 * 900 - 1 <= wait <= 900 + 1  # the interval (then doubled per failure)

        _due_now(service.store, feed_id)
        (again,) = await asyncio.to_thread(poller.due, "me", 5)
        twice = await poller.poll(again, "me")
        assert twice is not None and twice.state == "stopped" and twice.failures == 2
        _due_now(service.store, feed_id)
        assert await asyncio.to_thread(poller.due, "me", 5) == []  # stopped: not polled
        shown = (await client.get(f"/v1/feeds/{feed_id}")).json()
        assert shown["state"] == "stopped" and shown["next_poll_at"] is None
        assert "fetch-unavailable" in shown["last_error"]

        metrics = (await client.get("/metrics")).text
        assert 'milestones_feed_polls_total{outcome="failed"} 1.0' in metrics
        assert 'milestones_feed_polls_total{outcome="stopped"} 1.0' in metrics
        resumed = await client.post(f"/v1/feeds/{feed_id}/poll")
        assert resumed.json()["state"] == "active" and resumed.json()["failures"] == 0
        assert len(await asyncio.to_thread(poller.due, "me", 5)) == 1


def _due_now(store: Any, feed_id: str) -> None:
    with store.database.begin() as conn:
        conn.execute(update(feeds).where(feeds.c.id == feed_id).values(next_poll=0))


def test_a_failing_feed_waits_its_interval_doubled_per_failure_up_to_the_most() -> None:
    feed = Feed("f", "u", None, None, 600.0, datetime.now(UTC), "active", 0, None, None, 0.0,
                None, None)  # fmt: skip
    waits = [retry_in(replace(feed, failures=n), 7200) for n in range(5)]
    assert 540 <= waits[0] <= 600 and 1080 <= waits[1] <= 1200
    assert 4320 <= waits[3] <= 4800 and 6480 <= waits[4] <= 7200  # then capped


async def test_what_cannot_be_registered_is_refused_saying_why(
    make_app: AppFactory, site: Site
) -> None:
    async with running(make_app()) as client:  # fetches: https and public only
        private = await client.post("/v1/feeds", json={"url": site.url("/feed.xml")})
        assert_problem(private, 422, "fetch-refused")
        https_private = await client.post("/v1/feeds", json={"url": "https://127.0.0.1/f"})
        assert_problem(https_private, 422, "fetch-refused")
        assert "not a public address" in https_private.json()["detail"]
        short = await client.post(
            "/v1/feeds", json={"url": "https://news.example.com/rss", "interval_s": 5}
        )
        assert_problem(short, 422, "invalid-request")
        assert_problem(await client.get("/v1/feeds/f_nothing"), 404, "not-found")
        assert_problem(await client.delete("/v1/feeds/f_nothing"), 404, "not-found")
    async with running(make_app(webhook_secret=None)) as client:
        unsigned = await client.post(
            "/v1/feeds", json={"url": "https://news.example.com/rss", "callback_url": HOOK}
        )
        assert_problem(unsigned, 422, "callbacks-unavailable")


async def test_an_item_with_nothing_to_summarise_is_failed_saying_why(
    make_app: AppFactory, site: Site
) -> None:
    empty = "<item><guid>e-1</guid><title></title><description></description></item>"
    site.pages["/feed.xml"] = Page(rss(empty), type="application/rss+xml")
    async with running(make_app(**ALLOWED)) as client:
        feed = (await client.post("/v1/feeds", json={"url": site.url("/feed.xml")})).json()
        (item,) = (await until(items_where(client, feed, settled(1))))["items"]
    assert item["state"] == "failed" and item["job_id"] is None and item["error"]


async def test_an_item_corrected_while_its_job_waits_is_summarised_once_that_job_ends(
    make_app: AppFactory, site: Site
) -> None:
    def feed_of(title: str, etag: str) -> Page:
        item = rss_item("nw-1", site.url("/news/nw-201"), title)
        return Page(rss(item), type="application/rss+xml", etag=etag)

    site.pages["/news/nw-201"] = Page(PAGE)
    site.pages["/feed.xml"] = feed_of("NW-201 IND cleared", '"v1"')
    app = make_app(**ALLOWED, job_workers=0)  # jobs wait in the queue: run by hand below
    service = app.state.service
    poller, store = FeedPoller(service), service.store
    async with running(app) as client:
        made = (await client.post("/v1/feeds", json={"url": site.url("/feed.xml")})).json()

        async def poll() -> Feed | None:
            _due_now(store, made["id"])
            (taken,) = await asyncio.to_thread(poller.due, "me", 1)
            return await poller.poll(taken, "me")

        first = await poll()
        assert first is not None and first.last_new == 1
        site.pages["/feed.xml"] = feed_of("NW-201 IND cleared (corrected)", '"v2"')
        second = await poll()  # the item's job has not run: the correction waits
        assert second is not None and second.last_new == 0
        third = await poll()  # read in full again (no 304): the correction still waits
        assert third is not None and third.last_new == 0
        assert site.hits("/feed.xml") == [200, 200, 200]

        (job,) = await asyncio.to_thread(store.jobs.claim, "w", 5, 30)
        await asyncio.to_thread(store.jobs.finish, job.id, "w", result="{}")
        fourth = await poll()
        assert fourth is not None and fourth.last_new == 1  # the correction, taken now
        fifth = await poll()
        assert fifth is not None and fifth.last_new == 0
    assert site.hits("/feed.xml") == [200, 200, 200, 200, 304]
