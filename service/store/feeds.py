"""Feeds the service polls: registered, listed, deleted, and taken in turn by the job
worker of any replica.

A feed is due when its ``next_poll`` has come. A worker takes a due feed with one
``UPDATE … WHERE id = (SELECT … LIMIT 1 FOR UPDATE SKIP LOCKED)`` (as jobs are taken,
``service.store.queue``) under a lease: two replicas never poll one feed at once, and a
replica that dies mid-poll leaves the feed to be taken again when its lease lapses. A
poll that fails puts the next one off, twice as long each time (up to a limit); a feed
that fails ``max_failures`` times in a row is stopped and says why, until it is resumed.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import case, delete, or_, outerjoin, select, update

from service.store.database import Database, utc
from service.store.fetches import url_key
from service.store.tables import feed_items, feeds, fetches, jobs

FeedState = Literal["active", "stopped"]
ITEMS_SHOWN = 200  # a feed's items listed, newest first


@dataclass(frozen=True)
class Feed:
    id: str
    url: str
    name: str | None
    callback_url: str | None
    interval_s: float
    created_at: datetime
    state: FeedState
    failures: int  # polls failed in a row
    last_error: str | None
    last_polled_at: datetime | None
    next_poll: float  # when it is polled next (seconds since the epoch)
    last_items: int | None  # items the last poll read, and how many of them were new
    last_new: int | None


@dataclass(frozen=True)
class PolledItem:
    """A feed's item, and what became of it: its summary, its job, or why it has none."""

    link: str | None
    title: str | None
    seen_at: datetime
    attempts: int
    summary_id: str | None
    job_id: str | None
    job_status: str | None
    error: str | None  # the item's own (a pass of ``milestones watch``), or its job's problem

    @property
    def state(self) -> str:
        if self.summary_id is not None:
            return "summarised"
        if self.job_status in ("queued", "running"):
            return self.job_status
        return "failed" if self.error or self.job_status == "failed" else "taken"


def _feed(row: Any) -> Feed:
    return Feed(
        row.id, row.url, row.name, row.callback_url, row.interval_s or 0.0,
        utc(row.created_at) or row.created_at, row.state, row.failures, row.last_error,
        utc(row.last_polled_at), row.next_poll, row.last_items, row.last_new,
    )  # fmt: skip


