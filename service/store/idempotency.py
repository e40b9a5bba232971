"""Idempotency keys: the response (or job) a key first named, and the fingerprint of the
request that made it, so that a key sent again with another request is refused."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, select

from service.errors import IdempotencyKeyReused
from service.store.database import Database
from service.store.tables import idempotency


class IdempotencyStore:
    """The idempotency table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def remember(self, key: str, request_hash: str, body: str) -> None:
        """Keep the response to an idempotent request (the first one kept wins)."""
        statement = self.db.insert(idempotency).values(
            key=key, request_hash=request_hash, body=body, created_at=datetime.now(UTC)
        )
        with self.db.begin() as conn:
            conn.execute(statement.on_conflict_do_nothing(index_elements=[idempotency.c.key]))

    def recall(self, key: str) -> tuple[str, str] | None:
        """(request fingerprint, response body) kept under an idempotency key, if any."""
        with self.db.connect() as conn:
            row = conn.execute(
                select(idempotency.c.request_hash, idempotency.c.body).where(
                    idempotency.c.key == key
                )
            ).first()
        return (row[0], row[1]) if row else None

    def bind(self, conn: Connection, key: str, request_hash: str, body: str) -> str | None:
        """In ``conn``'s transaction: the key names ``body`` now, if it named nothing;
        else what it names (None when it is this). A key named by another request
        raises IdempotencyKeyReused."""
        won = conn.execute(
            self.db.insert(idempotency)
            .values(key=key, request_hash=request_hash, body=body, created_at=datetime.now(UTC))
            .on_conflict_do_nothing(index_elements=[idempotency.c.key])
            .returning(idempotency.c.key)
        ).first()
        if won is not None:
            return None
        kept = conn.execute(
            select(idempotency.c.request_hash, idempotency.c.body).where(idempotency.c.key == key)
        ).one()
        if kept.request_hash != request_hash:
            raise IdempotencyKeyReused()
        return str(kept.body)
