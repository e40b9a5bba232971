"""Claims: which replica is summarising an article now, so that others wait for it
(single-flight across replicas). A claim is a lease, renewed while its holder works."""

from __future__ import annotations

import time

from sqlalchemy import delete, update

from service.store.database import Database
from service.store.tables import claims


class ClaimStore:
    """The claims table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, cache_key: str, owner: str, ttl_s: float) -> bool:
        """Take the claim on an article unless another owner holds a live one."""
        now = time.time()
        with self.db.begin() as conn:
            conn.execute(
                delete(claims).where(claims.c.cache_key == cache_key, claims.c.expires_at < now)
            )
            # RETURNING says exactly whether this insert won (rowcount does not, on every
            # driver, for ON CONFLICT DO NOTHING).
            inserted = conn.execute(
                self.db.insert(claims)
                .values(cache_key=cache_key, owner=owner, expires_at=now + ttl_s)
                .on_conflict_do_nothing(index_elements=[claims.c.cache_key])
                .returning(claims.c.owner)
            ).first()
            return inserted is not None

    def renew(self, cache_key: str, owner: str, ttl_s: float) -> None:
        """Extend a claim this owner holds (a lease kept alive while it works)."""
        with self.db.begin() as conn:
            conn.execute(
                update(claims)
                .where(claims.c.cache_key == cache_key, claims.c.owner == owner)
                .values(expires_at=time.time() + ttl_s)
            )

    def release(self, cache_key: str, owner: str) -> None:
        with self.db.begin() as conn:
            conn.execute(
                delete(claims).where(claims.c.cache_key == cache_key, claims.c.owner == owner)
            )
