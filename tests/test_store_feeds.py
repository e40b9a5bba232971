"""The registered feeds in the store: one per URL, taken by one poller at a time under a
lease that lapses, failures counted until the feed stops, and a feed's items with the
jobs that summarise them (an item is not taken again while its job is queued)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import update

from service.store import Store
from service.store.fetches import ITEM_ATTEMPTS
from service.store.tables import feed_items, feeds

FEED = "https://newsroom.example.com/rss.xml"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    made = Store(store_url)
    yield made
    made.close()


def test_a_url_registered_twice_is_one_feed(store: Store) -> None:
    first, new = store.feeds.register(FEED, "Newsroom", None, 900.0)
    again, new_again = store.feeds.register(FEED, "Another name", None, 60.0)
    assert new and not new_again and again == first
    assert [f.id for f in store.feeds.all()] == [first.id]
    assert first.state == "active" and first.next_poll <= time.time()


def test_a_due_feed_is_taken_by_one_poller_until_its_lease_lapses(store: Store) -> None:
    feed, _ = store.feeds.register(FEED, None, None, 900.0)
    (taken,) = store.feeds.claim("a", 5, lease_s=0.2)
    assert taken.id == feed.id
    assert store.feeds.claim("b", 5, lease_s=30) == []
    time.sleep(0.3)  # a's replica died mid-poll: its lease lapsed
    (retaken,) = store.feeds.claim("b", 5, lease_s=30)
    assert store.feeds.polled(retaken, "a", items=1, new=1) is None  # a's lease is gone
    done = store.feeds.polled(retaken, "b", items=3, new=2)
    assert done is not None and (done.last_items, done.last_new) == (3, 2)
    assert done.next_poll >= time.time() + 899  # due again after its interval
    assert store.feeds.claim("c", 5, lease_s=30) == []


def test_failures_in_a_row_stop_a_feed_and_resuming_starts_it_again(store: Store) -> None:
    store.feeds.register(FEED, None, None, 900.0)
    for n in (1, 2, 3):
        (taken,) = store.feeds.claim("a", 1, lease_s=30)
        failed = store.feeds.polled(taken, "a", error="fetch-failed: 404", max_failures=3)
        assert failed is not None and failed.failures == n
        with store.database.begin() as conn:  # its retry is due now
            conn.execute(update(feeds).values(next_poll=0))
    assert failed.state == "stopped" and failed.last_error == "fetch-failed: 404"
    assert store.feeds.claim("a", 1, lease_s=30) == []
    resumed = store.feeds.resume(failed.id)
    assert resumed is not None and resumed.state == "active" and resumed.failures == 0
    (taken,) = store.feeds.claim("a", 1, lease_s=30)
    ok = store.feeds.polled(taken, "a", items=0, new=0)
    assert ok is not None and ok.failures == 0 and ok.last_error is None


def test_an_item_is_not_taken_again_while_its_job_is_queued(store: Store) -> None:
    feed, _ = store.feeds.register(FEED, None, None, 900.0)
    made: list[str] = []

    def queue(conn: object) -> str:
        job = store.jobs.enqueue_in(conn, "{}", None)  # type: ignore[arg-type]
        made.append(job.id)
        return job.id

    assert store.fetches.take(FEED, "guid-1", "https://x.example/1", "h1", "One", queue)
    with store.database.begin() as conn:  # long ago: a stopped taker's item is due again
        conn.execute(update(feed_items).values(seen_at=feed.created_at.replace(year=2000)))
    assert not store.fetches.take(FEED, "guid-1", "https://x.example/1", "h1", "One", queue)
    assert not store.fetches.take(FEED, "guid-1", "https://x.example/1", "h2", "One", queue)
    (item,) = store.feeds.items(feed)
    assert (item.title, item.job_id, item.state) == ("One", made[0], "queued")

    (job,) = store.jobs.claim("w", 1, 30)
    store.jobs.finish(job.id, "w", problem='{"type": "/problems/fetch-failed", "detail": "404"}')
    (item,) = store.feeds.items(feed)
    assert item.state == "failed" and item.error == "fetch-failed: 404"
    # Its job ended: the item is taken again (a few times in all), with a job of its own.
    for _ in range(ITEM_ATTEMPTS - 1):
        assert store.fetches.take(FEED, "guid-1", "https://x.example/1", "h1", "One", queue)
        (job,) = store.jobs.claim("w", 1, 30)
        store.jobs.finish(job.id, "w", problem="{}")
        with store.database.begin() as conn:
            conn.execute(update(feed_items).values(seen_at=feed.created_at.replace(year=2000)))
    assert not store.fetches.take(FEED, "guid-1", "https://x.example/1", "h1", "One", queue)
    assert len(made) == ITEM_ATTEMPTS


def test_a_deleted_feed_forgets_its_items(store: Store) -> None:
    feed, _ = store.feeds.register(FEED, None, None, 900.0)
    assert store.fetches.take(FEED, "guid-1", None, "h1", "One")
    store.fetches.remember(FEED, FEED, '"e1"', None, None)
    assert store.feeds.delete(feed.id) and not store.feeds.delete(feed.id)
    assert store.feeds.get(feed.id) is None and store.fetches.last(FEED) is None
    again, new = store.feeds.register(FEED, None, None, 900.0)
    assert new and store.feeds.items(again) == []


def test_items_summarised_as_they_are_now_are_found_in_one_read(store: Store) -> None:
    for key in ("done", "changed", "failed"):
        assert store.fetches.take(FEED, key, None, "h1", key)
    store.fetches.done(FEED, "done", "s_1")
    store.fetches.done(FEED, "changed", "s_2")
    store.fetches.done(FEED, "failed", None, "fetch-failed: 404")
    asked = [("done", "h1"), ("changed", "h2"), ("failed", "h1"), ("new", "h1")]
    assert store.fetches.summarised(FEED, asked) == {"done"}
    assert store.fetches.summarised("https://other.example/rss", asked) == set()
    assert store.fetches.summarised(FEED, []) == set()


def test_an_item_changed_while_its_job_runs_is_told_apart(store: Store) -> None:
    def queue(conn: object) -> str:
        return store.jobs.enqueue_in(conn, "{}", None).id  # type: ignore[arg-type]

    assert store.fetches.take(FEED, "guid-1", None, "h1", "One", queue)
    assert not store.fetches.take(FEED, "guid-1", None, "h2", "One (corrected)", queue)
    assert store.fetches.changed_while_running(FEED, [("guid-1", "h2")])
    assert not store.fetches.changed_while_running(FEED, [("guid-1", "h1")])
    assert not store.fetches.changed_while_running(FEED, [])
    (job,) = store.jobs.claim("w", 1, 30)
    store.jobs.finish(job.id, "w", result="{}")
    assert not store.fetches.changed_while_running(FEED, [("guid-1", "h2")])
    assert store.fetches.take(FEED, "guid-1", None, "h2", "One (corrected)", queue)
