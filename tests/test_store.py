"""The store, on SQLite and on a real PostgreSQL: migrations, summaries, claims."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import inspect, select

from service.errors import ConfigurationError
from service.store import Store
from service.store.migrations import MIGRATIONS, migrate
from service.store.tables import migrations_table

EXPECTED_COLUMNS = {
    "migrations": {"name", "applied_at"},
    "summaries": {"id", "cache_key", "record", "engine", "created_at", "text"},
    "claims": {"cache_key", "owner", "expires_at"},
    "idempotency": {"key", "request_hash", "body", "created_at"},
    "reviews": {"id", "summary_id", "reviewer", "body", "created_at"},
}


def test_a_fresh_database_has_the_expected_tables_and_columns(store_url: str) -> None:
    store = Store(store_url)
    with store.database.connect() as conn:
        inspector = inspect(conn)
        for table, columns in EXPECTED_COLUMNS.items():
            if table == "summaries" and conn.dialect.name == "postgresql":
                columns = columns | {"search"}  # the stored tsvector (m010)
            assert {c["name"] for c in inspector.get_columns(table)} == columns
    store.close()


def test_migrations_are_applied_once_and_recorded_by_name(store_url: str) -> None:
    store = Store(store_url)
    with store.database.begin() as conn:
        assert migrate(conn) == []  # all applied already when the store opened
        names = list(conn.scalars(select(migrations_table.c.name)))
    assert names == [m.__name__ for m in MIGRATIONS]
    Store(store_url).close()  # a second replica starting finds nothing to do
    store.close()


def test_summaries_are_stored_by_key_and_id_and_a_refresh_replaces_them(store_url: str) -> None:
    store = Store(store_url)
    summaries = store.summaries
    assert summaries.get("k1") is None
    summaries.put("s_1", "k1", '{"v": 1}', "llm")
    assert summaries.get("k1").record == '{"v": 1}'  # type: ignore[union-attr]
    assert summaries.get_by_id("s_1").cache_key == "k1"  # type: ignore[union-attr]
    summaries.put("s_1", "k1", '{"v": 2}', "llm")
    assert summaries.get("k1").record == '{"v": 2}'  # type: ignore[union-attr]
    store.close()


def test_a_claim_is_exclusive_until_released_or_expired(store_url: str) -> None:
    store = Store(store_url)
    claims = store.claims
    assert claims.claim("k", "replica-a", ttl_s=30)
    assert not claims.claim("k", "replica-b", ttl_s=30)
    claims.release("k", "replica-b")  # not b's to release
    assert not claims.claim("k", "replica-b", ttl_s=30)
    claims.release("k", "replica-a")
    assert claims.claim("k", "replica-b", ttl_s=0.05)
    time.sleep(0.1)
    assert claims.claim("k", "replica-c", ttl_s=30)  # an expired claim is taken over
    store.close()


def test_an_idempotency_key_keeps_the_first_response(store_url: str) -> None:
    store = Store(store_url)
    assert store.idempotency.recall("key") is None
    store.idempotency.remember("key", "fingerprint-1", "first")
    store.idempotency.remember("key", "fingerprint-2", "second")
    assert store.idempotency.recall("key") == ("fingerprint-1", "first")
    store.close()


def test_the_store_answers_ping(store_url: str) -> None:
    store = Store(store_url)
    assert store.ping()
    store.close()


def test_an_unknown_database_url_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="sqlite:///path or postgresql"):
        Store("mysql://root@localhost/test")


def test_a_summary_keeps_the_text_its_spans_refer_to_and_recent_ones_are_listed(
    store_url: str,
) -> None:
    store = Store(store_url)
    store.summaries.put("s_1", "k1", '{"v": 1}', "rules", "Acme Bio raised $5 million.")
    store.summaries.put("s_2", "k2", '{"v": 2}', "rules")
    assert store.summaries.get_by_id("s_1").text == "Acme Bio raised $5 million."  # type: ignore[union-attr]
    assert store.summaries.get_by_id("s_2").text is None  # type: ignore[union-attr]
    assert [row[0] for row in store.summaries.recent(10)] == ["s_2", "s_1"]
    store.close()


def test_reviews_are_kept_in_full_and_the_latest_is_current(store_url: str) -> None:
    store = Store(store_url)
    first = store.reviews.add("s_1", "alice", '{"n": 1}')
    store.reviews.add("s_2", "bob", '{"n": 2}')
    store.reviews.add("s_1", "carol", '{"n": 3}')
    assert [r.reviewer for r in store.reviews.of("s_1")] == ["alice", "carol"]
    assert first.id < store.reviews.of("s_1")[-1].id
    assert [(r.summary_id, r.body) for r in store.reviews.latest()] == [
        ("s_1", '{"n": 3}'),
        ("s_2", '{"n": 2}'),
    ]
    store.close()
