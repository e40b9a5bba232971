"""Store: summaries and single-flight claims in SQLite (embedded) or PostgreSQL (shared).

One code path for both (SQLAlchemy 2 Core). The URL comes from ``DATABASE_URL``:
``sqlite:///path`` or ``postgresql://…``. Methods are synchronous; the service calls
them from a worker thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from service.errors import ConfigurationError, StoreUnavailable
from service.store.migrations import migrate
from service.store.tables import claims, idempotency, summaries

__all__ = ["Store", "StoreUnavailable", "StoredSummary", "engine_for"]


@dataclass(frozen=True)
class StoredSummary:
    """A stored summary: its id, cache key and grounded record (JSON)."""

    id: str
    cache_key: str
    record: str
    engine: str
    created_at: datetime


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def engine_for(url: str) -> Engine:
    """A SQLAlchemy engine for ``sqlite:///…`` or ``postgresql://…``."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    if url.startswith("postgresql+psycopg://"):
        return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)
    raise ConfigurationError(
        f"DATABASE_URL must be sqlite:///path or postgresql://…, not {url.split(':', 1)[0]}:…"
    )


class Store:
    """Summaries by cache key, and claims on articles being summarised."""

    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        self.dialect = self.engine.dialect.name
        try:
            with self.engine.begin() as conn:
                migrate(conn)
        except SQLAlchemyError as error:
            raise StoreUnavailable(f"cannot open the store: {error.__class__.__name__}") from error

    def close(self) -> None:
        self.engine.dispose()

    def insert(self, table: Any) -> Any:
        """An INSERT that can say ON CONFLICT, in this database's dialect."""
        return (pg_insert if self.dialect == "postgresql" else sqlite_insert)(table)

    def ping(self) -> bool:
        """Whether the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def get(self, cache_key: str) -> StoredSummary | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(summaries).where(summaries.c.cache_key == cache_key)).first()
        return _stored(row)

    def get_by_id(self, summary_id: str) -> StoredSummary | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(summaries).where(summaries.c.id == summary_id)).first()
        return _stored(row)

    def put(self, summary_id: str, cache_key: str, record: str, engine: str) -> None:
        """Store a summary; a newer one for the same key replaces it (a forced refresh)."""
        statement = self.insert(summaries).values(
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
        with self.engine.begin() as conn:
            conn.execute(statement)

    def claim(self, cache_key: str, owner: str, ttl_s: float) -> bool:
        """Take the claim on an article unless another owner holds a live one."""
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(
                delete(claims).where(claims.c.cache_key == cache_key, claims.c.expires_at < now)
            )
            # RETURNING says exactly whether this insert won (rowcount does not, on every
            # driver, for ON CONFLICT DO NOTHING).
            inserted = conn.execute(
                self.insert(claims)
                .values(cache_key=cache_key, owner=owner, expires_at=now + ttl_s)
                .on_conflict_do_nothing(index_elements=[claims.c.cache_key])
                .returning(claims.c.owner)
            ).first()
            return inserted is not None

    def renew(self, cache_key: str, owner: str, ttl_s: float) -> None:
        """Extend a claim this owner holds (a lease kept alive while it works)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(claims)
                .where(claims.c.cache_key == cache_key, claims.c.owner == owner)
                .values(expires_at=time.time() + ttl_s)
            )

    def remember(self, key: str, request_hash: str, body: str) -> None:
        """Keep the response to an idempotent request (the first one kept wins)."""
        statement = self.insert(idempotency).values(
            key=key, request_hash=request_hash, body=body, created_at=datetime.now(UTC)
        )
        with self.engine.begin() as conn:
            conn.execute(statement.on_conflict_do_nothing(index_elements=[idempotency.c.key]))

    def recall(self, key: str) -> tuple[str, str] | None:
        """(request fingerprint, response body) kept under an idempotency key, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(idempotency.c.request_hash, idempotency.c.body).where(
                    idempotency.c.key == key
                )
            ).first()
        return (row[0], row[1]) if row else None

    def claim_alive(self, cache_key: str) -> bool:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(claims.c.expires_at).where(claims.c.cache_key == cache_key)
            ).first()
        return row is not None and row[0] >= time.time()

    def release(self, cache_key: str, owner: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(claims).where(claims.c.cache_key == cache_key, claims.c.owner == owner)
            )


def _stored(row: Any) -> StoredSummary | None:
    if row is None:
        return None
    return StoredSummary(row.id, row.cache_key, row.record, row.engine, row.created_at)
