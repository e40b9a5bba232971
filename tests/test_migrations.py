"""Migrations are history: migrated step by step, a database ends as ``tables.py`` says."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, inspect, select

from service.store.database import pool_for
from service.store.migrations import MIGRATIONS, migrate
from service.store.tables import metadata, migrations_table


def schema_of(engine: Engine) -> dict[str, Any]:
    """Every table's columns (type, nullability, default), primary key and indexes."""
    inspector = inspect(engine)
    found: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        columns = {
            c["name"]: (str(c["type"]), c["nullable"], str(c.get("default")))
            for c in inspector.get_columns(table)
        }
        key = tuple(inspector.get_pk_constraint(table)["constrained_columns"])
        indexes = sorted(  # an expression index (full-text search) has a column None
            (
                tuple(str(c) for c in i["column_names"]),
                tuple(i.get("expressions") or ()),
                bool(i["unique"]),
            )
            for i in inspector.get_indexes(table)
        )
        found[table] = {"columns": columns, "primary_key": key, "indexes": indexes}
    return found


def empty(url: str, name: str) -> Engine:
    """An empty database: a file of its own for SQLite, a schema of its own for PostgreSQL."""
    if url.startswith("sqlite:///"):
        return pool_for(url.replace("store.sqlite3", f"{name}.sqlite3"))
    return pool_for(url)


def test_migrating_step_by_step_ends_where_a_fresh_database_from_the_tables_starts(
    store_url: str,
) -> None:
    stepped = empty(store_url, "stepped")
    try:
        for n in range(1, len(MIGRATIONS) + 1):
            with stepped.begin() as conn:  # one release after another, each with its history
                assert migrate(conn, MIGRATIONS[:n]) == [MIGRATIONS[n - 1].__name__]
        migrated = schema_of(stepped)
        with stepped.begin() as conn:
            names = list(conn.scalars(select(migrations_table.c.name)))
        assert names == [m.__name__ for m in MIGRATIONS]
        metadata.drop_all(stepped)
        metadata.create_all(stepped)  # the same database, now built at once from the tables
        assert migrated == schema_of(stepped)
        assert "hits" not in migrated["summaries"]["columns"]  # m005 dropped it
    finally:
        stepped.dispose()
