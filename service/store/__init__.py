"""Store: what the service keeps, in SQLite (embedded) or PostgreSQL (shared).

Split by responsibility, each behind a typed interface over one migrated database:

- ``summaries`` (``SummaryStore``): grounded summaries by cache key;
- ``claims`` (``ClaimStore``): which replica is summarising an article (single-flight);
- ``idempotency`` (``IdempotencyStore``): what an Idempotency-Key first named;
- ``jobs`` (``JobQueue``): the async jobs and their webhook deliveries;
- ``reviews`` (``ReviewStore``): editors' reviews of summaries.

Every method is synchronous; the service calls them from a worker thread.
"""

from __future__ import annotations

from service.store.claims import ClaimStore
from service.store.database import Database
from service.store.idempotency import IdempotencyStore
from service.store.queue import JobQueue
from service.store.reviews import ReviewStore, StoredReview
from service.store.summaries import StoredSummary, SummaryStore

__all__ = [
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

    def keep(
        self, summary_id: str, key: str, record: str, engine: str, owner: str, text: str
    ) -> None:
        """Store a summary made under a claim, with the text its spans refer to, and
        release the claim, in one transaction."""
        with self.database.begin() as conn:
            self.summaries.put_in(conn, summary_id, key, record, engine, text)
            self.claims.release_in(conn, key, owner)

    def ping(self) -> bool:
        """Whether the database answers."""
        return self.database.ping()

    def close(self) -> None:
        self.database.close()
