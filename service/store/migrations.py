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
    Index,
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


def m007_index(conn: Connection) -> None:
    """The index across articles: articles, their milestones, events, aliases, the forms
    of names, and full-text search (FTS5 on SQLite, GIN over tsvectors on PostgreSQL).
    Summaries stored before it are indexed when the store next opens
    (``service.store.index.IndexStore.backfill``)."""
    frozen = MetaData()
    Table(
        "articles",
        frozen,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("summary_id", String(40), nullable=False, unique=True),
        Column("url", Text),
        Column("source", Text),
        Column("outlet", String(200), index=True),
        Column("published_at", String(10)),
        Column("headline", Text, nullable=False),
        Column("summary", Text, nullable=False),
        Column("engine", String(20), nullable=False),
        Column("milestones", Integer, nullable=False),
        Column("first_seen", DateTime(timezone=True), nullable=False),
    )
    Table(
        "milestones",
        frozen,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("id", String(60), nullable=False, unique=True),
        Column("summary_id", String(40), nullable=False, index=True),
        Column("position", Integer, nullable=False),
        Column("kind", String(40), nullable=False),
        Column("status", String(12), nullable=False),
        Column("title", Text, nullable=False),
        Column("date", String(10)),
        Column("undated", Integer, nullable=False),
        Column("date_sort", String(10), nullable=False),
        Column("organisation", Text, nullable=False),
        Column("organisation_key", String(300), nullable=False),
        Column("organisation_canon", String(300), nullable=False, index=True),
        Column("authority", Text),
        Column("authority_key", String(300)),
        Column("authority_canon", String(300), index=True),
        Column("jurisdiction", String(8)),
        Column("product", Text),
        Column("product_key", String(300)),
        Column("product_canon", String(300), index=True),
        Column("indication", Text),
        Column("evidence", Text, nullable=False),
        Column("span_start", Integer, nullable=False),
        Column("span_end", Integer, nullable=False),
        Column("alignment", String(8), nullable=False),
        Column("group_key", String(400), nullable=False, index=True),
        Column("event_id", String(60), index=True),
        Column("joined", Text),
        Index("ix_milestones_kind_seq", "kind", "seq"),
        Index("ix_milestones_dates", "undated", "date_sort", "seq"),
    )
    Table(
        "events",
        frozen,
        Column("id", String(60), primary_key=True),
        Column("group_key", String(400), nullable=False, index=True),
        Column("kind", String(40), nullable=False),
        Column("subject_space", String(12), nullable=False),
        Column("subject", String(300), nullable=False, index=True),
        Column("authority_canon", String(300)),
        Column("jurisdiction", String(8)),
        Column("date", String(10)),
        Column("undated", Integer, nullable=False),
        Column("date_sort", String(10), nullable=False),
        Column("status", String(12), nullable=False),
        Column("sources", Integer, nullable=False),
        Column("first_seq", Integer, nullable=False),
        Column("matched_on", Text, nullable=False),
        Index("ix_events_kind_seq", "kind", "first_seq"),
        Index("ix_events_dates", "undated", "date_sort", "id"),
        Index("ix_events_first_seq", "first_seq"),
    )
    Table(
        "aliases",
        frozen,
        Column("space", String(12), primary_key=True),
        Column("key", String(300), primary_key=True),
        Column("canonical", String(300), nullable=False, index=True),
    )
    Table(
        "name_forms",
        frozen,
        Column("space", String(12), primary_key=True),
        Column("key", String(300), primary_key=True),
        Column("form", String(300), primary_key=True),
        Column("articles", Integer, nullable=False),
    )
    frozen.create_all(conn)
    if conn.dialect.name == "sqlite":
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(headline, summary, "
                "body, content='', tokenize='porter unicode61')"
            )
        )
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE IF NOT EXISTS milestones_fts USING fts5(words, "
                "content='', tokenize='porter unicode61')"
            )
        )
    else:
        conn.execute(
            text(
                "CREATE INDEX ix_articles_search ON articles USING gin (to_tsvector('english', "
                "coalesce(headline, '') || ' ' || coalesce(summary, '')))"
            )
        )
        conn.execute(
            text(
                "CREATE INDEX ix_summaries_search ON summaries USING gin "
                "(to_tsvector('english', coalesce(text, '')))"
            )
        )
        conn.execute(
            text(
                "CREATE INDEX ix_milestones_search ON milestones USING gin (to_tsvector("
                "'english', title || ' ' || evidence || ' ' || organisation || ' ' || "
                "coalesce(product, '') || ' ' || coalesce(authority, '') || ' ' || "
                "coalesce(indication, '')))"
            )
        )


def m008_calls(conn: Connection) -> None:
    """The call log: every model request, what came back, why it was re-asked."""
    Table(
        "calls",
        MetaData(),
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("extraction", String(32), nullable=False, index=True),
        Column("number", Integer, nullable=False),
        Column("at", DateTime(timezone=True), nullable=False, index=True),
        Column("summary_id", String(40), index=True),
        Column("article_key", String(64), nullable=False),
        Column("job_id", String(64), index=True),
        Column("bulk_item", String(200)),
        Column("engine", String(20), nullable=False),
        Column("model", String(200)),
        Column("prompt_version", String(100), nullable=False),
        Column("messages", Text, nullable=False),
        Column("answer", Text),
        Column("errors", Text, nullable=False),
        Column("feedback", Text),
        Column("outcome", String(20), nullable=False),
        Column("status", Integer),
        Column("tries", Integer, nullable=False),
        Column("waited_s", Float, nullable=False),
        Column("retry_after_s", Float),
        Column("prompt_tokens", Integer, nullable=False),
        Column("completion_tokens", Integer, nullable=False),
        Column("latency_ms", Float, nullable=False),
    ).create(conn)


