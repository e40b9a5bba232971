"""Schema migrations: a plain ordered list of small functions, each applied once and
recorded by name in the ``migrations`` table."""

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

metadata = MetaData()

migrations_table = Table(
    "migrations",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)
summaries = Table(
    "summaries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("cache_key", String(64), nullable=False, index=True),
    Column("record", Text, nullable=False),
    Column("engine", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("hits", Integer, nullable=False, server_default="0"),
)
claims = Table(
    "claims",
    metadata,
    Column("cache_key", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)


idempotency = Table(
    "idempotency",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# The async jobs: one row each, with its request, state, lease, result and the state of
# its webhook delivery (each delivery attempt is a row of ``deliveries``).
jobs = Table(
    "jobs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("status", String(12), nullable=False, index=True),  # queued running succeeded failed
    Column("request", Text, nullable=False),  # the parsed article and options, as JSON
    Column("callback_url", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("run_after", Float, nullable=False),  # Unix time: not before (retries back off)
    Column("lease_owner", String(64)),
    Column("lease_expires", Float),  # a running job whose lease lapsed was interrupted
    Column("result", Text),  # the summary response, as JSON
    Column("problem", Text),  # or the problem document, as JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("delivery", String(12), nullable=False, server_default="none"),  # none pending
    Column("delivery_attempts", Integer, nullable=False, server_default="0"),  # delivered failed
    Column("delivery_after", Float),
    Column("delivery_owner", String(64)),
    Column("delivery_expires", Float),
)
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(40), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Float, nullable=False),
)


def m001_summaries(conn: Connection) -> None:
    """Summaries by cache key, with the grounded record as JSON."""
    summaries.create(conn)


def m002_claims(conn: Connection) -> None:
    """Claims: which replica is summarising an article right now (single-flight)."""
    claims.create(conn)


def m003_idempotency(conn: Connection) -> None:
    """Responses by Idempotency-Key, with the fingerprint of the request that made them."""
    idempotency.create(conn)


def m004_jobs(conn: Connection) -> None:
    """Async jobs and the log of their webhook deliveries."""
    jobs.create(conn)
    deliveries.create(conn)


MIGRATIONS: list[Callable[[Connection], None]] = [
    m001_summaries,
    m002_claims,
    m003_idempotency,
    m004_jobs,
]


def migrate(conn: Connection) -> list[str]:
    """Apply the migrations not yet applied, in order; return their names."""
    if conn.dialect.name == "postgresql":
        # Replicas starting together: one migrates, the others wait for it.
        conn.execute(text("SELECT pg_advisory_xact_lock(4242001)"))
    migrations_table.create(conn, checkfirst=True)
    done = set(conn.scalars(select(migrations_table.c.name)))
    applied = []
    for migration in MIGRATIONS:
        if migration.__name__ in done:
            continue
        migration(conn)
        conn.execute(
            migrations_table.insert().values(name=migration.__name__, applied_at=datetime.now(UTC))
        )
        applied.append(migration.__name__)
    return applied
