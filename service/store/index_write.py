"""The index's writing side: an article's summary indexed in the summary's own
transaction (``write_in``), and summaries stored before the index backfilled.

1. the article row and its full-text entry (re-indexed, by a forced refresh: only what
   changed is written again);
2. aliases the article writes in apposition join their names (``service.index.names``):
   milestones already stored under either name move to the shared key;
3. its milestones, each with its names matched and its group (kind and subject)
   (re-indexed: the rows that changed or went are deleted, the ones that changed or came
   are inserted, the rest stay with their seqs and events);
4. every group touched is merged again into events (``service.index.events``).

Reading is ``service.store.index``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    Connection,
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

from schemas import Milestone, SummaryRecord
from schemas.details import variant_of
from service.index.events import Member, merge
from service.index.names import Curated, NameSpace, curated, learned_aliases, name_key
from service.store.database import Database
from service.store.summaries import parsed_record
from service.store.tables import aliases, articles, events, milestones, name_forms, summaries

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
    published_at: date | None = None


def outlet_of(url: str | None) -> str | None:
    """The publisher's host (``www.`` dropped) of an http(s) URL."""
    if not url or not url.startswith(("http://", "https://")):
        return None
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host[:200] or None


def _words(row: Mapping[Any, Any]) -> str:
    """What a milestone's full-text entry holds (its row's values, or a row's mapping)."""
    parts = ("title", "evidence", "organisation", "product", "authority", "indication")
    return " ".join(row[p] for p in parts if row[p])


DETAIL_COLUMNS = ("details", "variant", "application", "phase", "round", "amount_value",
                  "amount_currency")  # fmt: skip


def _details_columns(milestone: Milestone) -> dict[str, object]:
    """A milestone's details (schema v2) as the index keeps them: JSON, its variant, and
    the ones analysts filter, group and sum by."""
    details = getattr(milestone, "details", None)
    if details is None:
        return dict.fromkeys(DETAIL_COLUMNS)
    stated = details.model_dump(mode="json", exclude_defaults=True)
    amount = details.amount
    return {
        "details": json.dumps(stated) if stated else None,
        "variant": variant_of(milestone.kind, details),
        "application": details.application,
        "phase": details.phase,
        "round": details.round,
        "amount_value": amount.value if amount else None,
        "amount_currency": amount.currency if amount else None,
    }


def _group(kind: str, product: str | None, organisation: str) -> str:
    return f"{kind}|p:{product}" if product else f"{kind}|o:{organisation}"


@dataclass(frozen=True)
class _Indexed:
    """An article's rows in the index: its article row (with the summary's text) and its
    milestones' rows."""

    article: Any
    milestones: Sequence[Mapping[Any, Any]]


def _forms_of(rows: Sequence[Mapping[Any, Any]]) -> set[tuple[NameSpace, str, str]]:
    """The ways of writing names that milestone rows count."""
    forms: set[tuple[NameSpace, str, str]] = set()
    for row in rows:
        if row["product"] and row["product_key"]:
            forms.add(("product", row["product_key"], row["product"][:300]))
        forms.add(("organisation", row["organisation_key"], row["organisation"][:300]))
        if row["authority"] and row["authority_key"]:
            forms.add(("organisation", row["authority_key"], row["authority"][:300]))
    return forms