Migration = Callable[[Connection], None]


def m009_milestone_details(conn: Connection) -> None:
    """Milestones gain schema v2's ``details`` (JSON), the ``variant`` that tells events
    of one kind apart (a designation's type), and the details analysts filter, group and
    sum by as columns; rows indexed before stay null until summarised again."""
    for column in (
        "details TEXT", "variant VARCHAR(40)", "application VARCHAR(20)", "phase VARCHAR(12)",
        "round VARCHAR(20)", "amount_value FLOAT", "amount_currency VARCHAR(3)",
    ):  # fmt: skip
        conn.execute(text(f"ALTER TABLE milestones ADD COLUMN {column}"))


def m010_stored_search_vectors(conn: Connection) -> None:
    """PostgreSQL: full-text search reads a stored tsvector column per table (indexed
    with GIN) instead of an index on an expression, which a query that filters or sorts
    by other columns first had to compute again for every candidate row. SQLite's FTS5
    tables are unchanged."""
    if conn.dialect.name != "postgresql":
        return
    for table, expression in (
        ("articles", "to_tsvector('english', coalesce(headline, '') || ' ' || "
         "coalesce(summary, ''))"),
        ("summaries", "to_tsvector('english', coalesce(text, ''))"),
        ("milestones", "to_tsvector('english', title || ' ' || evidence || ' ' || "
         "organisation || ' ' || coalesce(product, '') || ' ' || coalesce(authority, '') "
         "|| ' ' || coalesce(indication, ''))"),
    ):  # fmt: skip
        conn.execute(text(f"DROP INDEX IF EXISTS ix_{table}_search"))
        conn.execute(
            text(
                f"ALTER TABLE {table} ADD COLUMN search tsvector "
                f"GENERATED ALWAYS AS ({expression}) STORED"
            )
        )
        conn.execute(text(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search)"))


def m011_kind_by_date(conn: Connection) -> None:
    """Milestones and events of a kind in date order (a list filtered by kind and sorted
    by date) read from an index in that order: before, the rows of the kind were all
    read and sorted (at a million milestones, 80 ms for one kind in one jurisdiction)."""
    conn.execute(
        text("CREATE INDEX ix_milestones_kind_dates ON milestones (kind, undated, date_sort, seq)")
    )
    conn.execute(text("CREATE INDEX ix_events_kind_dates ON events (kind, undated, date_sort, id)"))


def m012_watching(conn: Connection) -> None:
    """Pages fetched by URL (their validators, for a conditional GET, and the summary
    made of them), feeds' items seen (so that each is summarised once), the feeds the
    service polls, saved searches and the alerts they fired."""
    meta = MetaData()
    Table(
        "fetches",
        meta,
        Column("url_key", String(64), primary_key=True),
        Column("url", Text, nullable=False),
        Column("final_url", Text, nullable=False),
        Column("etag", String(500)),
        Column("last_modified", String(100)),
        Column("summary_id", String(40)),
        Column("fetched_at", DateTime(timezone=True), nullable=False),
    )
    Table(
        "feed_items",
        meta,
        Column("feed_key", String(64), primary_key=True),
        Column("item_key", String(64), primary_key=True),
        Column("feed_url", Text, nullable=False),
        Column("link", Text),
        Column("content_hash", String(64), nullable=False),
        Column("summary_id", String(40)),
        Column("error", Text),
        Column("attempts", Integer, nullable=False),
        Column("seen_at", DateTime(timezone=True), nullable=False),
    )
    Table(
        "saved_searches",
        meta,
        Column("id", String(40), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("filters", Text, nullable=False),
        Column("callback_url", Text),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("opened_seq", Integer, nullable=False),
    )
    Table(
        "alerts",
        meta,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("search_id", String(40), nullable=False),
        Column("event_id", String(200), nullable=False),
        Column("root", String(200), nullable=False),
        Column("group_key", String(400), nullable=False),
        Column("members", Text, nullable=False),
        Column("state", String(64), nullable=False),
        Column("change", String(20), nullable=False),
        Column("event", Text, nullable=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Index("ux_alerts_state", "search_id", "root", "state", unique=True),
        Index("ix_alerts_group", "search_id", "group_key"),
    )
    Table(
        "feeds",
        meta,
        Column("id", String(40), primary_key=True),
        Column("url", Text, nullable=False),
        Column("url_key", String(64), nullable=False, unique=True),
        Column("name", String(200)),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("next_poll", Float, nullable=False),
        Column("poll_owner", String(64)),
        Column("poll_expires", Float),
        Column("failures", Integer, nullable=False),
        Column("last_error", Text),
        Column("last_polled_at", DateTime(timezone=True)),
        Column("state", String(12), nullable=False),
    )
    meta.create_all(conn)


def m013_polled_feeds(conn: Connection) -> None:
    """Feeds the service polls say where each item's webhook goes, how often they are
    read and what their last poll found; a feed's item keeps its title and the job that
    summarises it (an item is not taken again while its job is queued or running)."""
    for column in ("callback_url TEXT", "interval_s FLOAT", "last_items INTEGER",
                   "last_new INTEGER"):  # fmt: skip
        conn.execute(text(f"ALTER TABLE feeds ADD COLUMN {column}"))
    for column in ("title TEXT", "job_id VARCHAR(40)"):
        conn.execute(text(f"ALTER TABLE feed_items ADD COLUMN {column}"))


MIGRATIONS: list[Migration] = [
    m001_summaries,
    m002_claims,
    m003_idempotency,
    m004_jobs,
    m005_summaries_without_hits,
    m006_reviews,
    m007_index,
    m008_calls,
    m009_milestone_details,
    m010_stored_search_vectors,
    m011_kind_by_date,
    m012_watching,
    m013_polled_feeds,
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
