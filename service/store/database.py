"""The database a store lives in: SQLite (embedded) or PostgreSQL (shared by replicas).

One code path for both (SQLAlchemy 2 Core). The URL comes from ``DATABASE_URL``:
``sqlite:///path`` or ``postgresql://…``. Opening it applies the migrations not yet
applied. Every method is synchronous; the service calls them from a worker thread.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, create_engine, event, text, update
from sqlalchemy import Engine as Pool
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from service.errors import ConfigurationError, StoreUnavailable
from service.store.migrations import migrate


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


CONNECT_TIMEOUT_S = 10  # an unreachable PostgreSQL host is reported, not waited on


def utc(moment: datetime | None) -> datetime | None:
    """A stored time in UTC: SQLite hands back naive datetimes; every time here is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def where(pool: Pool) -> str:
    """The database a pool opens, as a person would name it (no password)."""
    if pool.dialect.name == "sqlite":
        return pool.url.database or ":memory:"
    return pool.url.set(drivername="postgresql").render_as_string(hide_password=True)


def reason(error: SQLAlchemyError) -> str:
    """Why the database refused, in the driver's words (its first line)."""
    said = str(getattr(error, "orig", None) or "").strip().splitlines()
    return said[0] if said else error.__class__.__name__


def pool_for(url: str) -> Pool:
    """SQLAlchemy's connection pool (its ``Engine``) for ``sqlite:///…`` or ``postgresql://…``."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreUnavailable(
                    f"cannot open the store at {path}: {error.strerror or error}"
                ) from error
        pool = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(pool, "connect", _sqlite_pragmas)
        return pool
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("postgresql+psycopg://"):
        return create_engine(
            url,
            pool_size=10,
            max_overflow=10,
            pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
        )
    raise ConfigurationError(
        f"DATABASE_URL must be sqlite:///path or postgresql://…, not {url.split(':', 1)[0]}:…"
    )


class Database:
    """A database, migrated, and its connections."""

    def __init__(self, url: str) -> None:
        self._pool = pool_for(url)
        self.dialect = self._pool.dialect.name
        try:
            with self._pool.begin() as conn:
                migrate(conn)
        except SQLAlchemyError as error:
            self._pool.dispose()
            raise StoreUnavailable(
                f"cannot open the store at {where(self._pool)}: {reason(error)}"
            ) from error

    def begin(self) -> AbstractContextManager[Connection]:
        """A connection in a transaction, committed at the end of the block."""
        return self._pool.begin()

    def connect(self) -> AbstractContextManager[Connection]:
        """A connection for reading."""
        return self._pool.connect()

    def insert(self, table: Any) -> Any:
        """An INSERT that can say ON CONFLICT, in this database's dialect."""
        return (pg_insert if self.dialect == "postgresql" else sqlite_insert)(table)

    def take(
        self, table: Table, due: Select[Any], values: dict[str, Any], limit: int
    ) -> list[Row[Any]]:
        """Up to ``limit`` rows of ``table`` that ``due`` selects (by id), each updated
        with ``values`` and returned, one per statement: ``id = (SELECT … LIMIT 1 FOR
        UPDATE SKIP LOCKED)`` runs its subquery once (an ``IN`` over a locking subquery
        with a larger LIMIT need not), and on PostgreSQL replicas taking at the same
        moment skip each other's rows instead of waiting on them or taking them twice;
        SQLite runs one writer at a time, so the statement is atomic there too."""
        taken = []
        for _ in range(limit):
            one = due.limit(1).with_for_update(skip_locked=True).scalar_subquery()
            statement = update(table).where(table.c.id == one).values(**values)
            with self.begin() as conn:
                row = conn.execute(statement.returning(*table.c)).first()
            if row is None:
                break
            taken.append(row)
        return taken

    def ping(self) -> bool:
        """Whether the database answers."""
        try:
            with self._pool.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def close(self) -> None:
        self._pool.dispose()
