"""The index across articles: written with every stored summary, read by the lists,
timelines, exports and search.

Writing an article's summary (``write_in``, in the summary's own transaction):

1. its previous index rows go, if it is re-indexed (a forced refresh);
2. the article row and its full-text entry;
3. aliases the article writes in apposition join their names (``service.index.names``):
   milestones already stored under either name move to the shared key;
4. its milestones, each with its names matched and its group (kind and subject);
5. every group touched is merged again into events (``service.index.events``).

Reading: ``articles``, ``milestones`` and ``events`` list with filters and keyset
cursors (``service.index.query``); ``timeline`` gives a product's or organisation's
events in date order. Full-text search is FTS5 on SQLite and tsvector/GIN on PostgreSQL.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)

from schemas import SummaryRecord
from schemas.v1 import EvidenceSpan, parse_partial_date
from service.errors import BadQuery
from service.index.events import Member, merge
from service.index.models import (
    ArticleRef,
    EventSource,
    IndexedArticle,
    IndexedEvent,
    IndexedMilestone,
    ListPage,
    Step,
    Timeline,
)
from service.index.names import Curated, NameSpace, curated, learned_aliases, name_key
from service.index.query import Filters, Page, Sort, decode_cursor, encode_cursor, fts_terms
from service.store.database import Database
from service.store.tables import (
    PG_ARTICLE_TSV,
    PG_MILESTONE_TSV,
    PG_TEXT_TSV,
    aliases,
    articles,
    events,
    milestones,
    name_forms,
    summaries,
)

T = TypeVar("T")
# At most this many names share a key by learned aliases (a brand, an INN, a short INN,
# codes old and new): an article that would join more (a brand in apposition with one
# code after another) is taken to be wrong, and the names stay apart.
MAX_ALIASES = 8
BATCH = 500  # rows per page when a whole listing is read (exports, backfill)


@dataclass(frozen=True)
class ArticleFacts:
    """What the index keeps of an article besides its summary."""

    url: str | None = None
    source: str | None = None
    published: date | None = None


def outlet_of(url: str | None) -> str | None:
    """The publisher's host (``www.`` dropped) of an http(s) URL."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host[:200] or None


def _words(row: Any) -> str:
    """What a milestone's full-text entry holds."""
    parts = (row.title, row.evidence, row.organisation, row.product, row.authority, row.indication)
    return " ".join(p for p in parts if p)


def _group(kind: str, product: str | None, organisation: str) -> str:
    return f"{kind}|p:{product}" if product else f"{kind}|o:{organisation}"


def _date_bound(value: str, *, end: bool) -> str:
    """A partial date as a bound: its first day's prefix, or (end) the next period's."""
    if not end:
        return value
    year, month, day = parse_partial_date(value)
    if month is None:
        return f"{year + 1:04d}"
    if day is None:
        return f"{year + (month == 12):04d}-{month % 12 + 1:02d}"
    return (date(year, month, day) + timedelta(days=1)).isoformat()


def _after(order: Sequence[tuple[Any, bool]], key: Sequence[Any]) -> ColumnElement[bool]:
    """Rows sorting after ``key`` in ``order`` (columns, descending?): the keyset."""
    clauses = []
    for i, (column, descending) in enumerate(order):
        same = [order[j][0] == key[j] for j in range(i)]
        clauses.append(and_(*same, column < key[i] if descending else column > key[i]))
    return or_(*clauses)