class FeedStore:
    """The feeds table (and, for a feed's page, its items)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def register(
        self, url: str, name: str | None, callback_url: str | None, interval_s: float
    ) -> tuple[Feed, bool]:
        """Register a feed, polled from now on; (the feed, whether it is new). A URL
        registered before gives its feed back, as it was."""
        values = {
            "id": "f_" + uuid.uuid4().hex[:20],
            "url": url,
            "url_key": url_key(url),
            "name": name,
            "callback_url": callback_url,
            "interval_s": interval_s,
            "created_at": datetime.now(UTC),
            "next_poll": time.time(),
            "failures": 0,
            "state": "active",
        }
        insert = self.db.insert(feeds).values(**values)
        with self.db.begin() as conn:
            made = conn.execute(
                insert.on_conflict_do_nothing(index_elements=[feeds.c.url_key]).returning(*feeds.c)
            ).first()
            if made is not None:
                return _feed(made), True
            row = conn.execute(select(feeds).where(feeds.c.url_key == values["url_key"])).one()
        return _feed(row), False

    def get(self, feed_id: str) -> Feed | None:
        with self.db.connect() as conn:
            row = conn.execute(select(feeds).where(feeds.c.id == feed_id)).first()
        return _feed(row) if row is not None else None

    def all(self) -> list[Feed]:
        with self.db.connect() as conn:
            rows = conn.execute(select(feeds).order_by(feeds.c.created_at, feeds.c.id)).all()
        return [_feed(row) for row in rows]

    def delete(self, feed_id: str) -> bool:
        """Delete a feed, the record of its items and its validators (its summaries stay)."""
        with self.db.begin() as conn:
            row = conn.execute(
                delete(feeds).where(feeds.c.id == feed_id).returning(feeds.c.url_key)
            ).first()
            if row is None:
                return False
            conn.execute(delete(feed_items).where(feed_items.c.feed_key == row.url_key))
            conn.execute(delete(fetches).where(fetches.c.url_key == row.url_key))
        return True

    def resume(self, feed_id: str) -> Feed | None:
        """Poll a feed now: a stopped one is active again, its failures forgotten."""
        with self.db.begin() as conn:
            row = conn.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(state="active", failures=0, next_poll=time.time())
                .returning(*feeds.c)
            ).first()
        return _feed(row) if row is not None else None

    def claim(self, owner: str, limit: int, lease_s: float) -> list[Feed]:
        """Take up to ``limit`` due feeds to poll (not polled now by anyone: a lapsed
        lease is no one's), soonest due first."""
        now = time.time()
        due = (
            select(feeds.c.id)
            .where(
                feeds.c.state == "active",
                feeds.c.next_poll <= now,
                or_(feeds.c.poll_owner.is_(None), feeds.c.poll_expires < now),
            )
            .order_by(feeds.c.next_poll)
        )
        taken = self.db.take(
            feeds, due, {"poll_owner": owner, "poll_expires": now + lease_s}, limit
        )
        return [_feed(row) for row in taken]

    def polled(
        self,
        feed: Feed,
        owner: str,
        *,
        items: int | None = None,
        new: int | None = None,
        error: str | None = None,
        retry_in: float = 0.0,
        max_failures: int = 1,
    ) -> Feed | None:
        """Record a poll this owner made of ``feed``: what it found, or the ``error``
        that stopped it (the next poll ``retry_in`` seconds from now; the feed stopped
        once it has failed ``max_failures`` times in a row). None if the lease was lost."""
        now = time.time()
        c = feeds.c
        if error is None:
            values: dict[str, Any] = {
                "failures": 0, "last_error": None, "last_items": items, "last_new": new,
                "next_poll": now + feed.interval_s,
            }  # fmt: skip
        else:
            failures = c.failures + 1
            values = {
                "failures": failures,
                "last_error": error.replace("\0", "")[:2000],
                "next_poll": now + retry_in,
                "state": case((failures >= max_failures, "stopped"), else_=c.state),
            }
        with self.db.begin() as conn:
            row = conn.execute(
                update(feeds)
                .where(c.id == feed.id, c.poll_owner == owner)
                .values(
                    **values,
                    poll_owner=None,
                    poll_expires=None,
                    last_polled_at=datetime.now(UTC),
                )
                .returning(*feeds.c)
            ).first()
        return _feed(row) if row is not None else None

    def items(self, feed: Feed, limit: int = ITEMS_SHOWN) -> list[PolledItem]:
        """A feed's items, newest first, with their jobs' state."""
        c = feed_items.c
        joined = outerjoin(feed_items, jobs, jobs.c.id == c.job_id)
        query = (
            select(
                c.link,
                c.title,
                c.seen_at,
                c.attempts,
                c.summary_id,
                c.job_id,
                c.error,
                jobs.c.status,
                jobs.c.problem,
            )  # fmt: skip
            .select_from(joined)
            .where(c.feed_key == url_key(feed.url))
            .order_by(c.seen_at.desc(), c.item_key)
            .limit(limit)
        )
        with self.db.connect() as conn:
            rows = conn.execute(query).all()
        return [
            PolledItem(
                r.link,
                r.title,
                utc(r.seen_at) or r.seen_at,
                r.attempts,
                r.summary_id,
                r.job_id,
                r.status,
                r.error or _problem_detail(r.problem),
            )  # fmt: skip
            for r in rows
        ]


def _problem_detail(problem: str | None) -> str | None:
    """What a failed job's problem document says (its kind and detail)."""
    if not problem:
        return None
    try:
        said = json.loads(problem)
    except ValueError:
        return problem[:500]
    kind = str(said.get("type", "")).rsplit("/", 1)[-1]
    return f"{kind}: {said.get('detail', said.get('title', ''))}".strip(": ")
