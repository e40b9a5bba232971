"""Saved searches and their alerts.

A saved search is an index filter with a name (the list endpoints' query parameters:
``kind``, ``status``, ``product``, ``organisation``, ``authority``, ``jurisdiction``,
``date_from``, ``date_to``, ``q`` and the details' filters). When a stored summary
creates or changes an event, every saved search it matches fires an alert, once per
*state* of the event: its kind, subject, status, date, authority and jurisdiction (a new
source that changes none of these fires nothing). Alerts are written in the transaction
that stores the summary (``fire_in``), so none is lost or fired twice; a search with a
callback URL gets each alert as a signed webhook, queued as a finished job's delivery
(``j_alert_{seq}``) so that the job worker of any replica sends it with the jobs' signer,
retries and delivery log.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, select, update

from service.errors import BadQuery
from service.index.query import DETAIL_FILTERS, Filters
from service.store.database import Database, utc
from service.store.tables import alerts, events, jobs, saved_searches

if TYPE_CHECKING:
    from service.store.index import IndexStore

# A saved search's filter, by the list endpoints' query parameter names.
FILTER_NAMES = ("kind", "status", "product", "organisation", "authority", "jurisdiction",
                "date_from", "date_to", "q", *DETAIL_FILTERS)  # fmt: skip
MAX_SEARCHES = 1000  # every stored summary is matched against each of them
ALERT_JOB = "j_alert_"  # the id prefix of an alert's webhook delivery (a finished job)


def search_filters(given: dict[str, Any]) -> Filters:
    """The ``Filters`` of a saved search's filter; BadQuery for a name or value no list
    takes."""
    unknown = sorted(set(given) - set(FILTER_NAMES))
    if unknown:
        raise BadQuery(f"filters: no filter {unknown[0]!r} (one of {', '.join(FILTER_NAMES)})")
    values = {k: v for k, v in given.items() if v not in (None, "", [])}
    kinds = values.pop("kind", ())
    if isinstance(kinds, str):
        kinds = (kinds,)
    if not isinstance(kinds, list | tuple) or not all(isinstance(k, str) for k in kinds):
        raise BadQuery("filters: kind is a milestone kind or a list of them")
    for name, value in values.items():
        wanted = (int, float) if name in ("amount_min", "amount_max") else (str,)
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise BadQuery(
                f"filters: {name} must be a {'number' if wanted != (str,) else 'string'}"
            )
    if "q" in values:
        values["query"] = values.pop("q")
    return Filters(kinds=tuple(kinds), **values)


@dataclass(frozen=True)
class SavedSearch:
    id: str
    name: str
    filters: dict[str, Any]  # by query parameter name, only those set
    callback_url: str | None
    created_at: datetime
    opened_seq: int  # the last alert shown on its page


@dataclass(frozen=True)
class Alert:
    seq: int
    search_id: str
    event_id: str
    change: str  # "new" (the search's first alert of this event) or "changed"
    event: dict[str, Any]  # the event as it stood (IndexedEvent, as JSON)
    at: datetime
    root: str  # the event id of the first alert on this event (a calendar entry's UID)


def _search(row: Any) -> SavedSearch:
    return SavedSearch(
        row.id, row.name, json.loads(row.filters), row.callback_url,
        utc(row.created_at) or row.created_at, row.opened_seq,
    )  # fmt: skip


def _alert(row: Any) -> Alert:
    return Alert(
        row.seq, row.search_id, row.event_id, row.change, json.loads(row.event),
        utc(row.at) or row.at, row.root,
    )  # fmt: skip


def event_state(row: Any) -> str:
    """What an alert fires on: the event's facts (not how many sources report it)."""
    facts = [row.kind, row.subject_space, row.subject, row.status, row.date,
             row.authority_canon, row.jurisdiction]  # fmt: skip
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()


