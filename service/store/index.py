"""The index across articles, read: ``articles``, ``milestones`` and ``events`` listed
with filters and keyset cursors (``service.index.query``), ``timeline`` for a product's or
organisation's events in date order, full-text search (FTS5 on SQLite, tsvector/GIN on
PostgreSQL). ``IndexStore`` is also the writer (``service.store.index_write``): the
store holds one object for the index.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    and_,
    func,
    literal_column,
    or_,
    select,
    text,
    union,
)

from schemas.checks import NAME_MAX_CHARS, parse_partial_date
from schemas.v1 import EvidenceSpan
from service.article import NUL
from service.errors import BadQuery
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
from service.index.names import NameSpace, name_key
from service.index.query import (
    DETAIL_FILTERS,
    Filters,
    Page,
    Sort,
    decode_cursor,
    encode_cursor,
    fts_terms,
    timeline_page,
)
from service.store.aggregates import aggregate
from service.store.database import utc
from service.store.index_write import BATCH, IndexWriter
from service.store.tables import (
    PG_ARTICLE_SEARCH,
    PG_MILESTONE_SEARCH,
    PG_TEXT_SEARCH,
    aliases,
    articles,
    events,
    milestones,
    name_forms,
    summaries,
)


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


T = TypeVar("T")


class IndexStore(IndexWriter):
    """The index: written with every summary, read by the lists, timelines and exports."""

    def _fts_articles(self, query: str) -> list[ColumnElement[bool]]:
        """Conditions of which an article matching ``query`` meets one: SQLite's one FTS5
        table holds headline, summary and text; PostgreSQL's vectors are two, the
        headline's and summary's (articles) and the text's (summaries)."""
        a = articles.c
        words = fts_terms(query)
        if self.sqlite:
            match = " ".join('"' + w.replace('"', "") + '"' for w in words)
            hits = text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q").bindparams(
                q=match
            )
            return [a.seq.in_(hits.columns(literal_column("rowid")))]
        q = func.plainto_tsquery("english", " ".join(words))
        in_text = select(summaries.c.id).where(literal_column(PG_TEXT_SEARCH).op("@@")(q))
        return [literal_column(PG_ARTICLE_SEARCH).op("@@")(q), a.summary_id.in_(in_text)]

    def _fts_milestones(self, query: str) -> ColumnElement[bool]:
        words = fts_terms(query)
        if self.sqlite:
            match = " ".join('"' + w.replace('"', "") + '"' for w in words)
            hits = text(
                "SELECT rowid FROM milestones_fts WHERE milestones_fts MATCH :q"
            ).bindparams(q=match)
            return milestones.c.seq.in_(hits.columns(literal_column("rowid")))
        q = func.plainto_tsquery("english", " ".join(words))
        return literal_column(PG_MILESTONE_SEARCH).op("@@")(q)

    def _shared_conditions(self, conn: Connection, f: Filters, c: Any) -> list[ColumnElement[bool]]:
        """The filters milestones and events answer alike (columns ``c`` of either
        table): kind, status, authority, jurisdiction, date range."""
        where: list[ColumnElement[bool]] = []
        if f.kinds:
            where.append(c.kind.in_(f.kinds))
        if f.status:
            where.append(c.status == f.status)
        if f.authority:
            key = self._canon_in(conn, "organisation", name_key(f.authority))
            where.append(c.authority_canon == key)
        if f.jurisdiction:
            where.append(c.jurisdiction == f.jurisdiction.upper())
        if f.date_from:
            where += [c.undated == 0, c.date_sort >= _date_bound(f.date_from, end=False)]
        if f.date_to:
            where += [c.undated == 0, c.date_sort < _date_bound(f.date_to, end=True)]
        return where

    def _milestone_conditions(self, conn: Connection, f: Filters) -> list[ColumnElement[bool]]:
        m = milestones.c
        where = self._shared_conditions(conn, f, m)
        if f.product:
            where.append(m.product_canon == self._canon_in(conn, "product", name_key(f.product)))
        if f.organisation:
            key = self._canon_in(conn, "organisation", name_key(f.organisation))
            where.append(m.organisation_canon == key)
        if f.query:
            where.append(self._fts_milestones(f.query))
        if f.article:
            where.append(m.summary_id == f.article)
        return where + _detail_conditions(f)

    def _paged(self, stmt: Select[Any], order: list[tuple[Any, bool]], page: Page) -> Select[Any]:
        if page.after is not None:
            if len(page.after) != len(order) or not all(
                isinstance(value, int) == isinstance(col.type, Integer)
                for (col, _), value in zip(order, page.after, strict=True)
            ):
                raise BadQuery("cursor is not a cursor this service gave out")
            stmt = stmt.where(_after(order, page.after))
        ordering = [col.desc() if desc else col.asc() for col, desc in order]
        return stmt.order_by(*ordering).limit(page.limit + 1)

    @staticmethod
    def _cut(
        rows: Sequence[Any], order: list[tuple[Any, bool]], page: Page
    ) -> tuple[Sequence[Any], str | None]:
        """The page's rows (``_paged`` read one more) and the cursor of the next page,
        made of the last row's sort values (None when no row follows)."""
        if len(rows) <= page.limit:
            return rows, None
        rows = rows[: page.limit]
        return rows, encode_cursor(page.sort, tuple(getattr(rows[-1], c.name) for c, _ in order))

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
            rows, cursor = self._cut(
                conn.execute(self._paged(stmt, order, page)).all(), order, page
            )
        return ListPage[IndexedMilestone](
            items=[_milestone(row) for row in rows], next_cursor=cursor
        )

    def aggregate(self, f: Filters, by: tuple[str, ...], amounts: bool) -> list[dict[str, Any]]:
        """The milestones ``f`` selects, counted (and their amounts summed per currency)
        per group of ``by`` (``service.store.aggregates``)."""
        with self.db.connect() as conn:
            return aggregate(conn, self._milestone_conditions(conn, f), by, amounts)

    def _event_conditions(self, conn: Connection, f: Filters) -> list[ColumnElement[bool]]:
        e, m = events.c, milestones.c
        where = self._shared_conditions(conn, f, e)
        if f.product:
            key = self._canon_in(conn, "product", name_key(f.product))
            where += [e.subject_space == "product", e.subject == key]
        by_source = Filters(
            organisation=f.organisation, query=f.query, article=f.article,
            **{name: getattr(f, name) for name in DETAIL_FILTERS},
        )  # fmt: skip
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
            rows, cursor = self._cut(
                conn.execute(self._paged(stmt, order, page)).all(), order, page
            )
            items = self._events_in(conn, rows)
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

    def timeline(self, space: NameSpace, name: str, page: Page | None = None) -> Timeline | None:
        """A page of a product's or organisation's events in date order (undated last;
        ``TIMELINE_LIMIT`` events unless ``page`` says, its cursor the next page's);
        None when the index holds none (a name no entity could have: too long, or
        holding NUL); no events when none follow the cursor."""
        if len(name) > NAME_MAX_CHARS or NUL in name:
            return None
        page = page or timeline_page()
        e, m = events.c, milestones.c
        order = [(e.undated, False), (e.date_sort, False), (e.first_seq, False), (e.id, False)]
        with self.db.connect() as conn:
            key = self._canon_in(conn, space, name_key(name))
            if space == "product":
                where = and_(e.subject_space == "product", e.subject == key)
            else:
                where = e.id.in_(select(m.event_id).where(m.organisation_canon == key))
            rows = conn.execute(self._paged(select(events).where(where), order, page)).all()
            if not rows and (
                page.after is None or conn.scalar(select(e.id).where(where).limit(1)) is None
            ):
                return None
            rows, cursor = self._cut(rows, order, page)
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
        return Timeline(
            name=shown.get(key, name), kind=space, names=forms, events=items, next_cursor=cursor
        )

    def articles(self, f: Filters, page: Page) -> ListPage[IndexedArticle]:
        a = articles.c
        if page.sort not in ("seen", "-seen"):
            raise BadQuery("summaries are listed by sort=-seen (newest first) or sort=seen")
        order = [(a.seq, page.sort == "-seen")]
        with self.db.connect() as conn:
            where: list[ColumnElement[bool]] = []
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
            matches = self._fts_articles(f.query) if f.query else []
            if len(matches) > 1:
                # Either of two vectors: a page of each, in order, then the page of
                # their union. An OR of the two would read every match of both before
                # ordering; a page of one can walk the order and stop (common words) or
                # read its index (rare ones), whichever the planner finds cheaper.
                pages = [self._paged(select(a.seq).where(*where, m), order, page) for m in matches]
                where = [a.seq.in_(union(*pages))]
            else:
                where += matches
            rows = conn.execute(self._paged(select(articles).where(*where), order, page)).all()
        rows, cursor = self._cut(rows, order, page)
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


def _detail_conditions(f: Filters) -> list[ColumnElement[bool]]:
    """The filters on schema v2's details, on the milestones' columns."""
    m = milestones.c
    where: list[ColumnElement[bool]] = []
    if f.designation:
        where += [m.kind == "designation", m.variant == f.designation]
    for name in ("application", "phase", "round"):
        if getattr(f, name):
            where.append(getattr(m, name) == getattr(f, name))
    if f.registry_id:
        where.append(m.details.contains(json.dumps(f.registry_id)))
    if f.currency:
        where.append(m.amount_currency == f.currency)
    if f.amount_min is not None:
        where.append(m.amount_value >= f.amount_min)
    if f.amount_max is not None:
        where.append(m.amount_value <= f.amount_max)
    return where


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
    found = _indexed_milestone(row)
    found._details = json.loads(row.details) if row.details else {}
    return found


def _indexed_milestone(row: Any) -> IndexedMilestone:
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
        first_seen=utc(row.first_seen) or row.first_seen,
    )
