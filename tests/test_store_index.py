"""The index across articles, on SQLite and PostgreSQL: written with every summary,
names matched, reports of one milestone merged into one event, lists filtered, searched
and paged, summaries stored before it indexed."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from service.article import Article
from service.engines.rules import RulesEngine
from service.errors import BadQuery
from service.index.query import Filters, Page, decode_cursor
from service.pipeline import Summariser
from service.store import Store
from service.store.database import pool_for
from service.store.migrations import MIGRATIONS, migrate
from service.store.tables import milestones, name_forms, summaries
from tests.index_data import keep, milestone, record

SEEDS = Path(__file__).parent.parent / "seeds"
# Written for this test: seed 004's Fast Track designation of IMC002, in other words.
FOLLOW_UP = (
    "Immunofoco's claudin-targeted CAR-T wins FDA Fast Track status\n\n"
    "SHANGHAI -- Immunofoco Biotechnology said its investigational cell therapy IMC-002 has "
    "received Fast Track designation from the US Food and Drug Administration for the "
    "treatment of advanced gastric cancer.\n\n"
    "IMC-002 is an autologous CAR-T therapy directed at Claudin18.2, a protein found on many "
    "gastric and pancreatic tumours. The company said the designation should allow more "
    "frequent meetings with the agency as it plans later-stage studies.\n"
)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store(store_url)
    yield opened
    opened.close()


def test_fast_track_and_orphan_drug_designations_of_one_product_are_two_events(
    store: Store,
) -> None:
    first = "The FDA granted Orphan Drug Designation and Fast Track designation to HG-101."
    later = "HG-101 holds orphan drug designation from the FDA."
    fda = {"product": "HG-101", "authority": "FDA", "organisation": "Harbor Gene"}
    keep(
        store,
        first,
        milestone(first, details={"designation": "orphan_drug"}, **fda),
        milestone(first, details={"designation": "fast_track"}, **fda),
    )
    keep(store, later, milestone(later, details={"designation": "orphan_drug"}, **fda))
    events = store.index.events(Filters(product="HG-101"), Page()).items
    assert sorted(len(e.sources) for e in events) == [1, 2]  # orphan drug twice, Fast Track
    assert all(e.kind == "designation" for e in events)


async def test_a_follow_up_in_other_words_joins_seed_004s_fast_track_designation(
    store: Store,
) -> None:
    summariser = Summariser(store)
    engine = RulesEngine()
    seed = (SEEDS / "004_9443ce3100c31505.txt").read_text()
    await summariser.summarise(Article(seed), engine)
    await summariser.summarise(Article(FOLLOW_UP, url="https://news.example.com/imc-002"), engine)

    timeline = store.index.timeline("product", "imc-002")
    assert timeline is not None
    designations = [e for e in timeline.events if e.kind == "designation"]
    assert len(designations) == 1
    event = designations[0]
    assert len(event.sources) == 2
    assert {s.article.outlet for s in event.sources} == {None, "news.example.com"}
    assert event.authority == "U.S. Food and Drug Administration"  # curated: FDA and US FDA
    assert event.jurisdiction == "US"
    assert event.matched_on == ["kind", "subject", "authority", "jurisdiction", "variant"]
    assert "undated: the only compatible event" in " ".join(s.joined for s in event.sources)
    assert set(timeline.names) == {"IMC002", "IMC-002"}


def test_spellings_legal_suffixes_and_aliases_in_apposition_merge(store: Store) -> None:
    a = "Immunicum AB said the EMA granted IMC-001 PRIME status on 12 May 2024."
    b = "Immunicum said its IMC001 won PRIME support from the European Medicines Agency."
    keep(
        store,
        a,
        milestone(
            a,
            date="2024-05-12",
            organisation="Immunicum AB",
            product="IMC-001",
            authority="EMA",
            jurisdiction="EU",
        ),
    )
    keep(
        store,
        b,
        milestone(
            b,
            date="2024-05",
            organisation="Immunicum",
            product="IMC001",
            authority="European Medicines Agency",
        ),
    )
    c = "Regulators approved exagamglogene autotemcel for sickle cell disease in 2023."
    d = "Casgevy (exagamglogene autotemcel) was approved by the MHRA in November 2023."
    keep(
        store,
        c,
        milestone(
            c,
            kind="marketing_approval",
            date="2023",
            organisation="Vertex",
            product="exagamglogene autotemcel",
        ),
    )
    keep(
        store,
        d,
        milestone(
            d,
            kind="marketing_approval",
            date="2023-11",
            organisation="Vertex",
            product="Casgevy",
            authority="MHRA",
            jurisdiction="GB",
        ),
    )

    events = store.index.events(Filters(), Page(sort="date")).items
    assert len(events) == 2
    prime = next(e for e in events if e.kind == "designation")
    assert (prime.date, len(prime.sources), prime.product) == ("2024-05-12", 2, "IMC-001")
    approval = next(e for e in events if e.kind == "marketing_approval")
    assert (approval.date, len(approval.sources), approval.product) == ("2023-11", 2, "Casgevy")
    # Every name of it finds it, and the organisation's legal form does not matter.
    for name in ("CASGEVY®", "Exagamglogene Autotemcel", "exa-cel"):
        assert store.index.timeline("product", name) is not None
    assert (
        len(store.index.milestones(Filters(organisation="Immunicum AB (publ)"), Page()).items) == 2
    )


def test_different_products_and_conflicting_facts_never_merge(store: Store) -> None:
    texts = [
        ("IMC001 got an IND in the US in April 2023.", "IMC001", "2023-04", "US"),
        ("IMC002 got an IND in the US in April 2023.", "IMC002", "2023-04", "US"),
        ("IMC002 got an IND in China in April 2023.", "IMC002", "2023-04", "CN"),
        ("IMC002 got another IND in the US on 2 May 2024.", "IMC002", "2024-05-02", "US"),
    ]
    for text, product, when, where in texts:
        keep(
            store,
            text,
            milestone(
                text, kind="trial_authorisation", date=when, product=product, jurisdiction=where
            ),
        )
    events = store.index.events(Filters(), Page(limit=10)).items
    assert len(events) == 4
    assert all(len(e.sources) == 1 for e in events)


def test_an_undated_mention_that_could_be_either_of_two_events_stays_apart(store: Store) -> None:
    for text, when in [
        ("X-1 got orphan status in March 2021.", "2021-03"),
        ("X-1 got orphan status in June 2022.", "2022-06"),
        ("X-1 has orphan status.", None),
    ]:
        keep(store, text, milestone(text, date=when, product="X-1"))
    events = store.index.events(Filters(product="X-1"), Page(limit=10)).items
    assert sorted(len(e.sources) for e in events) == [1, 1, 1]
    undated = next(e for e in events if e.date is None)
    assert undated.sources[0].joined == "kept apart: compatible with 2 events"


def test_a_planned_milestone_later_achieved_is_one_event_that_shows_the_progression(
    store: Store,
) -> None:
    a = "Acme plans to file a BLA for AC-9 in 2025."
    b = "Acme has submitted its BLA for AC-9 on 3 March 2025."
    keep(
        store,
        a,
        milestone(a, kind="regulatory_submission", status="planned", date="2025", product="AC-9"),
        published=date(2024, 6, 1),
    )
    keep(
        store,
        b,
        milestone(b, kind="regulatory_submission", date="2025-03-03", product="AC-9"),
        published=date(2025, 3, 4),
    )
    (event,) = store.index.events(Filters(product="AC-9"), Page()).items
    assert event.status == "achieved"
    assert [(s.status, s.published_at) for s in event.progression] == [
        ("planned", "2024-06-01"),
        ("achieved", "2025-03-04"),
    ]


def test_filters_select_milestones_events_and_summaries(store: Store) -> None:
    a = "Acme won FDA clearance of its IND for AC-1 in glioma on 1 February 2024."
    b = "Beta raised $50 million in a Series B round in March 2023."
    keep(
        store,
        a,
        milestone(
            a,
            kind="trial_authorisation",
            date="2024-02-01",
            organisation="Acme Inc.",
            product="AC-1",
            authority="FDA",
            jurisdiction="US",
        ),
        url="https://www.biotech.example/a",
        headline="Acme cleared for glioma trial",
    )
    keep(
        store,
        b,
        milestone(b, kind="funding", date="2023-03", organisation="Beta"),
        headline="Beta raises money",
    )

    def ids(f: Filters) -> list[str]:
        return [m.product or m.organisation for m in store.index.milestones(f, Page()).items]

    assert ids(Filters(kinds=("funding",))) == ["Beta"]
    assert ids(Filters(kinds=("funding", "trial_authorisation"))) == [
        "Beta",
        "AC-1",
    ]  # newest first
    assert ids(Filters(authority="U.S. Food and Drug Administration")) == ["AC-1"]
    assert ids(Filters(jurisdiction="us")) == ["AC-1"]
    assert ids(Filters(organisation="ACME")) == ["AC-1"]
    assert ids(Filters(date_from="2024")) == ["AC-1"]
    assert ids(Filters(date_to="2023-03")) == ["Beta"]  # a month bound includes its days
    assert ids(Filters(date_from="2023-03-31", date_to="2024-01")) == []
    assert ids(Filters(query="glioma")) == ["AC-1"]
    assert ids(Filters(query="rounds")) == ["Beta"]  # stemmed: round, rounds
    assert ids(Filters(status="planned")) == []
    assert [e.kind for e in store.index.events(Filters(organisation="acme"), Page()).items] == [
        "trial_authorisation"
    ]
    found = store.index.articles(Filters(query="Series B"), Page()).items
    assert [a.headline for a in found] == ["Beta raises money"]
    found = store.index.articles(Filters(product="ac 1"), Page()).items
    assert [(a.headline, a.outlet) for a in found] == [
        ("Acme cleared for glioma trial", "biotech.example")
    ]


@pytest.mark.parametrize("sort", ["seen", "-seen", "date", "-date"])
def test_pages_never_repeat_or_skip_a_row_while_new_rows_arrive(store: Store, sort: str) -> None:
    def add(n: int) -> None:
        text = f"Org{n} raised money for P-{n} in {2000 + n % 20}."
        keep(
            store,
            text,
            milestone(
                text,
                kind="funding",
                date=str(2000 + n % 20),
                organisation=f"Org{n}",
                product=f"P-{n}",
            ),
        )

    for n in range(12):
        add(n)
    seen: list[str] = []
    page = Page(sort=sort, limit=5)  # type: ignore[arg-type]
    before = {m.id for m in store.index.milestones(Filters(), Page(limit=500)).items}
    arrived = 0
    while True:
        listing = store.index.milestones(Filters(), page)
        seen += [m.id for m in listing.items]
        add(100 + arrived)  # a new row between pages
        arrived += 1
        if listing.next_cursor is None:
            break
        page = page.following(decode_cursor(listing.next_cursor, sort))
    assert len(seen) == len(set(seen))  # none twice
    assert before <= set(seen)  # every row there at the start was served
    ordered = store.index.milestones(Filters(), Page(sort=sort, limit=500)).items  # type: ignore[arg-type]
    rank = {m.id: i for i, m in enumerate(ordered)}
    assert [rank[i] for i in seen] == sorted(rank[i] for i in seen)  # in order


def test_a_long_timeline_comes_in_pages_that_join_into_the_whole_in_date_order(
    store: Store,
) -> None:
    for n in range(13):  # thirteen events of one product: dated (in no order) and undated
        when = None if n % 5 == 4 else f"20{10 + (n * 7) % 13:02d}"
        text = f"Helix Bio reported milestone {n} of HX-7 ({when or 'no date'})."
        kind = ["funding", "trial_start", "designation", "partnership"][n % 4]
        keep(store, text, milestone(text, kind=kind, date=when, product="HX-7"))
    whole = store.index.timeline("product", "HX-7", Page(sort="date", limit=500))
    assert whole is not None and whole.next_cursor is None and len(whole.events) == 13
    dated = [e.date for e in whole.events if e.date]
    assert dated == sorted(dated) and all(e.date is None for e in whole.events[len(dated) :])
    pages, page = [], Page(sort="date", limit=4)
    while True:
        found = store.index.timeline("product", "HX-7", page)
        assert found is not None and found.names == ["HX-7"]
        pages.append([e.id for e in found.events])
        if found.next_cursor is None:
            break
        page = page.following(decode_cursor(found.next_cursor, "date"))
    assert [len(p) for p in pages] == [4, 4, 4, 1]
    assert [i for p in pages for i in p] == [e.id for e in whole.events]
    # an events list's cursor (three values, not four) is not a timeline's
    listing = store.index.events(Filters(), Page(sort="date", limit=1))
    assert listing.next_cursor is not None
    with pytest.raises(BadQuery, match="not a cursor this service gave out"):
        store.index.timeline(
            "product", "HX-7", Page(sort="date", after=decode_cursor(listing.next_cursor, "date"))
        )
    assert store.index.timeline("product", "HX-8", page) is None  # nothing for that name


def test_a_cursor_from_elsewhere_is_refused() -> None:
    with pytest.raises(BadQuery):
        decode_cursor("not-a-cursor", "date")
    with pytest.raises(BadQuery):
        Filters(date_from="2023-13")
    with pytest.raises(BadQuery):
        Page(limit=0)


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "value",
    [
        ["-seen", [10**30]],  # beyond 64 bits, either sign: no column holds it
        ["-seen", [-(10**30)]],
        ["-seen", [2**63]],
        ["-seen", [True]],
        ["-seen", [1.5]],
        ["-seen", [[1]]],
        ["date", [0, "2024\u0000", 3]],
        ["date", [0, "x" * 301, 3]],
        "[" * 8000,
    ],
)
def test_a_cursor_holding_what_no_index_column_can_is_refused(value: object) -> None:
    cursor = _cursor(value) if not isinstance(value, str) else _cursor_raw(value)
    with pytest.raises(BadQuery, match="not a cursor this service gave out|at most 500"):
        decode_cursor(cursor, str(value[0]) if isinstance(value, list) else "-seen")


def _cursor_raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def test_a_cursor_of_the_wrong_types_for_its_sort_is_refused_by_the_store(store: Store) -> None:
    keep(store, "Acme got an IND for AC-1 in 2024.", milestone("Acme got an IND for AC-1 in 2024."))
    for sort, key in (("-seen", ("x",)), ("date", ("a", 5, "b")), ("date", (0, 5, 1))):
        with pytest.raises(BadQuery, match="not a cursor"):
            store.index.milestones(Filters(), Page(sort=sort, after=key))  # type: ignore[arg-type]
        with pytest.raises(BadQuery, match="not a cursor"):
            store.index.events(Filters(), Page(sort=sort, after=key))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"date_to": "9999-12-31"}, "outside the years"),
        ({"date_from": "0000-01-01"}, "outside the years"),
        ({"jurisdiction": "\u0000"}, "NUL"),
        ({"product": "x" * 301}, "at most 300 characters"),
        ({"query": "word " * 200}, "at most 500 characters"),
        ({"kinds": ("typo",)}, "no milestone kind 'typo'"),
        ({"status": "done"}, "status must be one of"),
    ],
)
def test_filters_refuse_values_no_list_can_use(given: dict[str, Any], says: str) -> None:
    with pytest.raises(BadQuery, match=says):
        Filters(**given)


def test_a_summary_indexed_again_replaces_its_rows(store: Store) -> None:
    text = "Acme got an IND for AC-1 in 2024. Acme opened a plant in 2024."
    keep(store, text, milestone("Acme got an IND for AC-1 in 2024.", kind="trial_authorisation"))
    keep(store, text, milestone("Acme opened a plant in 2024.", kind="facility"))
    assert store.index.count() == (1, 1, 1)
    assert store.index.milestones(Filters(query="IND"), Page()).items == []
    assert len(store.index.milestones(Filters(query="plant"), Page()).items) == 1


def test_a_summary_indexed_again_rewrites_only_what_changed(store: Store) -> None:
    text = "Acme got an IND for AC-1 in 2024. Acme opened a plant in 2024."
    ind = milestone("Acme got an IND for AC-1 in 2024.", kind="trial_authorisation")
    plant = milestone("Acme opened a plant in 2024.", kind="facility")
    sid = keep(store, text, ind, plant)
    other = "Beta raised money in 2025."
    keep(store, other, milestone(other, kind="funding", organisation="Beta"))

    def rows() -> dict[str, tuple[int, str | None]]:
        with store.database.connect() as conn:
            found = conn.execute(select(milestones.c.id, milestones.c.seq, milestones.c.event_id))
            return {mid: (seq, event) for mid, seq, event in found}

    (article,) = store.index.articles(Filters(organisation="Immunofoco"), Page()).items
    before = rows()
    keep(store, text, ind, plant)  # refreshed, the same: every row stays as it was
    assert store.index.articles(Filters(organisation="Immunofoco"), Page()).items == [article]
    assert rows() == before

    # Refreshed with the plant now planned and another headline: that row alone is new.
    keep(store, text, ind, {**plant, "status": "planned"}, headline="Acme plans a plant")
    after = rows()
    ind_id, plant_id = f"{sid}:0", f"{sid}:1"
    assert after[ind_id] == before[ind_id]
    assert after[plant_id][0] > max(before.values())[0]  # written again, after the other
    (again,) = store.index.articles(Filters(organisation="Immunofoco"), Page()).items
    assert (again.first_seen, again.headline) == (article.first_seen, "Acme plans a plant")
    assert [
        m.status for m in store.index.milestones(Filters(kinds=("facility",)), Page()).items
    ] == ["planned"]
    assert len(store.index.articles(Filters(query="plans"), Page()).items) == 1
    assert [a.headline for a in store.index.articles(Filters(query="News"), Page()).items] == [
        "News"  # the other article's: the refreshed one's old headline is gone
    ]
    assert len(store.index.milestones(Filters(query="plant"), Page()).items) == 1
    assert store.index.count() == (2, 3, 3)


def test_a_summary_indexed_again_counts_each_way_of_writing_a_name_once(store: Store) -> None:
    text = "Acme Bio got an IND for AC-1. ACME BIO opened a plant in 2024. A third line."
    ind = milestone("Acme Bio got an IND for AC-1.", kind="trial_authorisation",
                    organisation="Acme Bio", product="AC-1")  # fmt: skip
    keep(store, "Acme Bio raised money for AC 1 in 2023.",
         milestone("Acme Bio raised money for AC 1 in 2023.", kind="funding",
                   organisation="Acme Bio", product="AC 1"))  # fmt: skip
    keep(store, text, ind)
    keep(store, text, ind)  # the same again: nothing counted twice
    plant = milestone("ACME BIO opened a plant in 2024.", kind="facility",
                      organisation="ACME BIO", product="AC-1")  # fmt: skip
    keep(store, text, plant)  # again, the name now written in capitals

    def forms() -> dict[str, int]:
        with store.database.connect() as conn:
            return {f: n for f, n in conn.execute(select(name_forms.c.form, name_forms.c.articles))}

    assert forms() == {"Acme Bio": 1, "ACME BIO": 1, "AC-1": 1, "AC 1": 1}
    keep(store, text, ind)  # and back: "ACME BIO" is no longer written anywhere
    assert forms() == {"Acme Bio": 2, "AC-1": 1, "AC 1": 1}


OLD_TEXT = "Acme got an IND for AC-1 in 2024."


def stored_before_the_index(store_url: str, records: dict[str, str]) -> None:
    """A database as the release before the index left it, holding these records (JSON
    by summary id) of ``OLD_TEXT``."""
    old = pool_for(store_url)
    try:
        with old.begin() as conn:
            migrate(conn, MIGRATIONS[:6])  # the release before the index
            for sid, body in records.items():
                conn.execute(
                    summaries.insert().values(
                        id=sid,
                        cache_key=sid.ljust(64, "k"),
                        record=body,
                        engine="rules",
                        created_at=date(2026, 1, 1),
                        text=OLD_TEXT,
                    )
                )
    finally:
        old.dispose()


def old_record() -> str:
    return record(
        OLD_TEXT, milestone(OLD_TEXT, kind="trial_authorisation", product="AC-1")
    ).model_dump_json()


def test_summaries_stored_before_the_index_are_indexed_when_the_store_opens(
    store_url: str,
) -> None:
    stored_before_the_index(store_url, {"s_old": old_record()})
    reopened = Store(store_url)
    try:
        assert reopened.index.count() == (1, 1, 1)
        (found,) = reopened.index.milestones(Filters(product="AC 1"), Page()).items
        assert found.article.summary_id == "s_old"
        assert len(reopened.index.articles(Filters(query="IND"), Page()).items) == 1
        with reopened.database.connect() as conn:
            assert conn.scalars(select(summaries.c.id)).all() == ["s_old"]
    finally:
        reopened.close()


def test_a_name_in_apposition_with_one_product_after_another_joins_only_a_few(
    store: Store,
) -> None:
    for n in range(12):
        text = f"Brandix (AB-{100 + n}) was cleared in 2024."
        keep(store, text, milestone(text, kind="trial_authorisation", product="Brandix"))
    timeline = store.index.timeline("product", "Brandix")
    assert timeline is not None
    assert len(timeline.names) <= 8 and "Brandix" in timeline.names
    assert store.index.timeline("product", "AB-100") is not None  # the first ones joined
    assert store.index.timeline("product", "AB-111") is None  # the later ones did not


def test_a_stored_record_that_no_longer_parses_does_not_stop_the_backfill(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.store.index_write as writing

    monkeypatch.setattr(writing, "BATCH", 1)  # a page of one: the bad record fills it
    bad = '{"no": "longer a record"}'
    stored_before_the_index(store_url, {"s_a_bad": bad, "s_b_good": old_record()})
    reopened = Store(store_url)
    try:
        assert reopened.index.count() == (1, 1, 1)
    finally:
        reopened.close()
