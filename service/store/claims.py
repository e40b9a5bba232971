"""Claims: which replica is summarising an article now, so that others wait for it
(single-flight across replicas). A claim is a lease, renewed while its holder works."""

from __future__ import annotations

import time

from sqlalchemy import Connection, bindparam, delete, update

from service.store.database import Database
from service.store.tables import claims


class ClaimStore:
    """The claims table."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # Built once: a claim is taken for every article made, on the request's path.
        self._release = delete(claims).where(
            claims.c.cache_key == bindparam("key"), claims.c.owner == bindparam("owner")
        )
        # One statement: a new claim is inserted, a lapsed one taken over, a live one
        # left (the update's WHERE fails, so nothing is returned). RETURNING says exactly
        # whether it won (rowcount does not, on every driver, for ON CONFLICT).
        take = db.insert(claims).values(
            cache_key=bindparam("key"), owner=bindparam("owner"), expires_at=bindparam("until")
        )
        self._take = take.on_conflict_do_update(
            index_elements=[claims.c.cache_key],
            set_={"owner": take.excluded.owner, "expires_at": take.excluded.expires_at},
            where=claims.c.expires_at < bindparam("now"),
        ).returning(claims.c.owner)

    def claim(self, cache_key: str, owner: str, ttl_s: float) -> bool:
        """Take the claim on an article unless another owner holds a live one."""
        now = time.time()
        with self.db.begin() as conn:
            taken = conn.execute(
                self._take, {"key": cache_key, "owner": owner, "until": now + ttl_s, "now": now}
            ).first()
            return taken is not None

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
            self.release_in(conn, cache_key, owner)

    def release_in(self, conn: Connection, cache_key: str, owner: str) -> None:
        """``release``, in the transaction of ``conn``."""
        conn.execute(self._release, {"key": cache_key, "owner": owner})