class IndexWriter:
    """Writes the index: articles, milestones, events, aliases and name forms."""

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
        a = aliases.c
        self._learned = select(a.space, a.key, a.canonical).where(
            or_(
                and_(a.space == "product", a.key.in_(bindparam("product", expanding=True))),
                and_(
                    a.space == "organisation",
                    a.key.in_(bindparam("organisation", expanding=True)),
                ),
            )
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
            m.variant,
            m.group_key,
            m.event_id,
            m.joined,
        ).where(m.group_key.in_(groups))
        self._assign = (
            update(milestones)
            .where(m.id == bindparam("mid"))
            .values(event_id=bindparam("event"), joined=bindparam("why"))
        )
        self._article_and_text = (
            select(articles, summaries.c.text)
            .outerjoin(summaries, summaries.c.id == articles.c.summary_id)
            .where(articles.c.summary_id == bindparam("sid"))
        )
        self._milestones_of = select(milestones).where(m.summary_id == bindparam("sid"))
        self._insert_milestones = milestones.insert().returning(m.seq, sort_by_parameter_order=True)

    # -- writing --------------------------------------------------------------------------

    def write_in(
        self,
        conn: Connection,
        summary_id: str,
        record: SummaryRecord,
        body: str | None,
        facts: ArticleFacts,
    ) -> set[str]:
        """Index a summary (before it is stored, in the same transaction): replaces the
        article's rows if it was indexed before. The groups merged again (whose events
        may have come or changed)."""
        old = self._old_in(conn, summary_id)
        touched: set[str] = set()
        summary = record.summary
        url = facts.url or (record.source if outlet_of(record.source) else None)
        values = {
            "summary_id": summary_id,
            "url": url,
            "source": facts.source or record.source,
            "outlet": outlet_of(url),
            "published_at": facts.published_at.isoformat() if facts.published_at else None,
            "headline": summary.headline,
            "summary": summary.summary,
            "engine": record.meta.engine,
            "milestones": len(summary.milestones),
        }
        self._article_in(conn, old, values, body or "")
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
        canon = self._canons_of(conn, wanted)

        def matched(space: NameSpace, name: str | None) -> tuple[str | None, str | None]:
            if name is None:
                return None, None
            key = name_key(name)
            return key, canon[space][key]

        rows: list[dict[str, Any]] = []
        for position, m in enumerate(summary.milestones):
            product_key, product_canon = matched("product", m.product)
            organisation_key, organisation_canon = matched("organisation", m.organisation)
            authority_key, authority_canon = matched("organisation", m.authority)
            assert organisation_key is not None and organisation_canon is not None
            group = _group(m.kind, product_canon, organisation_canon)
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
                    **_details_columns(m),
                }
            )
        touched |= self._milestones_in(conn, old.milestones if old else [], rows)
        # Re-indexed: only the ways of writing names that changed are counted again.
        forms, old_forms = _forms_of(rows), _forms_of(old.milestones) if old else set()
        self._count_forms_in(conn, old_forms - forms, -1)
        self._count_forms_in(conn, forms - old_forms, +1)
        self._regroup_in(conn, touched)
        return touched

    def _old_in(self, conn: Connection, summary_id: str) -> _Indexed | None:
        """What the index holds of an article already (it is being refreshed), if any."""
        article = conn.execute(self._article_and_text, {"sid": summary_id}).first()
        if article is None:
            return None
        rows = conn.execute(self._milestones_of, {"sid": summary_id}).all()
        return _Indexed(article, [row._mapping for row in rows])

    def _article_in(
        self, conn: Connection, old: _Indexed | None, values: dict[str, Any], body: str
    ) -> None:
        """Insert the article's row and its full-text entry; or, refreshed, change only
        what changed (its seq and when it was first seen stay)."""
        if old is None:
            values = {**values, "first_seen": datetime.now(UTC)}
            key = conn.execute(articles.insert().values(**values)).inserted_primary_key
            assert key is not None
            if self.sqlite:
                self._article_words_in(conn, key[0], values["headline"], values["summary"], body)
            return
        was = old.article
        changed = {k: v for k, v in values.items() if was._mapping[k] != v}
        if changed:
            conn.execute(update(articles).where(articles.c.seq == was.seq).values(**changed))
        words = (values["headline"], values["summary"], body)
        if self.sqlite and words != (was.headline, was.summary, was.text or ""):
            self._article_words_in(
                conn, was.seq, was.headline, was.summary, was.text or "", drop=True
            )
            self._article_words_in(conn, was.seq, *words)

    def _article_words_in(
        self, conn: Connection, seq: int, headline: str, summary: str, body: str, drop: bool = False
    ) -> None:
        """SQLite: add (or, ``drop``, delete) an article's full-text entry (FTS5 deletes a
        contentless row by its words)."""
        command = "'delete', " if drop else ""
        column = "articles_fts, " if drop else ""
        conn.execute(
            text(
                f"INSERT INTO articles_fts({column}rowid, headline, summary, body) "
                f"VALUES ({command}:seq, :headline, :summary, :body)"
            ),
            {"seq": seq, "headline": headline, "summary": summary, "body": body},
        )

    def _milestones_in(
        self, conn: Connection, old: Sequence[Mapping[Any, Any]], rows: list[dict[str, Any]]
    ) -> set[str]:
        """Write an article's milestone rows where they differ from its ``old`` ones (all
        of them, the first time): rows that changed or went are deleted, rows that changed
        or came are inserted, rows the same as before stay as they are (with their seq and
        their event). The groups whose members changed (to merge again)."""
        fresh = {row["id"]: row for row in rows}
        kept = {
            row["id"]
            for row in old
            if row["id"] in fresh and all(row[k] == v for k, v in fresh[row["id"]].items())
        }
        stale = [row for row in old if row["id"] not in kept]
        added = [row for row in rows if row["id"] not in kept]
        if stale:
            if self.sqlite:
                conn.execute(
                    text(
                        "INSERT INTO milestones_fts(milestones_fts, rowid, words) "
                        "VALUES ('delete', :seq, :words)"
                    ),
                    [{"seq": row["seq"], "words": _words(row)} for row in stale],
                )
            ids: Any = [row["id"] for row in stale]
            conn.execute(delete(milestones).where(milestones.c.id.in_(ids)))
        if added and self.sqlite:  # the full-text entries need the rows' seqs
            seqs = conn.scalars(self._insert_milestones, added).all()
            conn.execute(
                text("INSERT INTO milestones_fts(rowid, words) VALUES (:seq, :words)"),
                [{"seq": s, "words": _words(row)} for s, row in zip(seqs, added, strict=True)],
            )
        elif added:
            conn.execute(milestones.insert(), added)
        return {row["group_key"] for row in stale} | {row["group_key"] for row in added}

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
        return self._canons_of(conn, {space: keys})[space]

    def _canons_of(
        self, conn: Connection, wanted: dict[NameSpace, set[str]]
    ) -> dict[NameSpace, dict[str, str]]:
        """``_canons_in`` for the keys of every space at once: one read for all."""
        found = {
            space: {key: self.curated.canonical(space, key) for key in keys}
            for space, keys in wanted.items()
        }
        open_keys = {
            space: sorted(key for key, shared in by_key.items() if shared is None)
            for space, by_key in found.items()
        }
        learned: dict[tuple[str, str], str] = {}
        if any(open_keys.values()):
            asked = {"product": open_keys.get("product", []),
                     "organisation": open_keys.get("organisation", [])}  # fmt: skip
            for space, key, shared in conn.execute(self._learned, asked):
                learned[(space, key)] = shared
        return {
            space: {key: shared or learned.get((space, key), key) for key, shared in by_key.items()}
            for space, by_key in found.items()
        }

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
                    Member(
                        row.id,
                        row.status,
                        row.date,
                        row.authority_canon,
                        row.jurisdiction,
                        row.variant,
                    )  # fmt: skip
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
            .where(~exists().where(a.summary_id == s.id), s.id > bindparam("after"))
            .order_by(s.id)
            .limit(BATCH)
        )
        done, after = 0, ""
        while True:
            with self.db.begin() as conn:
                if not self.sqlite:  # replicas opening together: one backfills at a time
                    conn.execute(text("SELECT pg_advisory_xact_lock(4242002)"))
                rows = conn.execute(missing, {"after": after}).all()
                for row in rows:
                    after = row.id  # onwards, past records that no longer parse
                    record = parsed_record(row.record)
                    if record is None:
                        continue  # no longer fits the schema: made afresh when asked for
                    self.write_in(conn, row.id, record, row.text, ArticleFacts())
                    done += 1
            if len(rows) < BATCH:
                return done

    # -- reading ----------------------------------------------------------------------------