class IndexStore:
    """The index tables: articles, milestones, events, aliases and name forms."""

    def __init__(self, db: Database, names: Curated | None = None) -> None:
        self.db = db
        self.curated = names or curated()
        self.sqlite = db.dialect == "sqlite"
        # Built once: every stored summary runs them.
        m, f = milestones.c, name_forms.c
        upsert = db.insert(name_forms)
        self._add_forms = upsert.on_conflict_do_update(
            index_elements=[f.space, f.key, f.form],
            set_={"articles": f.articles + upsert.excluded.articles},
        )
        self._drop_forms = (
            update(name_forms)
            .where(
                f.space == bindparam("b_space"),
                f.key == bindparam("b_key"),
                f.form == bindparam("b_form"),
            )
            .values(articles=f.articles + bindparam("b_articles"))
        )
        self._learned = select(aliases.c.key, aliases.c.canonical).where(
            aliases.c.space == bindparam("space"),
            aliases.c.key.in_(bindparam("keys", expanding=True)),
        )
        self._class_sizes = select(func.count()).where(
            aliases.c.space == bindparam("space"),
            aliases.c.canonical.in_(bindparam("keys", expanding=True)),
        )
        groups: Any = bindparam("groups", expanding=True)
        self._drop_events = delete(events).where(events.c.group_key.in_(groups))
        self._members = select(
            m.seq,
            m.id,
            m.status,
            m.date,
            m.authority_canon,
            m.jurisdiction,
            m.group_key,
            m.event_id,
            m.joined,
        ).where(m.group_key.in_(groups))
        self._assign = (
            update(milestones)
            .where(m.id == bindparam("mid"))
            .values(event_id=bindparam("event"), joined=bindparam("why"))
        )
        self._article_by_id = select(articles).where(articles.c.summary_id == bindparam("sid"))
        self._milestones_of = select(milestones).where(m.summary_id == bindparam("sid"))

    # -- writing --------------------------------------------------------------------------

    def write_in(
        self,
        conn: Connection,
        summary_id: str,
        record: SummaryRecord,
        body: str | None,
        facts: ArticleFacts,
    ) -> None:
        """Index a summary (before it is stored, in the same transaction): replaces the
        article's rows if it was indexed before."""
        touched = self._remove_in(conn, summary_id)
        summary = record.summary
        url = facts.url or (record.source if outlet_of(record.source) else None)
        values = {
            "summary_id": summary_id,
            "url": url,
            "source": facts.source or record.source,
            "outlet": outlet_of(url),
            "published_at": facts.published.isoformat() if facts.published else None,
            "headline": summary.headline,
            "summary": summary.summary,
            "engine": record.meta.engine,
            "milestones": len(summary.milestones),
            "first_seen": datetime.now(UTC),
        }
        key = conn.execute(articles.insert().values(**values)).inserted_primary_key
        assert key is not None
        if self.sqlite:
            conn.execute(
                text(
                    "INSERT INTO articles_fts(rowid, headline, summary, body) "
                    "VALUES (:seq, :headline, :summary, :body)"
                ),
                {
                    "seq": key[0],
                    "headline": summary.headline,
                    "summary": summary.summary,
                    "body": body or "",
                },
            )
        names = [p.name for p in summary.products] + [
            m.product for m in summary.milestones if m.product
        ]
        for product, alias in learned_aliases(body or "", names):
            touched |= self._join_in(conn, "product", name_key(product), name_key(alias))
        wanted: dict[NameSpace, set[str]] = {"product": set(), "organisation": set()}
        for m in summary.milestones:
            if m.product:
                wanted["product"].add(name_key(m.product))
            wanted["organisation"].add(name_key(m.organisation))
            if m.authority:
                wanted["organisation"].add(name_key(m.authority))
        canon = {space: self._canons_in(conn, space, keys) for space, keys in wanted.items()}

        def matched(space: NameSpace, name: str | None) -> tuple[str | None, str | None]:
            if name is None:
                return None, None
            key = name_key(name)
            return key, canon[space][key]

        rows = []
        forms: set[tuple[NameSpace, str, str]] = set()
        for position, m in enumerate(summary.milestones):
            product_key, product_canon = matched("product", m.product)
            organisation_key, organisation_canon = matched("organisation", m.organisation)
            authority_key, authority_canon = matched("organisation", m.authority)
            assert organisation_key is not None and organisation_canon is not None
            group = _group(m.kind, product_canon, organisation_canon)
            touched.add(group)
            rows.append(
                {
                    "id": f"{summary_id}:{position}",
                    "summary_id": summary_id,
                    "position": position,
                    "kind": m.kind,
                    "status": m.status,
                    "title": m.title,
                    "date": m.date,
                    "undated": int(m.date is None),
                    "date_sort": m.date or "",
                    "organisation": m.organisation,
                    "organisation_key": organisation_key,
                    "organisation_canon": organisation_canon,
                    "authority": m.authority,
                    "authority_key": authority_key,
                    "authority_canon": authority_canon,
                    "jurisdiction": m.jurisdiction,
                    "product": m.product,
                    "product_key": product_key,
                    "product_canon": product_canon,
                    "indication": m.indication,
                    "evidence": m.evidence,
                    "span_start": m.evidence_span.start,
                    "span_end": m.evidence_span.end,
                    "alignment": m.alignment,
                    "group_key": group,
                }
            )
            if m.product and product_key:
                forms.add(("product", product_key, m.product[:300]))
            forms.add(("organisation", organisation_key, m.organisation[:300]))
            if m.authority and authority_key:
                forms.add(("organisation", authority_key, m.authority[:300]))
        if rows:
            conn.execute(milestones.insert(), rows)
            if self.sqlite:
                stored = conn.execute(self._milestones_of, {"sid": summary_id}).all()
                conn.execute(
                    text("INSERT INTO milestones_fts(rowid, words) VALUES (:seq, :words)"),
                    [{"seq": row.seq, "words": _words(row)} for row in stored],
                )
        self._count_forms_in(conn, forms, +1)
        self._regroup_in(conn, touched)

    def _remove_in(self, conn: Connection, summary_id: str) -> set[str]:
        """Drop an article's index rows; the groups its milestones were in."""
        article = conn.execute(select(articles).where(articles.c.summary_id == summary_id)).first()
        if article is None:
            return set()
        rows = conn.execute(self._milestones_of, {"sid": summary_id}).all()
        if self.sqlite:
            body = conn.execute(
                select(summaries.c.text).where(summaries.c.id == summary_id)
            ).scalar()
            conn.execute(
                text(
                    "INSERT INTO articles_fts(articles_fts, rowid, headline, summary, body) "
                    "VALUES ('delete', :seq, :headline, :summary, :body)"
                ),
                {
                    "seq": article.seq,
                    "headline": article.headline,
                    "summary": article.summary,
                    "body": body or "",
                },
            )
            if rows:
                conn.execute(
                    text(
                        "INSERT INTO milestones_fts(milestones_fts, rowid, words) "
                        "VALUES ('delete', :seq, :words)"
                    ),
                    [{"seq": row.seq, "words": _words(row)} for row in rows],
                )
        forms: set[tuple[NameSpace, str, str]] = set()
        for row in rows:
            if row.product and row.product_key:
                forms.add(("product", row.product_key, row.product[:300]))
            forms.add(("organisation", row.organisation_key, row.organisation[:300]))
            if row.authority and row.authority_key:
                forms.add(("organisation", row.authority_key, row.authority[:300]))
        self._count_forms_in(conn, forms, -1)
        conn.execute(delete(milestones).where(milestones.c.summary_id == summary_id))
        conn.execute(delete(articles).where(articles.c.summary_id == summary_id))
        return {row.group_key for row in rows}

    def _count_forms_in(
        self, conn: Connection, forms: set[tuple[NameSpace, str, str]], step: int
    ) -> None:
        """Count (or, step -1, uncount) an article's ways of writing names."""
        if not forms:
            return
        rows = [{"space": sp, "key": k, "form": f, "articles": step} for sp, k, f in sorted(forms)]
        if step > 0:
            conn.execute(self._add_forms, rows)
            return
        conn.execute(self._drop_forms, [{f"b_{k}": v for k, v in row.items()} for row in rows])
        conn.execute(delete(name_forms).where(name_forms.c.articles <= 0))

    def _canons_in(self, conn: Connection, space: NameSpace, keys: set[str]) -> dict[str, str]:
        """The shared key of each name key: curated, learned, or its own (one read)."""
        found = {key: self.curated.canonical(space, key) for key in keys}
        open_keys = sorted(key for key, shared in found.items() if shared is None)
        learned: dict[str, str] = {}
        if open_keys:
            learned = dict(conn.execute(self._learned, {"space": space, "keys": open_keys}).all())
        return {key: shared or learned.get(key, key) for key, shared in found.items()}

    def _canon_in(self, conn: Connection, space: NameSpace, key: str) -> str:
        """The key a name shares with its aliases: curated, learned, or its own."""
        return self._canons_in(conn, space, {key})[key]

    def _join_in(self, conn: Connection, space: NameSpace, a: str, b: str) -> set[str]:
        """Make two names aliases; the groups whose milestones moved (to merge again)."""
        ca, cb = self._canon_in(conn, space, a), self._canon_in(conn, space, b)
        if ca == cb:
            return set()
        curated_a = self.curated.canonical(space, a) is not None
        curated_b = self.curated.canonical(space, b) is not None
        if curated_a and curated_b:
            return set()  # the curated list keeps them apart
        sizes = conn.execute(self._class_sizes, {"space": space, "keys": [ca, cb]}).scalar() or 0
        if sizes + 2 > MAX_ALIASES:
            return set()  # a name that joins ever more names is a mistake: keep them apart
        target = ca if curated_a else cb if curated_b else min(ca, cb)
        other = cb if target == ca else ca
        conn.execute(
            update(aliases)
            .where(aliases.c.space == space, aliases.c.canonical == other)
            .values(canonical=target)
        )
        for key in {a, b, other} - {target}:
            if self.curated.canonical(space, key) is None:
                conn.execute(delete(aliases).where(aliases.c.space == space, aliases.c.key == key))
                conn.execute(aliases.insert().values(space=space, key=key, canonical=target))
        m = milestones.c
        columns = (
            [m.product_canon] if space == "product" else [m.organisation_canon, m.authority_canon]
        )
        moved: set[str] = set()
        for column in columns:
            moved |= set(conn.scalars(select(m.group_key).where(column == other).distinct()))
            conn.execute(update(milestones).where(column == other).values({column.name: target}))
        if space == "product":
            regroup = m.kind + literal_column("'|p:'") + m.product_canon
            conn.execute(
                update(milestones).where(m.product_canon == target).values(group_key=regroup)
            )
        else:
            regroup = m.kind + literal_column("'|o:'") + m.organisation_canon
            conn.execute(
                update(milestones)
                .where(m.organisation_canon == target, m.product_canon.is_(None))
                .values(group_key=regroup)
            )
        moved |= set(
            conn.scalars(select(m.group_key).where(or_(*[c == target for c in columns])).distinct())
        )
        return moved

    def _regroup_in(self, conn: Connection, groups: set[str]) -> None:
        """Merge the milestones of these groups into events again (their events go
        first: a milestone that moved group keeps its id, and so may its event)."""
        if not groups:
            return
        keys = sorted(groups)
        conn.execute(self._drop_events, {"groups": keys})
        rows = conn.execute(self._members, {"groups": keys}).all()
        by_group: dict[str, list[Any]] = {}
        for row in rows:
            by_group.setdefault(row.group_key, []).append(row)
        event_rows: list[dict[str, Any]] = []
        assigned: list[dict[str, Any]] = []
        for group, members in sorted(by_group.items()):
            seqs = {row.id: row.seq for row in members}
            was = {row.id: (row.event_id, row.joined) for row in members}
            kind, subject = group.split("|", 1)
            space = "product" if subject.startswith("p:") else "organisation"
            merged = merge(
                [
                    Member(row.id, row.status, row.date, row.authority_canon, row.jurisdiction)
                    for row in members
                ]
            )
            for found in merged:
                event_id = f"e_{found.id}"
                event_rows.append(
                    {
                        "id": event_id,
                        "group_key": group,
                        "kind": kind,
                        "subject_space": space,
                        "subject": subject[2:],
                        "authority_canon": found.authority,
                        "jurisdiction": found.jurisdiction,
                        "date": found.date,
                        "undated": int(found.date is None),
                        "date_sort": found.date or "",
                        "status": found.status,
                        "sources": len(found.members),
                        "first_seq": min(seqs[x.id] for x in found.members),
                        "matched_on": json.dumps(found.matched_on()),
                    }
                )
                assigned += [  # only the rows that change (fewer dead rows to vacuum)
                    {"mid": x.id, "event": event_id, "why": found.joined[x.id]}
                    for x in found.members
                    if was[x.id] != (event_id, found.joined[x.id])
                ]
        if event_rows:
            conn.execute(events.insert(), event_rows)
        if assigned:
            conn.execute(self._assign, assigned)

    # -- backfill ---------------------------------------------------------------------------

    def backfill(self) -> int:
        """Index the summaries stored before the index existed (or by an older release
        still running beside this one); how many were indexed."""
        s, a = summaries.c, articles.c
        missing = (
            select(s.id, s.record, s.text)
            .where(~exists().where(a.summary_id == s.id))
            .order_by(s.id)
            .limit(BATCH)
        )
        done = 0
        while True:
            with self.db.begin() as conn:
                if not self.sqlite:  # replicas opening together: one backfills at a time
                    conn.execute(text("SELECT pg_advisory_xact_lock(4242002)"))
                rows = conn.execute(missing).all()
                for row in rows:
                    try:
                        record = SummaryRecord.model_validate_json(row.record)
                    except ValueError:
                        continue  # no longer fits the schema: made afresh when asked for
                    self.write_in(conn, row.id, record, row.text, ArticleFacts())
                    done += 1
            if len(rows) < BATCH:
                return done

    # -- reading ----------------------------------------------------------------------------

    def canon(self, space: NameSpace, name: str) -> str:
        with self.db.connect() as conn:
            return self._canon_in(conn, space, name_key(name))

    def _fts_articles(self, query: str) -> ColumnElement[bool]:
        a = articles.c
        words = fts_terms(query)
        if self.sqlite:
            match = " ".join('"' + w.replace('"', "") + '"' for w in words)
            hits = text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q").bindparams(
                q=match
            )
            return a.seq.in_(hits.columns(literal_column("rowid")))
        q = func.plainto_tsquery("english", " ".join(words))
        in_text = select(summaries.c.id).where(literal_column(PG_TEXT_TSV).op("@@")(q))
        return or_(literal_column(PG_ARTICLE_TSV).op("@@")(q), a.summary_id.in_(in_text))

    def _fts_milestones(self, query: str) -> ColumnElement[bool]:
        words = fts_terms(query)
        if self.sqlite:
            match = " ".join('"' + w.replace('"', "") + '"' for w in words)
            hits = text(
                "SELECT rowid FROM milestones_fts WHERE milestones_fts MATCH :q"
            ).bindparams(q=match)
            return milestones.c.seq.in_(hits.columns(literal_column("rowid")))
        q = func.plainto_tsquery("english", " ".join(words))
        return literal_column(PG_MILESTONE_TSV).op("@@")(q)

    def _milestone_conditions(self, conn: Connection, f: Filters) -> list[ColumnElement[bool]]:
        m = milestones.c
        where: list[ColumnElement[bool]] = []
        if f.kinds:
            where.append(m.kind.in_(f.kinds))
        if f.status:
            where.append(m.status == f.status)
        if f.product:
            where.append(m.product_canon == self._canon_in(conn, "product", name_key(f.product)))
        if f.organisation:
            key = self._canon_in(conn, "organisation", name_key(f.organisation))
            where.append(m.organisation_canon == key)
        if f.authority:
            key = self._canon_in(conn, "organisation", name_key(f.authority))
            where.append(m.authority_canon == key)
        if f.jurisdiction:
            where.append(m.jurisdiction == f.jurisdiction.upper())
        if f.date_from:
            where += [m.undated == 0, m.date_sort >= _date_bound(f.date_from, end=False)]
        if f.date_to:
            where += [m.undated == 0, m.date_sort < _date_bound(f.date_to, end=True)]
        if f.query:
            where.append(self._fts_milestones(f.query))
        if f.article:
            where.append(m.summary_id == f.article)
        return where

    def _paged(self, stmt: Select[Any], order: list[tuple[Any, bool]], page: Page) -> Select[Any]:
        if page.after is not None:
            if len(page.after) != len(order):
                raise BadQuery("cursor is not a cursor this service gave out")
            stmt = stmt.where(_after(order, page.after))
        ordering = [col.desc() if desc else col.asc() for col, desc in order]
        return stmt.order_by(*ordering).limit(page.limit + 1)

    def milestones(self, f: Filters, page: Page) -> ListPage[IndexedMilestone]:
        m, a = milestones.c, articles.c
        order = {
            "-seen": [(m.seq, True)],
            "seen": [(m.seq, False)],
            "date": [(m.undated, False), (m.date_sort, False), (m.seq, False)],
            "-date": [(m.undated, False), (m.date_sort, True), (m.seq, True)],
        }[page.sort]
        with self.db.connect() as conn:
            stmt = (
                select(milestones, a.url, a.outlet, a.published_at, a.headline)
                .join(articles, a.summary_id == m.summary_id)
                .where(*self._milestone_conditions(conn, f))
            )
            rows = conn.execute(self._paged(stmt, order, page)).all()
        more = len(rows) > page.limit
        rows = rows[: page.limit]
        cursor = None
        if more:
            last = rows[-1]
            cursor = encode_cursor(page.sort, tuple(getattr(last, c.name) for c, _ in order))
        return ListPage[IndexedMilestone](
            items=[_milestone(row) for row in rows], next_cursor=cursor
        )

    def _event_conditions(self, conn: Connection, f: Filters) -> list[ColumnElement[bool]]:
        e, m = events.c, milestones.c
        where: list[ColumnElement[bool]] = []
        if f.kinds:
            where.append(e.kind.in_(f.kinds))
        if f.status:
            where.append(e.status == f.status)
        if f.product:
            key = self._canon_in(conn, "product", name_key(f.product))
            where += [e.subject_space == "product", e.subject == key]
        if f.authority:
            key = self._canon_in(conn, "organisation", name_key(f.authority))
            where.append(e.authority_canon == key)
        if f.jurisdiction:
            where.append(e.jurisdiction == f.jurisdiction.upper())
        if f.date_from:
            where += [e.undated == 0, e.date_sort >= _date_bound(f.date_from, end=False)]
        if f.date_to:
            where += [e.undated == 0, e.date_sort < _date_bound(f.date_to, end=True)]
        by_source = Filters(organisation=f.organisation, query=f.query, article=f.article)
        source_where = self._milestone_conditions(conn, by_source)
        if source_where:
            where.append(e.id.in_(select(m.event_id).where(*source_where)))
        return where

    def events(self, f: Filters, page: Page) -> ListPage[IndexedEvent]:
        e = events.c
        order = {
            "-seen": [(e.first_seq, True), (e.id, True)],
            "seen": [(e.first_seq, False), (e.id, False)],
            "date": [(e.undated, False), (e.date_sort, False), (e.id, False)],
            "-date": [(e.undated, False), (e.date_sort, True), (e.id, True)],
        }[page.sort]
        with self.db.connect() as conn:
            stmt = select(events).where(*self._event_conditions(conn, f))
            rows = conn.execute(self._paged(stmt, order, page)).all()
            more = len(rows) > page.limit
            rows = rows[: page.limit]
            items = self._events_in(conn, rows)
        cursor = None
        if more:
            last = rows[-1]
            cursor = encode_cursor(page.sort, tuple(getattr(last, c.name) for c, _ in order))
        return ListPage[IndexedEvent](items=items, next_cursor=cursor)

    def _events_in(self, conn: Connection, rows: Sequence[Any]) -> list[IndexedEvent]:
        """Events with their sources and display names (three queries for a page)."""
        if not rows:
            return []
        m, a = milestones.c, articles.c
        sources = conn.execute(
            select(milestones, a.url, a.outlet, a.published_at, a.headline)
            .join(articles, a.summary_id == m.summary_id)
            .where(m.event_id.in_([row.id for row in rows]))
            .order_by(a.published_at, m.seq)
        ).all()
        by_event: dict[str, list[Any]] = {}
        for source in sources:
            by_event.setdefault(source.event_id, []).append(source)
        wanted: dict[NameSpace, set[str]] = {"product": set(), "organisation": set()}
        for row in rows:
            wanted[row.subject_space].add(row.subject)
            if row.authority_canon:
                wanted["organisation"].add(row.authority_canon)
        for source in sources:
            wanted["organisation"].add(source.organisation_canon)
        shown = {space: self._display_in(conn, space, keys) for space, keys in wanted.items()}
        items = []
        for row in rows:
            members = by_event.get(row.id, [])
            organisations = Counter(s.organisation_canon for s in members)
            top = min(organisations, key=lambda k: (-organisations[k], k)) if members else None
            organisation = (
                shown["organisation"].get(top, members[0].organisation) if top else row.subject
            )
            steps: list[Step] = []
            for s in members:
                if not steps or steps[-1].status != s.status:
                    steps.append(
                        Step(
                            status=s.status,
                            date=s.date,
                            summary_id=s.summary_id,
                            published_at=s.published_at,
                        )
                    )
            items.append(
                IndexedEvent(
                    id=row.id,
                    kind=row.kind,
                    status=row.status,
                    date=row.date,
                    product=shown["product"].get(row.subject)
                    if row.subject_space == "product"
                    else None,
                    organisation=organisation,
                    authority=shown["organisation"].get(row.authority_canon)
                    if row.authority_canon
                    else None,
                    jurisdiction=row.jurisdiction,
                    matched_on=json.loads(row.matched_on),
                    progression=steps if len({s.status for s in members}) > 1 else [],
                    sources=[
                        EventSource(
                            milestone_id=s.id,
                            status=s.status,
                            date=s.date,
                            evidence=s.evidence,
                            evidence_span=EvidenceSpan(start=s.span_start, end=s.span_end),
                            joined=s.joined or "",
                            article=_article_ref(s),
                        )
                        for s in members
                    ],
                )
            )
        return items

    def _display_in(self, conn: Connection, space: NameSpace, keys: set[str]) -> dict[str, str]:
        """The name shown for each matched key: the curated one, else the form most
        articles use (ties: the first in alphabetical order)."""
        if not keys:
            return {}
        owner = {key: key for key in keys}
        for key, canonical in conn.execute(
            select(aliases.c.key, aliases.c.canonical).where(
                aliases.c.space == space, aliases.c.canonical.in_(keys)
            )
        ):
            owner[key] = canonical
        counts: dict[str, Counter[str]] = {}
        for key, form, n in conn.execute(
            select(name_forms.c.key, name_forms.c.form, name_forms.c.articles).where(
                name_forms.c.space == space, name_forms.c.key.in_(list(owner))
            )
        ):
            counts.setdefault(owner[key], Counter())[form] += n
        shown = {}
        for key in keys:
            fixed = self.curated.display.get((space, key))
            if fixed is not None and name_key(fixed) == key:
                shown[key] = fixed
            elif key in counts:
                forms = counts[key]
                shown[key] = min(forms, key=lambda f: (-forms[f], f))
        return shown

    def timeline(self, space: NameSpace, name: str, limit: int = 1000) -> Timeline | None:
        """A product's or organisation's events in date order (undated last); None when
        the index holds none."""
        e, m = events.c, milestones.c
        with self.db.connect() as conn:
            key = self._canon_in(conn, space, name_key(name))
            if space == "product":
                where = and_(e.subject_space == "product", e.subject == key)
            else:
                where = e.id.in_(select(m.event_id).where(m.organisation_canon == key))
            rows = conn.execute(
                select(events)
                .where(where)
                .order_by(e.undated, e.date_sort, e.first_seq, e.id)
                .limit(limit)
            ).all()
            if not rows:
                return None
            items = self._events_in(conn, rows)
            shown = self._display_in(conn, space, {key})
            keys = [
                key,
                *conn.scalars(
                    select(aliases.c.key).where(
                        aliases.c.space == space, aliases.c.canonical == key
                    )
                ),
            ]
            forms = sorted(
                set(
                    conn.scalars(
                        select(name_forms.c.form).where(
                            name_forms.c.space == space, name_forms.c.key.in_(keys)
                        )
                    )
                )
            )
        return Timeline(name=shown.get(key, name), kind=space, names=forms, events=items)

    def articles(self, f: Filters, page: Page) -> ListPage[IndexedArticle]:
        a = articles.c
        if page.sort not in ("seen", "-seen"):
            raise BadQuery("summaries are listed by sort=-seen (newest first) or sort=seen")
        order = [(a.seq, page.sort == "-seen")]
        with self.db.connect() as conn:
            where: list[ColumnElement[bool]] = []
            if f.query:
                where.append(self._fts_articles(f.query))
            if f.date_from:
                where.append(a.published_at >= _date_bound(f.date_from, end=False))
            if f.date_to:
                where.append(a.published_at < _date_bound(f.date_to, end=True))
            if f.article:
                where.append(a.summary_id == f.article)
            by_milestone = Filters(
                kinds=f.kinds,
                status=f.status,
                product=f.product,
                organisation=f.organisation,
                authority=f.authority,
                jurisdiction=f.jurisdiction,
            )
            inner = self._milestone_conditions(conn, by_milestone)
            if inner:
                where.append(a.summary_id.in_(select(milestones.c.summary_id).where(*inner)))
            rows = conn.execute(self._paged(select(articles).where(*where), order, page)).all()
        more = len(rows) > page.limit
        rows = rows[: page.limit]
        cursor = encode_cursor(page.sort, (rows[-1].seq,)) if more else None
        return ListPage[IndexedArticle](
            items=[_indexed_article(r) for r in rows], next_cursor=cursor
        )

    def count(self) -> tuple[int, int, int]:
        """Articles, milestones and events indexed."""
        with self.db.connect() as conn:
            return (
                conn.scalar(select(func.count()).select_from(articles)) or 0,
                conn.scalar(select(func.count()).select_from(milestones)) or 0,
                conn.scalar(select(func.count()).select_from(events)) or 0,
            )


