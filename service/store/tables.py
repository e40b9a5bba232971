"""The store's tables as they stand now: what queries are written against.

The database gets them through ``migrations.py``, whose history states its own DDL;
``tests/test_migrations.py`` checks that the history leads exactly to these.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    DDL,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
)

metadata = MetaData()

# Which migrations a database has had (written by ``migrations.migrate``).
migrations_table = Table(
    "migrations",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)
# Summaries by cache key, the grounded record as JSON, and the text its spans refer to
# (the article as its first sender sent it, or as extracted from HTML or ninjs).
summaries = Table(
    "summaries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("cache_key", String(64), nullable=False, index=True),
    Column("record", Text, nullable=False),
    Column("engine", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("text", Text),
)
# Editors' reviews of a summary: each the whole judgement (verdicts, edits, additions) as
# JSON; the latest is the summary's review.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("summary_id", String(40), nullable=False, index=True),
    Column("reviewer", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
# The call log: one row per model request (``service.calls``), with the summary it
# served, or none when the extraction failed.
calls = Table(
    "calls",
    metadata,
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
)
# Which replica is summarising an article now (single-flight): a lease.
claims = Table(
    "claims",
    metadata,
    Column("cache_key", String(64), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)
# Responses (or job ids) by Idempotency-Key, with the fingerprint of their request.
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

# -- the index across articles (``service.store.index``) --------------------------------
# One row per stored summary: the article it was made from. ``seq`` orders them as seen
# (the cursor of "newest first") and is the row id of the SQLite full-text index.
articles = Table(
    "articles",
    metadata,
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
# One row per milestone of a stored summary, its names matched (``*_key``: the name's
# own key; ``*_canon``: the key its aliases share), in its group (kind and subject) and
# its event.
milestones = Table(
    "milestones",
    metadata,
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
    Column("details", Text),  # schema v2's details, as JSON (null: indexed before v2)
    Column("variant", String(40)),  # the detail that tells events of the kind apart
    # The details analysts filter, group and sum by, as columns.
    Column("application", String(20)),
    Column("phase", String(12)),
    Column("round", String(20)),
    Column("amount_value", Float),
    Column("amount_currency", String(3)),
    Index("ix_milestones_kind_seq", "kind", "seq"),
    Index("ix_milestones_dates", "undated", "date_sort", "seq"),
    Index("ix_milestones_kind_dates", "kind", "undated", "date_sort", "seq"),
)
# Events: a group's milestones merged (``service.index.events``), rewritten whenever a
# milestone joins or leaves their group. ``first_seq``: their first source's ``seq``.
events = Table(
    "events",
    metadata,
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
    Index("ix_events_kind_dates", "kind", "undated", "date_sort", "id"),
    Index("ix_events_first_seq", "first_seq"),
)
# Aliases: a name's key and the key it shares with its aliases (only keys that differ).
aliases = Table(
    "aliases",
    metadata,
    Column("space", String(12), primary_key=True),
    Column("key", String(300), primary_key=True),
    Column("canonical", String(300), nullable=False, index=True),
)
# How each name is written, and in how many articles (the display name is the commonest).
name_forms = Table(
    "name_forms",
    metadata,
    Column("space", String(12), primary_key=True),
    Column("key", String(300), primary_key=True),
    Column("form", String(300), primary_key=True),
    Column("articles", Integer, nullable=False),
)

# Pages fetched by URL (by the URL's hash): the validators of the last answer (for a
# conditional GET) and the summary made of it.
fetches = Table(
    "fetches",
    metadata,
    Column("url_key", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("final_url", Text, nullable=False),
    Column("etag", String(500)),
    Column("last_modified", String(100)),
    Column("summary_id", String(40)),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
)
# Feeds' items seen (the feed's and the item's keys: hashes of its URL and of its guid or
# link), the hash of what the item said, and the summary made of it (or why none was).
feed_items = Table(
    "feed_items",
    metadata,
    Column("feed_key", String(64), primary_key=True),
    Column("item_key", String(64), primary_key=True),
    Column("feed_url", Text, nullable=False),
    Column("link", Text),
    Column("content_hash", String(64), nullable=False),
    Column("summary_id", String(40)),
    Column("error", Text),
    Column("attempts", Integer, nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
    Column("title", Text),
    Column("job_id", String(40)),  # the job summarising it, when a polled feed's
)
# Saved searches: an index filter (JSON) with a name, the callback its alerts are sent to,
# and the last alert seen on its page (what is new since it was last opened).
saved_searches = Table(
    "saved_searches",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("filters", Text, nullable=False),
    Column("callback_url", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("opened_seq", Integer, nullable=False),
)
# Alerts: a saved search's event that came or changed (its state: a hash of its facts),
# once per state; ``event`` is the event as it stood (JSON). An event's id can change as
# sources join it (it is its first source's), so alerts on one event are chained by
# their members: ``root`` is the event id of the chain's first alert.
alerts = Table(
    "alerts",
    metadata,
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
# Feeds the service polls (the job worker of any replica, one at a time per feed).
feeds = Table(
    "feeds",
    metadata,
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
    Column("state", String(12), nullable=False),  # active, or stopped (failed too often)
    Column("callback_url", Text),  # each item's job's webhook
    Column("interval_s", Float),
    Column("last_items", Integer),  # items the last poll read, and how many were new
    Column("last_new", Integer),
)

# Full-text search over each article's headline, summary and text. SQLite: an FTS5
# index holding no copy of the text (contentless; its row ids are ``articles.seq``).
# PostgreSQL: a stored, generated tsvector column (``search``) on each table, with a GIN
# index on it: a candidate row's vector is read, never computed again per query.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
    "headline, summary, body, content='', tokenize='porter unicode61')"
)
SQLITE_MILESTONE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS milestones_fts USING fts5("
    "words, content='', tokenize='porter unicode61')"
)
PG_ARTICLE_TSV = "to_tsvector('english', coalesce(headline, '') || ' ' || coalesce(summary, ''))"
PG_TEXT_TSV = "to_tsvector('english', coalesce(text, ''))"
PG_MILESTONE_TSV = (
    "to_tsvector('english', title || ' ' || evidence || ' ' || organisation || ' ' || "
    "coalesce(product, '') || ' ' || coalesce(authority, '') || ' ' || coalesce(indication, ''))"
)


PG_SEARCHED = {"articles": PG_ARTICLE_TSV, "summaries": PG_TEXT_TSV, "milestones": PG_MILESTONE_TSV}
# The stored vectors, as the queries name them.
PG_ARTICLE_SEARCH, PG_TEXT_SEARCH, PG_MILESTONE_SEARCH = (f"{t}.search" for t in PG_SEARCHED)


def pg_search_ddl(table: str) -> list[str]:
    """The statements that give ``table`` its stored tsvector and its GIN index."""
    return [
        f"ALTER TABLE {table} ADD COLUMN search tsvector "
        f"GENERATED ALWAYS AS ({PG_SEARCHED[table]}) STORED",
        f"CREATE INDEX ix_{table}_search ON {table} USING gin (search)",
    ]


def _ddl(statement: str, dialect: str) -> Any:
    """A statement run after its table is created, on one dialect only."""
    return DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]


event.listen(articles, "after_create", _ddl(SQLITE_FTS, "sqlite"))
event.listen(milestones, "after_create", _ddl(SQLITE_MILESTONE_FTS, "sqlite"))
for _table in (articles, summaries, milestones):
    for _statement in pg_search_ddl(_table.name):
        event.listen(_table, "after_create", _ddl(_statement, "postgresql"))
