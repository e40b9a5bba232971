"""Summaries by cache key: the grounded record of each article, engine and version."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, bindparam, select

from schemas import SummaryRecord, v2
from service.store.database import Database
from service.store.tables import summaries


def parsed_record(record: str) -> SummaryRecord | None:
    """A stored record (JSON) as schema v2 (one stored before v2 reads with no details),
    or None when it no longer fits the schema: the one reader of stored records, for
    every caller (such a summary is made afresh when asked for)."""
    try:
        return v2.SummaryRecord.model_validate_json(record)
    except ValidationError:
        return None


def parsed_records(
    rows: Iterable[tuple[str, str, datetime]],
) -> Iterator[tuple[str, SummaryRecord, datetime]]:
    """(id, record, when) of the rows whose record still fits the schema."""
    for summary_id, raw, when in rows:
        record = parsed_record(raw)
        if record is not None:
            yield summary_id, record, when


@dataclass(frozen=True)
class StoredSummary:
    """A stored summary: its id, cache key, grounded record (JSON), and the text its
    spans refer to (None for summaries stored before texts were kept)."""

    id: str
    cache_key: str
    record: str
    engine: str
    created_at: datetime
    text: str | None = None


class SummaryStore:
    """The summaries table."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Built once: every request reads by key, and every summary made is written.
        self._by_key = select(summaries).where(summaries.c.cache_key == bindparam("key"))
        self._by_id = select(summaries).where(summaries.c.id == bindparam("id"))
        self._recent = (
            select(summaries.c.id, summaries.c.record, summaries.c.created_at)
            .order_by(summaries.c.created_at.desc())
            .limit(bindparam("limit"))
        )
        upsert = db.insert(summaries)
        self._put = upsert.on_conflict_do_update(
            index_elements=[summaries.c.id],  # the id is derived from the cache key
            set_={
                "record": upsert.excluded.record,
                "created_at": upsert.excluded.created_at,
                "text": upsert.excluded.text,
            },
        )

    def get(self, cache_key: str) -> StoredSummary | None:
        with self.db.connect() as conn:
            row = conn.execute(self._by_key, {"key": cache_key}).first()
        return _stored(row)

    def get_by_id(self, summary_id: str) -> StoredSummary | None:
        with self.db.connect() as conn:
            row = conn.execute(self._by_id, {"id": summary_id}).first()
        return _stored(row)

    def recent(self, limit: int = 20) -> list[tuple[str, str, datetime]]:
        """The latest summaries stored: (id, record, when), newest first."""
        with self.db.connect() as conn:
            rows = conn.execute(self._recent, {"limit": limit}).all()
        return [(row.id, row.record, row.created_at) for row in rows]

    def put(
        self, summary_id: str, cache_key: str, record: str, engine: str, text: str | None = None
    ) -> None:
        """Store a summary; a newer one for the same key replaces it (a forced refresh)."""
        with self.db.begin() as conn:
            self.put_in(conn, summary_id, cache_key, record, engine, text)

    def put_in(
        self,
        conn: Connection,
        summary_id: str,
        cache_key: str,
        record: str,
        engine: str,
        text: str | None = None,
    ) -> None:
        """``put``, in the transaction of ``conn``."""
        values = {
            "id": summary_id,
            "cache_key": cache_key,
            "record": record,
            "engine": engine,
            "created_at": datetime.now(UTC),
            "text": text,
        }
        conn.execute(self._put, values)


def _stored(row: Any) -> StoredSummary | None:
    if row is None:
        return None
    return StoredSummary(row.id, row.cache_key, row.record, row.engine, row.created_at, row.text)
