"""Reviews: editors' judgements of a summary, kept in full each time (append only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select

from service.store.database import Database
from service.store.tables import reviews


@dataclass(frozen=True)
class StoredReview:
    """One review: which summary, who, what they said (JSON) and when."""

    id: int
    summary_id: str
    reviewer: str
    body: str
    created_at: datetime


class ReviewStore:
    """The reviews table."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._of = (
            select(reviews)
            .where(reviews.c.summary_id == bindparam("summary_id"))
            .order_by(reviews.c.id)
        )
        newest = (
            select(func.max(reviews.c.id).label("id")).group_by(reviews.c.summary_id).subquery()
        )
        self._latest = (
            select(reviews).join(newest, reviews.c.id == newest.c.id).order_by(reviews.c.summary_id)
        )

    def add(self, summary_id: str, reviewer: str, body: str) -> StoredReview:
        """Keep a review; it becomes the summary's current one."""
        now = datetime.now(UTC)
        values = {"summary_id": summary_id, "reviewer": reviewer, "body": body, "created_at": now}
        with self.db.begin() as conn:
            key = conn.execute(reviews.insert().values(**values)).inserted_primary_key
        assert key is not None
        return StoredReview(int(key[0]), summary_id, reviewer, body, now)

    def of(self, summary_id: str) -> list[StoredReview]:
        """Every review of a summary, oldest first (the last is current)."""
        with self.db.connect() as conn:
            rows = conn.execute(self._of, {"summary_id": summary_id}).all()
        return [_review(row) for row in rows]

    def latest(self) -> list[StoredReview]:
        """The current review of every reviewed summary, by summary id."""
        with self.db.connect() as conn:
            return [_review(row) for row in conn.execute(self._latest).all()]


def _review(row: Any) -> StoredReview:
    return StoredReview(row.id, row.summary_id, row.reviewer, row.body, row.created_at)
