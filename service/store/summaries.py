"""Summaries by cache key: the grounded record of each article, engine and version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from service.store.database import Database
from service.store.tables import summaries


@dataclass(frozen=True)
class StoredSummary:
    """A stored summary: its id, cache key and grounded record (JSON)."""

    id: str
    cache_key: str
    record: str
    engine: str
    created_at: datetime


class SummaryStore:
    """The summaries table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, cache_key: str) -> StoredSummary | None:
        with self.db.connect() as conn:
            row = conn.execute(select(summaries).where(summaries.c.cache_key == cache_key)).first()
        return _stored(row)

    def get_by_id(self, summary_id: str) -> StoredSummary | None:
        with self.db.connect() as conn:
            row = conn.execute(select(summaries).where(summaries.c.id == summary_id)).first()
        return _stored(row)

    def put(self, summary_id: str, cache_key: str, record: str, engine: str) -> None:
        """Store a summary; a newer one for the same key replaces it (a forced refresh)."""
        statement = self.db.insert(summaries).values(
            id=summary_id,
            cache_key=cache_key,
            record=record,
            engine=engine,
            created_at=datetime.now(UTC),
        )
        statement = statement.on_conflict_do_update(
            index_elements=[summaries.c.id],  # the id is derived from the cache key
            set_={"record": statement.excluded.record, "created_at": statement.excluded.created_at},
        )
        with self.db.begin() as conn:
            conn.execute(statement)


def _stored(row: Any) -> StoredSummary | None:
    if row is None:
        return None
    return StoredSummary(row.id, row.cache_key, row.record, row.engine, row.created_at)