class AlertStore:
    """The saved_searches and alerts tables."""

    def __init__(self, db: Database, index: IndexStore) -> None:
        self.db = db
        self.index = index

    # -- saved searches ---------------------------------------------------------------

    def create(self, name: str, filters: dict[str, Any], callback_url: str | None) -> SavedSearch:
        """Save a search (its filter checked as a list would check it)."""
        search_filters(filters)
        kept = {k: v for k, v in filters.items() if v not in (None, "", [])}
        with self.db.begin() as conn:
            count = conn.execute(select(func.count()).select_from(saved_searches)).scalar() or 0
            if count >= MAX_SEARCHES:
                raise BadQuery(f"at most {MAX_SEARCHES} saved searches: delete one first")
            last = conn.execute(select(func.max(alerts.c.seq))).scalar() or 0
            row = conn.execute(
                saved_searches.insert()
                .values(
                    id="ss_" + secrets.token_hex(12),
                    name=name,
                    filters=json.dumps(kept, sort_keys=True),
                    callback_url=callback_url,
                    created_at=datetime.now(UTC),
                    opened_seq=last,
                )
                .returning(*saved_searches.c)
            ).one()
        return _search(row)

    def get(self, search_id: str) -> SavedSearch | None:
        with self.db.connect() as conn:
            row = conn.execute(
                select(saved_searches).where(saved_searches.c.id == search_id)
            ).first()
        return None if row is None else _search(row)

    def all(self) -> list[SavedSearch]:
        with self.db.connect() as conn:
            rows = conn.execute(select(saved_searches).order_by(saved_searches.c.created_at))
            return [_search(row) for row in rows]

    def delete(self, search_id: str) -> bool:
        with self.db.begin() as conn:
            gone = conn.execute(delete(saved_searches).where(saved_searches.c.id == search_id))
            conn.execute(delete(alerts).where(alerts.c.search_id == search_id))
        return bool(gone.rowcount)

    def opened(self, search_id: str, seq: int) -> None:
        """Its page was opened, showing the alerts up to ``seq``."""
        with self.db.begin() as conn:
            conn.execute(
                update(saved_searches)
                .where(saved_searches.c.id == search_id, saved_searches.c.opened_seq < seq)
                .values(opened_seq=seq)
            )

    # -- alerts -----------------------------------------------------------------------

    def alerts(self, search_id: str, after: int = 0, limit: int = 100) -> list[Alert]:
        """A search's alerts after ``after`` (a seq), newest first."""
        a = alerts.c
        with self.db.connect() as conn:
            rows = conn.execute(
                select(alerts)
                .where(a.search_id == search_id, a.seq > after)
                .order_by(a.seq.desc())
                .limit(limit)
            )
            return [_alert(row) for row in rows]

    def unseen(self) -> dict[str, int]:
        """For each saved search, how many alerts it fired since its page was last
        opened (one query for every search)."""
        a, s = alerts.c, saved_searches.c
        with self.db.connect() as conn:
            rows = conn.execute(
                select(s.id, func.count(a.seq))
                .select_from(saved_searches.join(alerts, a.search_id == s.id))
                .where(a.seq > s.opened_seq)
                .group_by(s.id)
            ).all()
        return {search_id: count for search_id, count in rows}

    def planned(self, search_id: str) -> list[tuple[str, dict[str, Any], int, datetime]]:
        """The dated events a search alerted on that were planned at some state (the
        catalyst calendar): each by its root, as it stands now (its last alert), with
        how many times it changed (the calendar entry's SEQUENCE) and when it last did."""
        a = alerts.c
        with self.db.connect() as conn:
            rows = conn.execute(
                select(alerts).where(a.search_id == search_id).order_by(a.root, a.seq)
            ).all()
        by_root: dict[str, list[Any]] = {}
        for row in rows:
            by_root.setdefault(row.root, []).append(row)
        found = []
        for root, states in by_root.items():
            seen = [json.loads(row.event) for row in states]
            if not any(e["status"] in ("planned", "in_progress") for e in seen):
                continue
            last = states[-1]
            if seen[-1].get("date"):
                found.append((root, seen[-1], len(states) - 1, utc(last.at) or last.at))
        return found

    def fire_in(self, conn: Connection, groups: Iterable[str]) -> list[Alert]:
        """In a store write's transaction: the alerts its touched ``groups`` fire (each
        saved search's matching events whose state is new to it), a webhook queued for
        each alert of a search with a callback URL. An event is the one an earlier alert
        was on when they share a source (its id may have changed as sources joined)."""
        groups = sorted(groups)
        if not groups:
            return []
        searches = [_search(row) for row in conn.execute(select(saved_searches))]
        fired: list[Alert] = []
        a = alerts.c
        for search in searches:
            filters = search_filters(search.filters)
            where = self.index._event_conditions(conn, filters)
            rows = conn.execute(select(events).where(*where, events.c.group_key.in_(groups))).all()
            if not rows:
                continue
            shown = {e.id: e for e in self.index._events_in(conn, rows)}
            prior = conn.execute(
                select(a.root, a.members, a.state)
                .where(a.search_id == search.id, a.group_key.in_({r.group_key for r in rows}))
                .order_by(a.seq.desc())
            ).all()
            chains = [(row.root, set(json.loads(row.members))) for row in prior]
            had = {(row.root, row.state) for row in prior}
            now = datetime.now(UTC)
            for row in rows:
                event = shown[row.id]
                members = sorted(source.milestone_id for source in event.sources)
                root = next((r for r, was in chains if was & set(members)), None)
                state = event_state(row)
                if (root or row.id, state) in had:
                    continue
                change = "new" if root is None else "changed"
                root = root or row.id
                had.add((root, state))
                chains.insert(0, (root, set(members)))
                payload = event.model_dump(mode="json")
                # Another replica's write may fire the same state at once: one alert.
                seq = conn.execute(
                    self.db.insert(alerts)
                    .values(search_id=search.id, event_id=row.id, root=root,
                            group_key=row.group_key, members=json.dumps(members),
                            state=state, change=change, event=json.dumps(payload), at=now)
                    .on_conflict_do_nothing(index_elements=[a.search_id, a.root, a.state])
                    .returning(a.seq)
                ).scalar_one_or_none()  # fmt: skip
                if seq is None:
                    continue
                alert = Alert(seq, search.id, row.id, change, payload, now, root)
                fired.append(alert)
                if search.callback_url:
                    self._queue_in(conn, search, alert)
        return fired

    def _queue_in(self, conn: Connection, search: SavedSearch, alert: Alert) -> None:
        """An alert's webhook: a finished job whose delivery is due now."""
        body = {
            "type": "alert.fired",
            "timestamp": alert.at.isoformat(),
            "data": {
                "search": {"id": search.id, "name": search.name},
                "alert": {"seq": alert.seq, "change": alert.change},
                "event": alert.event,
            },
        }
        now = time.time()
        conn.execute(
            jobs.insert().values(
                id=f"{ALERT_JOB}{alert.seq}",
                status="succeeded",
                request=json.dumps({"alert": alert.seq, "search": search.id}),
                callback_url=search.callback_url,
                attempts=0,
                run_after=now,
                result=json.dumps(body),
                created_at=alert.at,
                finished_at=alert.at,
                delivery="pending",
                delivery_attempts=0,
                delivery_after=now,
            )  # fmt: skip
        )
