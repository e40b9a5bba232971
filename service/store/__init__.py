"""Store: what the service keeps, in SQLite (embedded) or PostgreSQL (shared).

Split by responsibility, each behind a typed interface over one migrated database:

- ``summaries`` (``SummaryStore``): grounded summaries by cache key;
- ``claims`` (``ClaimStore``): which replica is summarising an article (single-flight);
- ``idempotency`` (``IdempotencyStore``): what an Idempotency-Key first named;
- ``jobs`` (``JobQueue``): the async jobs and their webhook deliveries;
- ``reviews`` (``ReviewStore``): editors' reviews of summaries;
- ``calls`` (``CallStore``): the call log, one row per model request;
- ``index`` (``IndexStore``): every stored summary's article, milestones and events,
  written with the summary (``keep``), for lists, timelines, search and exports.

Every method is synchronous; the service calls them from a worker thread.
"""

from __future__ import annotations

from typing import Any

from schemas import SummaryRecord
from service.store.alerts import AlertStore
from service.store.calls import CallStore
from service.store.claims import ClaimStore
from service.store.database import Database
from service.store.feeds import FeedStore
from service.store.fetches import FetchStore
from service.store.idempotency import IdempotencyStore
from service.store.index import IndexStore
from service.store.index_write import ArticleFacts
from service.store.queue import JobQueue
from service.store.reviews import ReviewStore, StoredReview
from service.store.summaries import StoredSummary, SummaryStore

__all__ = [
    "ArticleFacts",
    "CallStore",
    "IndexStore",
    "ClaimStore",
    "Database",
    "IdempotencyStore",
    "JobQueue",
    "ReviewStore",
    "StoredReview",
    "Store",
    "StoredSummary",
    "SummaryStore",
]


class Store:
    """Every part of the store, over one database opened (and migrated) from ``url``."""

    def __init__(self, url: str) -> None:
        self.database = Database(url)
        self.summaries = SummaryStore(self.database)
        self.claims = ClaimStore(self.database)
        self.idempotency = IdempotencyStore(self.database)
        self.jobs = JobQueue(self.database, self.idempotency)
        self.reviews = ReviewStore(self.database)
        self.calls = CallStore(self.database)
        self.index = IndexStore(self.database)
        self.fetches = FetchStore(self.database)
        self.feeds = FeedStore(self.database)
        self.alerts = AlertStore(self.database, self.index)
        self.index.backfill()

    def keep(
        self,
        summary_id: str,
        key: str,
        record: SummaryRecord,
        owner: str,
        text: str,
        facts: ArticleFacts | None = None,
        calls: list[dict[str, Any]] | None = None,
    ) -> None:
        """Store a summary made under a claim, with the text its spans refer to, index
        it, fire the saved searches' alerts it causes, log the model ``calls`` that made
        it, and release the claim, in one transaction."""
        with self.database.begin() as conn:
            touched = self.index.write_in(conn, summary_id, record, text, facts or ArticleFacts())
            self.alerts.fire_in(conn, touched)
            data = record.model_dump_json()
            self.summaries.put_in(conn, summary_id, key, data, record.meta.engine, text)
            if calls:
                self.calls.add_in(conn, calls)
            self.claims.release_in(conn, key, owner)

    def ping(self) -> bool:
        """Whether the database answers."""
        return self.database.ping()

    def close(self) -> None:
        self.database.close()
