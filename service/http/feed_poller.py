"""Feeds registered in the service, polled by the job worker of every replica.

A poll reads the feed as ``milestones watch`` does (``service.watch``: conditionally,
parsed off the loop, new and changed items by guid-or-link and content hash) but does
not summarise the items itself: each item taken is a job (``JobRequest``), queued in
the transaction that takes it, so a replica's stop, a transient failure, the feed's
webhook and the job's record are the jobs' own. An item with a link is fetched when its
job runs; one without is summarised from the content it carries.

A poll that fails (the feed cannot be had, or holds no feed) puts the next off: the
feed's interval, doubled with each failure in a row up to ``MILESTONES_FEED_BACKOFF_MAX_S``;
after ``MILESTONES_FEED_MAX_FAILURES`` the feed is stopped, with the last error, until it
is resumed (``POST /v1/feeds/{id}/poll``).
"""

from __future__ import annotations

import logging
import random

from sqlalchemy import Connection

from service.errors import InputError, MilestonesError
from service.http.job_runner import JobRequest
from service.http.problems import problem_of
from service.http.state import Service
from service.inputs import is_url
from service.offload import off_loop, store_call
from service.store.feeds import Feed
from service.watch import FeedItem, carried, read_feed, read_through, unseen

log = logging.getLogger("milestones.feeds")


def retry_in(feed: Feed, most_s: float) -> float:
    """Seconds before a feed that just failed (``feed.failures`` times before) is read
    again: its interval doubled per failure in a row, up to ``most_s``, less up to a
    tenth at random (replicas' feeds that failed together spread out)."""
    wait = min(most_s, max(feed.interval_s, 1.0) * 2.0 ** min(feed.failures, 30))
    return wait * (1.0 - random.random() / 10.0)


class FeedPoller:
    """The worker's view of the registered feeds (a ``FeedPolling``)."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def due(self, owner: str, limit: int) -> list[Feed]:
        """Feeds due now, taken for ``owner`` (blocking: run in a thread)."""
        settings = self.service.settings
        # Held for longer than a poll can take: a fetch, then one write per item.
        lease = settings.fetch_timeout_s * 2 + 120.0
        return self.service.store.feeds.claim(owner, limit, lease)

    async def poll(self, feed: Feed, owner: str) -> Feed | None:
        """Read ``feed`` once and queue a job per item taken; record the poll."""
        service, settings = self.service, self.service.settings
        store = service.store
        try:
            read = await read_feed(store, service.fetcher(), feed.url)
            new = 0
            if read.items is not None:
                left = []
                for item in await unseen(store, feed.url, read.items):
                    taken = await self._take(feed, item)
                    new += taken
                    if not taken:
                        left.append((item.key, item.content_hash))
                # An item changed while its job runs is taken by a later poll: the feed
                # is then read in full again (its validators not kept), not answered 304.
                if not await store_call(store.fetches.changed_while_running, feed.url, left):
                    await read_through(store, read)
        except MilestonesError as error:
            log.info("feed %s (%s): %s", feed.id, feed.url, error.detail)
            polled = await store_call(
                store.feeds.polled,
                feed,
                owner,
                error=f"{problem_of(error).slug}: {error.detail}",
                retry_in=retry_in(feed, settings.feed_backoff_max_s),
                max_failures=settings.feed_max_failures,
            )
            stopped = polled is not None and polled.state == "stopped"
            service.metrics.feed_polls.labels("stopped" if stopped else "failed").inc()
            if polled is not None and stopped:
                log.warning(
                    "feed %s (%s) stopped after %d failures in a row: %s",
                    feed.id, feed.url, polled.failures, polled.last_error,
                )  # fmt: skip
            return polled
        service.metrics.feed_polls.labels("unchanged" if read.items is None else "read").inc()
        service.metrics.feed_items.inc(new)
        if new and service.worker is not None:
            service.worker.wake()
        items = feed.last_items if read.items is None else len(read.items)
        return await store_call(store.feeds.polled, feed, owner, items=items, new=new)

    async def _take(self, feed: Feed, item: FeedItem) -> int:
        """1 if ``item`` was new (or changed) and its job is queued, else 0."""
        store, settings = self.service.store, self.service.settings
        said = {"source": feed.url, "published_at": item.published, "feed": feed.url,
                "feed_item": item.key, "engine": settings.engine}  # fmt: skip
        if item.link and is_url(item.link):
            wanted = JobRequest.model_validate({**said, "fetch_url": item.link})
        else:
            try:
                article = await off_loop(carried, item, {"published_at": item.published})
            except (InputError, ValueError) as error:
                taken = await store_call(
                    store.fetches.take, feed.url, item.key, item.link, item.content_hash,
                    item.title,
                )  # fmt: skip
                if taken:
                    why = getattr(error, "detail", None) or f"the item is no article: {error}"
                    await store_call(store.fetches.done, feed.url, item.key, None, why)
                return 0
            wanted = JobRequest.model_validate(
                {**said, "text": article.text, "url": None, "extracted": True}
            )
        request = wanted.model_dump_json()

        def queue(conn: Connection) -> str:
            return store.jobs.enqueue_in(conn, request, feed.callback_url).id

        taken = await store_call(
            store.fetches.take, feed.url, item.key, item.link, item.content_hash, item.title,
            queue,
        )  # fmt: skip
        return 1 if taken else 0