def every(listing: Callable[[Filters, Page], ListPage[T]], f: Filters, sort: Sort) -> Iterator[T]:
    """Every row a paged listing selects, a page at a time (downloads and exports)."""
    page = Page(sort=sort, limit=BATCH)
    while True:
        found = listing(f, page)
        yield from found.items
        if found.next_cursor is None:
            return
        page = page.following(decode_cursor(found.next_cursor, sort))


def _article_ref(row: Any) -> ArticleRef:
    return ArticleRef(
        summary_id=row.summary_id,
        url=row.url,
        outlet=row.outlet,
        published_at=row.published_at,
        headline=row.headline,
    )


def _milestone(row: Any) -> IndexedMilestone:
    return IndexedMilestone(
        id=row.id,
        event_id=row.event_id,
        kind=row.kind,
        status=row.status,
        title=row.title,
        date=row.date,
        organisation=row.organisation,
        authority=row.authority,
        jurisdiction=row.jurisdiction,
        product=row.product,
        indication=row.indication,
        evidence=row.evidence,
        evidence_span=EvidenceSpan(start=row.span_start, end=row.span_end),
        alignment=row.alignment,
        article=_article_ref(row),
    )


def _indexed_article(row: Any) -> IndexedArticle:
    return IndexedArticle(
        summary_id=row.summary_id,
        url=row.url,
        source=row.source,
        outlet=row.outlet,
        published_at=row.published_at,
        headline=row.headline,
        summary=row.summary,
        engine=row.engine,
        milestones=row.milestones,
        first_seen=_aware(row.first_seen),
    )


def _aware(when: datetime) -> datetime:
    """A stored time in UTC (SQLite gives it back without its zone)."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
