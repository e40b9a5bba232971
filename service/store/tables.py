"""The store's tables as they stand now: what queries are written against.

The database gets them through ``migrations.py``, whose history states its own DDL;
``tests/test_migrations.py`` checks that the history leads exactly to these.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text

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
