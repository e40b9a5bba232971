"""Pages fetched by URL and feeds' items seen: what makes a fetch conditional and a feed
item summarised once, across restarts and replicas."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, case, or_, select

from service.store.database import Database
from service.store.tables import feed_items, fetches, jobs

# A feed item taken and left with no summary (its taker stopped, or its summarising
# failed) is taken again after this, on a later pass, and tried this many times in all.
ITEM_LEASE = timedelta(minutes=10)
ITEM_ATTEMPTS = 3


def url_key(url: str) -> str:
    """The key a URL (or a feed item's guid) is stored under."""
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class FetchRecord:
    """What the last fetch of a URL left: its validators and the summary made of it."""

    url: str
    final_url: str
    etag: str | None
    last_modified: str | None
    summary_id: str | None
    fetched_at: datetime


class FetchStore:
    """The fetches and feed_items tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def last(self, url: str) -> FetchRecord | None:
        with self.db.connect() as conn:
            row = conn.execute(select(fetches).where(fetches.c.url_key == url_key(url))).first()
        if row is None:
            return None
        return FetchRecord(
            row.url, row.final_url, row.etag, row.last_modified, row.summary_id, row.fetched_at
        )

    def remember(
        self,
        url: str,
        final_url: str,
        etag: str | None,
        last_modified: str | None,
        summary_id: str | None,
        fetched_at: datetime | None = None,
    ) -> None:
        """Keep what a fetch of ``url`` answered (replacing what an earlier one did)."""
        values = {
            "url_key": url_key(url),
            "url": url,
            "final_url": final_url,
            "etag": (etag or "")[:500] or None,
            "last_modified": (last_modified or "")[:100] or None,
            "summary_id": summary_id,
            "fetched_at": fetched_at or datetime.now(UTC),
        }
        upsert = self.db.insert(fetches).values(**values)
        upsert = upsert.on_conflict_do_update(
            index_elements=[fetches.c.url_key],
            set_={k: upsert.excluded[k] for k in values if k != "url_key"},
        )
        with self.db.begin() as conn:
            conn.execute(upsert)

    def summarised(self, feed_url: str, items: list[tuple[str, str]]) -> set[str]:
        """Of a feed's ``items`` (guid or link, content hash), those summarised already
        as they are now: one read, so that a pass over a feed seen before does not write
        once per item (``take`` would refuse each of them)."""
        if not items:
            return set()
        c = feed_items.c
        keys = {url_key(item): (item, content_hash) for item, content_hash in items}
        with self.db.connect() as conn:
            rows = conn.execute(
                select(c.item_key, c.content_hash).where(
                    c.feed_key == url_key(feed_url),
                    c.item_key.in_(list(keys)),
                    c.summary_id.is_not(None),
                )
            ).all()
        return {keys[r.item_key][0] for r in rows if keys[r.item_key][1] == r.content_hash}

    def changed_while_running(self, feed_url: str, items: list[tuple[str, str]]) -> bool:
        """Whether any of a feed's ``items`` (guid or link, content hash), not taken,
        says something else than its job, still queued or running, was given: it is
        taken once that job ends, so the feed must be read in full again."""
        if not items:
            return False
        c = feed_items.c
        keys = {url_key(item): content_hash for item, content_hash in items}
        with self.db.connect() as conn:
            rows = conn.execute(
                select(c.item_key, c.content_hash)
                .select_from(feed_items.join(jobs, jobs.c.id == c.job_id))
                .where(
                    c.feed_key == url_key(feed_url),
                    c.item_key.in_(list(keys)),
                    jobs.c.status.in_(("queued", "running")),
                )
            ).all()
        return any(keys[r.item_key] != r.content_hash for r in rows)

    def take(
        self,
        feed_url: str,
        item: str,
        link: str | None,
        content_hash: str,
        title: str | None = None,
        queue: Callable[[Connection], str] | None = None,
    ) -> bool:
        """Claim a feed's item for summarising if it is new, its content changed, or an
        earlier try left no summary a while ago (its taker stopped, or it failed: a few
        times in all): True for the one caller (of every replica) that takes it. With
        ``queue``, the job that summarises it is queued in the same transaction (``queue``
        writes it and gives its id), and the item is not taken again while that job is
        queued or running."""
        c = feed_items.c
        now = datetime.now(UTC)
        values = {
            "feed_key": url_key(feed_url),
            "item_key": url_key(item),
            "feed_url": feed_url,
            "link": link,
            "title": (title or "")[:1000] or None,
            "content_hash": content_hash,
            "summary_id": None,
            "error": None,
            "job_id": None,
            "attempts": 1,
            "seen_at": now,
        }
        insert = self.db.insert(feed_items).values(**values)
        changed = c.content_hash != insert.excluded.content_hash
        job_running = (
            select(jobs.c.id)
            .where(jobs.c.id == c.job_id, jobs.c.status.in_(("queued", "running")))
            .exists()
        )
        take = insert.on_conflict_do_update(
            index_elements=[c.feed_key, c.item_key],
            set_={
                **{k: insert.excluded[k] for k in ("content_hash", "link", "title", "seen_at")},
                "summary_id": None,
                "error": None,
                "job_id": None,
                "attempts": case((changed, 1), else_=c.attempts + 1),
            },
            where=and_(
                ~job_running,
                or_(
                    changed,
                    and_(
                        c.summary_id.is_(None),
                        c.attempts < ITEM_ATTEMPTS,
                        c.seen_at < now - ITEM_LEASE,
                    ),
                ),
            ),
        ).returning(c.item_key)
        with self.db.begin() as conn:
            if conn.execute(take).first() is None:
                return False
            if queue is not None:
                conn.execute(
                    feed_items.update()
                    .where(c.feed_key == values["feed_key"], c.item_key == values["item_key"])
                    .values(job_id=queue(conn))
                )
            return True

    def done(
        self, feed_url: str, item: str, summary_id: str | None, error: str | None = None
    ) -> None:
        """Say what became of a feed's item taken: its summary, or why it has none."""
        c = feed_items.c
        with self.db.begin() as conn:
            conn.execute(
                feed_items.update()
                .where(c.feed_key == url_key(feed_url), c.item_key == url_key(item))
                .values(summary_id=summary_id, error=(error or "").replace("\0", "")[:2000] or None)
            )
