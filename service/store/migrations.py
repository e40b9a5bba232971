"""Schema migrations: a plain ordered list of small functions, each applied once and
recorded by name in the ``migrations`` table.

Migrations are history. Each states the DDL it ran, frozen: table definitions of its own
(never the live ones in ``tables.py``, which move on), compiled by SQLAlchemy for the
database at hand, or plain SQL that both dialects take. We chose this over alembic: a
handful of small steps needs no second configuration, environment script and command
line, and SQLAlchemy's DDL compiler already gives each dialect its own types, so writing
every statement twice by hand would add typing, not safety. ``tests/test_migrations.py``
migrates an empty database step by step and compares it with one created from
``tables.py``, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)

from service.store.tables import migrations_table


def m001_summaries(conn: Connection) -> None:
    """Summaries by cache key, with the grounded record as JSON."""
    Table(
        "summaries",
        MetaData(),
        Column("id", String(40), primary_key=True),
        Column("cache_key", String(64), nullable=False, index=True),
        Column("record", Text, nullable=False),
        Column("engine", String(20), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("hits", Integer, nullable=False, server_default="0"),
    ).create(conn)


def m002_claims(conn: Connection) -> None:
    """Claims: which replica is summarising an article right now (single-flight)."""
    Table(
        "claims",
        MetaData(),
        Column("cache_key", String(64), primary_key=True),
        Column("owner", String(64), nullable=False),
        Column("expires_at", Float, nullable=False),
    ).create(conn)


def m003_idempotency(conn: Connection) -> None:
    """Responses by Idempotency-Key, with the fingerprint of the request that made them."""
    Table(
        "idempotency",
        MetaData(),
        Column("key", String(300), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    ).create(conn)


def m004_jobs(conn: Connection) -> None:
    """Async jobs and the log of their webhook deliveries."""
    frozen = MetaData()
    Table(
        "jobs",
        frozen,
        Column("id", String(40), primary_key=True),
        Column("status", String(12), nullable=False, index=True),
        Column("request", Text, nullable=False),
        Column("callback_url", Text),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("run_after", Float, nullable=False),
        Column("lease_owner", String(64)),
        Column("lease_expires", Float),
        Column("result", Text),
        Column("problem", Text),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("started_at", DateTime(timezone=True)),
        Column("finished_at", DateTime(timezone=True)),
        Column("delivery", String(12), nullable=False, server_default="none"),
        Column("delivery_attempts", Integer, nullable=False, server_default="0"),
        Column("delivery_after", Float),
        Column("delivery_owner", String(64)),
        Column("delivery_expires", Float),
    )
    Table(
        "deliveries",
        frozen,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("job_id", String(40), nullable=False, index=True),
        Column("attempt", Integer, nullable=False),
        Column("attempted_at", DateTime(timezone=True), nullable=False),
        Column("status_code", Integer),
        Column("error", Text),
        Column("duration_ms", Float, nullable=False),
    )
    frozen.create_all(conn)


def m005_summaries_without_hits(conn: Connection) -> None:
    """Summaries lose ``hits``: nothing ever counted them (cache hits are a metric)."""
    conn.execute(text("ALTER TABLE summaries DROP COLUMN hits"))


def m006_reviews(conn: Connection) -> None:
    """Summaries keep the text their spans refer to (for the review page); editors'
    reviews of a summary, each the whole judgement at a time."""
    conn.execute(text("ALTER TABLE summaries ADD COLUMN text TEXT"))
    Table(
        "reviews",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("summary_id", String(40), nullable=False, index=True),
        Column("reviewer", String(100), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    ).create(conn)


Migration = Callable[[Connection], None]
MIGRATIONS: list[Migration] = [
    m001_summaries,
    m002_claims,
    m003_idempotency,
    m004_jobs,
    m005_summaries_without_hits,
    m006_reviews,
]


def migrate(
    conn: Connection, migrations: list[Callable[[Connection], None]] = MIGRATIONS
) -> list[str]:
    """Apply the ``migrations`` not yet applied, in order; return their names."""
    if conn.dialect.name == "postgresql":
        # Replicas starting together: one migrates, the others wait for it.
        conn.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
    migrations_table.create(conn, checkfirst=True)
    done = set(conn.scalars(select(migrations_table.c.name)))
    applied = []
    for migration in migrations:
        if migration.__name__ in done:
            continue
        migration(conn)
        conn.execute(
            migrations_table.insert().values(name=migration.__name__, applied_at=datetime.now(UTC))
        )
        applied.append(migration.__name__)
    return applied
