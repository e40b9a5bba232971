"""The index across articles at scale (make bench): 100,000 generated milestones over
20,000 articles (varied names, spellings, aliases and dates), on SQLite and on
PostgreSQL, in one run.

- list, filter, search and timeline queries: p50 and p95 of each, over varied
  parameters (target: p95 under 50 ms);
- what indexing costs: the index write of one article (its own transaction, on the full
  store) against the cached POST path (which writes nothing) and against storing the
  summary alone;
- the index's size per 1,000 articles.

PostgreSQL is the server of BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local
one (postgresql://postgres@127.0.0.1:5432/test); a schema of its own, dropped after.
Unreachable: its column says so.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from schemas import SummaryRecord
from schemas.v1 import MILESTONE_KINDS
from service.app import create_app
from service.index.names import name_key
from service.index.query import Filters, Page, decode_cursor
from service.settings import Settings
from service.store import ArticleFacts, Store
from service.store.index import every
from tests.index_data import META

# BENCH_INDEX_ARTICLES: fewer articles for a quick look (the README's table is 20,000).
ARTICLES, PER_ARTICLE = int(os.environ.get("BENCH_INDEX_ARTICLES", "20000")), 5
BATCH = 250
RUNS = 40
ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "seeds" / "004_9443ce3100c31505.txt").read_text(encoding="utf-8")
AUTHORITIES = [
    ("FDA", "US"),
    ("U.S. FDA", "US"),
    ("US Food and Drug Administration", "US"),
    ("EMA", "EU"),
    ("European Medicines Agency", "EU"),
    ("MHRA", "GB"),
    ("NMPA", "CN"),
    ("Center for Drug Evaluation", "CN"),
    ("PMDA", "JP"),
    ("MFDS", "KR"),
    ("CDSCO", "IN"),
    (None, None),
]
SUFFIXES = ["", " Inc.", " Ltd", " AB", " Co., Ltd.", " plc", " GmbH", ", Inc."]
WORDS = [
    "Helix",
    "Nova",
    "Arbor",
    "Crest",
    "Lumen",
    "Vireo",
    "Quanta",
    "Sola",
    "Tessel",
    "Orbit",
    "Kestrel",
    "Meridian",
    "Pioneer",
    "Cobalt",
    "Aster",
    "Beacon",
    "Cygnus",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
]
DISEASES = [
    "glioblastoma",
    "multiple myeloma",
    "sickle cell disease",
    "haemophilia B",
    "gastric cancer",
    "lupus",
    "ALS",
    "retinitis pigmentosa",
]


# Brands of one product in twenty, by the product's key (one brand, one product).
BRANDS: dict[str, str] = {}
KINDS_OF_COMPANY = ["Bio", "Therapeutics", "Cell", "Gene", "Medicine"]


def world(rng: random.Random) -> tuple[list[str], list[str]]:
    organisations = [
        f"{rng.choice(WORDS)}{rng.choice(WORDS).lower()} {rng.choice(KINDS_OF_COMPANY)}"
        for _ in range(2_000)
    ]
    products = [
        f"{''.join(rng.choice('ABCDEFGHKLMNPRSTVXZ') for _ in range(3))}-{rng.randint(1, 999):03d}"
        for _ in range(5_000)
    ]
    products = list(dict.fromkeys(products))
    BRANDS.clear()
    for n, product in enumerate(products[::20]):  # Helixab: a word and two letters
        letters = chr(97 + n // len(WORDS) // 26 % 26) + chr(97 + n // len(WORDS) % 26)
        BRANDS[name_key(product)] = f"{WORDS[n % len(WORDS)]}{letters}"
    return list(dict.fromkeys(organisations)), products


def spelling(rng: random.Random, product: str) -> str:
    """One of the ways articles write a code: ABC-123, ABC123, abc 123."""
    letters, digits = product.split("-")
    return rng.choice([product, product, letters + digits, f"{letters} {digits}"])


def article(
    rng: random.Random, n: int, organisations: list[str], products: list[str]
) -> tuple[str, SummaryRecord, ArticleFacts]:
    organisation = rng.choice(organisations)
    written = organisation + rng.choice(SUFFIXES)
    sentences: list[str] = []
    milestones: list[dict[str, Any]] = []
    seen: set[tuple[object, ...]] = set()
    while len(milestones) < PER_ARTICLE:
        k = len(milestones)
        product = spelling(rng, rng.choice(products)) if rng.random() < 0.8 else None
        kind = rng.choice(MILESTONE_KINDS)
        authority, jurisdiction = rng.choice(AUTHORITIES)
        year = rng.randint(2015, 2026)
        precision = rng.random()
        when = (
            None
            if precision < 0.2
            else str(year)
            if precision < 0.35
            else f"{year}-{rng.randint(1, 12):02d}"
            if precision < 0.6
            else f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        )
        identity = (kind, product, authority, when)
        if identity in seen:  # the schema refuses one milestone twice
            continue
        seen.add(identity)
        # A product with a brand is sometimes written "Brand (CODE)": a learned alias.
        brand = BRANDS.get(name_key(product)) if product else None
        about = (f"{brand} ({product})" if brand and rng.random() < 0.3 else product) or (
            "its platform"
        )
        sentence = (
            f"{written} said {authority or 'the company'} reached a {kind.replace('_', ' ')} "
            f"milestone for {about} in {rng.choice(DISEASES)} (item {n}.{k})."
        )
        start = sum(len(s) + 1 for s in sentences)
        sentences.append(sentence)
        milestones.append(
            {
                "kind": kind,
                "status": rng.choice(["achieved", "achieved", "in_progress", "planned"]),
                "title": f"{kind.replace('_', ' ')} for {product or organisation}",
                "date": when,
                "organisation": written,
                "authority": authority,
                "jurisdiction": jurisdiction,
                "product": product,
                "indication": None,
                "evidence": sentence,
                "evidence_span": {"start": start, "end": start + len(sentence)},
                "alignment": "exact",
            }
        )
    body = " ".join(sentences)
    record = SummaryRecord.model_validate(
        {
            "source": f"https://news{n % 37}.example.com/story/{n}",
            "summary": {
                "headline": f"{written}: {len(milestones)} milestones",
                "summary": sentences[0][:300],
                "organisations": [],
                "products": [],
                "milestones": milestones,
            },
            "meta": META,
        }
    )
    published = date(rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28))
    return body, record, ArticleFacts(url=record.source, published_at=published)


def fill(store: Store, seed: int = 7) -> tuple[list[str], list[str], float]:
    rng = random.Random(seed)
    organisations, products = world(rng)
    started = time.perf_counter()
    for first in range(0, ARTICLES, BATCH):
        with store.database.begin() as conn:
            for n in range(first, min(first + BATCH, ARTICLES)):
                body, record, facts = article(rng, n, organisations, products)
                sid = f"s_bench{n:08d}"
                store.index.write_in(conn, sid, record, body, facts)
                store.summaries.put_in(
                    conn, sid, f"{n:064d}", record.model_dump_json(), "rules", body
                )
        if (first + BATCH) % MAINTAIN_EVERY == 0:
            maintain(store)
    maintain(store)
    return organisations, products, time.perf_counter() - started


# What autovacuum does on a PostgreSQL server left to its defaults (the one here has it
# off): dead rows cleared and statistics gathered, every few thousand articles.
MAINTAIN_EVERY = 2_500


def maintain(store: Store) -> None:
    if store.database.dialect != "postgresql":
        return
    with store.database.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM ANALYZE"))


def timed(run: Callable[[], Any], runs: int = RUNS) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def queries(
    store: Store, organisations: list[str], products: list[str]
) -> dict[str, tuple[float, float]]:
    rng = random.Random(11)
    index = store.index
    deep = Page(sort="date", limit=50)
    for _ in range(10):  # the cursor of page 11
        listing = index.milestones(Filters(), deep)
        assert listing.next_cursor
        deep = deep.following(decode_cursor(listing.next_cursor, "date"))
    return {
        "milestones, newest 50": timed(lambda: index.milestones(Filters(), Page())),
        "milestones, kind + jurisdiction, by date": timed(
            lambda: index.milestones(
                Filters(
                    kinds=(rng.choice(MILESTONE_KINDS),),
                    jurisdiction=rng.choice(["US", "EU", "CN"]),
                ),
                Page(sort="date"),
            )
        ),
        "milestones, a product (any spelling)": timed(
            lambda: index.milestones(Filters(product=spelling(rng, rng.choice(products))), Page())
        ),
        "milestones, date range, by date": timed(
            lambda: index.milestones(
                Filters(
                    date_from=f"{rng.randint(2015, 2025)}-03", date_to=f"{rng.randint(2025, 2026)}"
                ),
                Page(sort="-date"),
            )
        ),
        "milestones, full text": timed(
            lambda: index.milestones(Filters(query=rng.choice(DISEASES)), Page())
        ),
        "milestones, page 11 by cursor": timed(lambda: index.milestones(Filters(), deep)),
        "events, an organisation, by date": timed(
            lambda: index.events(Filters(organisation=rng.choice(organisations)), Page(sort="date"))
        ),
        "events, a kind, by date": timed(
            lambda: index.events(Filters(kinds=(rng.choice(MILESTONE_KINDS),)), Page(sort="date"))
        ),
        "events, kind + status": timed(
            lambda: index.events(
                Filters(kinds=(rng.choice(MILESTONE_KINDS),), status="achieved"), Page()
            )
        ),
        "summaries, full text": timed(
            lambda: index.articles(
                Filters(query=f"{rng.choice(DISEASES)} {rng.choice(['milestone', 'reached'])}"),
                Page(),
            )
        ),
        "product timeline": timed(
            lambda: index.timeline("product", spelling(rng, rng.choice(products)))
        ),
        "organisation timeline": timed(
            lambda: index.timeline("organisation", rng.choice(organisations) + " Inc.")
        ),
    }


def index_write_cost(store: Store) -> tuple[float, float]:
    """Median ms of storing a fresh seed-like summary: with its index write, and alone."""
    rng = random.Random(5)
    organisations, products = world(rng)
    with_index, alone = [], []
    for n in range(60):
        body, record, facts = article(rng, 900_000 + n, organisations, products)
        data = record.model_dump_json()
        key = f"{900_000 + n:064d}"
        store.claims.claim(key, "bench", 60)
        started = time.perf_counter()
        store.keep(f"s_w{n:08d}", key, record, "bench", body, facts)  # the index write too
        with_index.append((time.perf_counter() - started) * 1000)
        other = f"{800_000 + n:064d}"
        store.claims.claim(other, "bench", 60)
        started = time.perf_counter()
        with store.database.begin() as conn:  # what keep did before the index
            store.summaries.put_in(conn, f"s_a{n:08d}", other, data, "rules", body)
            store.claims.release_in(conn, other, "bench")
        alone.append((time.perf_counter() - started) * 1000)
    return statistics.median(with_index), statistics.median(alone)


def cached_post_ms(url: str) -> float:
    """Median ms of the cached POST path through the store (other boilerplate around a
    stored article: cleaned, keyed, read, grounded again), in-process."""

    async def go() -> float:
        app = create_app(Settings(engine="rules", database_url=url))
        samples = []
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                assert (await c.post("/v1/summaries", json={"text": SEED})).status_code == 200
                for n in range(200):
                    started = time.perf_counter()
                    answer = await c.post(
                        "/v1/summaries", json={"text": f"Advertisement\n{SEED}\nREAD: story {n}\n"}
                    )
                    samples.append((time.perf_counter() - started) * 1000)
                    assert answer.json()["meta"]["cached"]
        await app.state.service.aclose()
        return statistics.median(samples[20:])

    return asyncio.run(go())


def sqlite_index_bytes(path: Path) -> int:
    import sqlite3

    before = path.stat().st_size
    with sqlite3.connect(path) as conn:
        for table in (
            "articles_fts",
            "milestones_fts",
            "articles",
            "milestones",
            "events",
            "aliases",
            "name_forms",
        ):
            conn.execute(f"DROP TABLE {table}")
    with sqlite3.connect(path) as conn:
        conn.execute("VACUUM")
    return before - path.stat().st_size


def pg_index_bytes(store: Store) -> int:
    with store.database.connect() as conn:
        total = 0
        for table in ("articles", "milestones", "events", "aliases", "name_forms"):
            total += conn.execute(text(f"SELECT pg_total_relation_size('{table}')")).scalar() or 0
        total += conn.execute(text("SELECT pg_relation_size('ix_summaries_search')")).scalar() or 0
    return int(total)


def postgres_url() -> tuple[str, Any, str] | None:
    url = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or ("postgresql://postgres@127.0.0.1:5432/test")
    )
    admin = create_engine("postgresql+psycopg://" + url.split("://", 1)[1])
    schema = f"milestones_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError:
        admin.dispose()
        return None
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", admin, schema


def run_store(name: str, url: str, sizes: Callable[[Store], int] | None) -> dict[str, Any]:
    store = Store(url)
    organisations, products, fill_s = fill(store)
    counted = store.index.count()
    found = queries(store, organisations, products)
    write_ms, alone_ms = index_write_cost(store)
    assert sum(1 for _ in every(store.index.milestones, Filters(kinds=("funding",)), "date")) > 0
    result = {
        "name": name,
        "counted": counted,
        "fill_s": fill_s,
        "queries": found,
        "write_ms": write_ms,
        "alone_ms": alone_ms,
    }
    if sizes is not None:
        result["bytes"] = sizes(store)
    store.close()
    return result


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        sqlite = run_store("SQLite", url, None)
        cached = cached_post_ms(url)
        sqlite["bytes"] = sqlite_index_bytes(path)
        results.append(sqlite)
    pg = postgres_url()
    if pg is not None:
        pg_url, admin, schema = pg
        try:
            results.append(run_store("PostgreSQL", pg_url, pg_index_bytes))
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    names = [r["name"] for r in results]
    print(
        f"index at scale: {ARTICLES:,} articles, {ARTICLES * PER_ARTICLE:,} milestones "
        f"(one run; ms, p50 / p95 of {RUNS} varied queries)"
    )
    if pg is None:
        print("PostgreSQL: unreachable (set BENCH_DATABASE_URL), not measured")
    print(f"| query | {' | '.join(names)} |")
    print("|---|" + "---|" * len(names))
    for query in results[0]["queries"]:
        cells = [f"{r['queries'][query][0]:.1f} / {r['queries'][query][1]:.1f}" for r in results]
        print(f"| {query} | {' | '.join(cells)} |")
    worst = {r["name"]: max(p95 for _, p95 in r["queries"].values()) for r in results}
    print("| worst p95 | " + " | ".join(f"{worst[n]:.1f}" for n in names) + " |")
    print(
        "| articles, milestones, events | "
        + " | ".join(f"{a:,}, {m:,}, {e:,}" for a, m, e in (r["counted"] for r in results))
        + " |"
    )
    print(
        "| filling the index (batches of 250) | "
        + " | ".join(
            f"{r['fill_s']:.0f} s ({r['fill_s'] / ARTICLES * 1000:.2f} ms/article)" for r in results
        )
        + " |"
    )
    print(
        "| index size per 1,000 articles | "
        + " | ".join(f"{r['bytes'] / ARTICLES * 1000 / 1e6:.2f} MB" for r in results)
        + " |"
    )
    print(
        "| storing a summary with its index / alone | "
        + " | ".join(f"{r['write_ms']:.2f} / {r['alone_ms']:.2f} ms" for r in results)
        + " |"
    )
    extra = results[0]["write_ms"] - results[0]["alone_ms"]
    print(
        f"cached POST path (SQLite, other boilerplate, in-process): {cached:.2f} ms; it writes "
        f"nothing, so indexing adds 0 to it. A miss's index write ({extra:.2f} ms over "
        f"storing alone) is {extra / cached:.2f}x that path."
    )


if __name__ == "__main__":
    main()
