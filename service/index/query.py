"""What a list asks for: filters, sort order, a page size and a cursor.

One ``Filters`` serves the HTTP endpoints, the command line and the pages. Cursors are
keyset cursors: the sort key of the last row served, opaque to callers (URL-safe
base64 of JSON). A page after a cursor holds exactly the rows that sort after it, so
rows that arrive while a client pages through never repeat or shift a row it has not
seen yet; rows that sort before the cursor are seen on the next pass.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, fields, replace
from typing import Any, Literal, get_args

from schemas.checks import NAME_MAX_CHARS, parse_partial_date
from schemas.details import (
    CURRENCY_SIGNS,
    REGISTRY_ID,
    ApplicationType,
    DesignationType,
    Phase,
    RoundType,
)
from schemas.v1 import MILESTONE_KINDS, STATUSES
from service import safe_json
from service.article import NUL
from service.errors import BadQuery, UnknownChoice, UnusableJSON

Sort = Literal["date", "-date", "seen", "-seen"]
SORTS: tuple[Sort, ...] = ("date", "-date", "seen", "-seen")
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
# The longest value each filter takes (the API's parameters and the pages' form alike).
MAX_CHARS = {"date_from": 10, "date_to": 10, "jurisdiction": 8, "query": 500, "article": 64}
MAX_NAME_CHARS = NAME_MAX_CHARS  # product, organisation, authority
MAX_CURSOR_CHARS = 500
# A cursor's values are those of the index's columns: 64-bit integers, short strings.
_INT64 = range(-(2**63), 2**63)


# The details a list filters by, and the values each takes (schema v2's).
DETAIL_CHOICES: dict[str, tuple[str, ...]] = {
    "designation": get_args(DesignationType),
    "application": get_args(ApplicationType),
    "phase": get_args(Phase),
    "round": get_args(RoundType),
    "currency": tuple(sorted(set(CURRENCY_SIGNS.values()))),
}
DETAIL_FILTERS = (*DETAIL_CHOICES, "registry_id", "amount_min", "amount_max")


@dataclass(frozen=True)
class Filters:
    """Which rows: every field that is set must hold (several kinds: any of them)."""

    kinds: tuple[str, ...] = ()
    status: str | None = None
    product: str | None = None
    organisation: str | None = None
    authority: str | None = None
    jurisdiction: str | None = None
    date_from: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD; partial dates compare
    date_to: str | None = None  # as their first day (2023-04 is within 2023-04-01…)
    query: str | None = None  # full text (see ``fts_terms``)
    article: str | None = None  # a summary id
    # Schema v2's details (a milestone matches when its details state the value).
    designation: str | None = None
    application: str | None = None
    phase: str | None = None
    round: str | None = None
    registry_id: str | None = None
    currency: str | None = None  # ISO 4217: the funding amount's
    amount_min: float | None = None  # in units of ``currency`` (given with it)
    amount_max: float | None = None

    def __post_init__(self) -> None:
        for field in fields(self):
            values = getattr(self, field.name)
            for value in values if isinstance(values, tuple) else (values,):
                if value is None or isinstance(value, float | int):
                    continue
                limit = MAX_CHARS.get(field.name, MAX_NAME_CHARS)
                if len(value) > limit:
                    raise BadQuery(f"{field.name}: at most {limit} characters, not {len(value)}")
                if NUL in value:
                    raise BadQuery(f"{field.name}: holds a NUL character (U+0000)")
        unknown = [k for k in self.kinds if k not in MILESTONE_KINDS]
        if unknown:
            raise UnknownChoice(f"kind: no milestone kind {unknown[0]!r} (see GET /openapi.json)")
        if self.status is not None and self.status not in STATUSES:
            raise UnknownChoice(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None:
                try:
                    parse_partial_date(value)
                except ValueError as error:
                    raise BadQuery(f"{name}: {error}") from None
        if self.query is not None and not fts_terms(self.query):
            raise BadQuery("q: the search needs at least one word (letters or digits)")
        for name, allowed in DETAIL_CHOICES.items():
            value = getattr(self, name)
            if value is not None and value not in allowed:
                raise UnknownChoice(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
        if self.registry_id is not None and not REGISTRY_ID.fullmatch(self.registry_id):
            raise BadQuery(f"registry_id: {self.registry_id!r} is not a trial registry's id")
        if (self.amount_min is not None or self.amount_max is not None) and not self.currency:
            raise BadQuery("amount_min and amount_max are in a currency: give currency too")
        for name in ("amount_min", "amount_max"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < 1e15:
                raise BadQuery(f"{name} must be between 0 and 1e15, not {value}")

    def details_given(self) -> bool:
        """Whether a filter on details is set (a milestone's, so events match by them)."""
        return any(getattr(self, name) is not None for name in DETAIL_FILTERS)


@dataclass(frozen=True)
class Page:
    """Where a page starts, how many rows it holds, and in which order."""

    sort: Sort = "-seen"
    limit: int = DEFAULT_LIMIT
    after: tuple[Any, ...] | None = None  # the cursor's sort key

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise BadQuery(f"sort must be one of {', '.join(SORTS)}, not {self.sort!r}")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}, not {self.limit}")

    def following(self, key: tuple[Any, ...]) -> Page:
        return replace(self, after=key)


# A timeline's page, unless the caller asks for another size (at most ``MAX_LIMIT``).
TIMELINE_LIMIT = 100


def timeline_page(cursor: str | None = None, limit: int = TIMELINE_LIMIT) -> Page:
    """A page of a timeline (in date order): ``limit`` events, after ``cursor`` (a
    timeline's ``next_cursor``) if there is one; a 400 for a cursor not ours."""
    return Page(sort="date", limit=limit, after=decode_cursor(cursor, "date") if cursor else None)


def encode_cursor(sort: str, key: tuple[Any, ...]) -> str:
    raw = json.dumps([sort, list(key)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, ...]:
    """The sort key a cursor holds; a 400 when it is not one of ours or not for ``sort``.
    Its values are checked as the index's columns hold them (64-bit integers, strings of
    at most a name's length without NUL); the store checks which column takes which."""
    foreign = BadQuery("cursor is not a cursor this service gave out")
    if len(cursor) > MAX_CURSOR_CHARS:
        raise BadQuery(f"cursor: at most {MAX_CURSOR_CHARS} characters, not {len(cursor)}")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = safe_json.loads(raw.decode("utf-8"), limit=2)
    except (binascii.Error, UnicodeDecodeError, UnusableJSON, ValueError):
        raise foreign from None
    if not isinstance(value, list) or len(value) != 2:
        raise foreign
    said, key = value
    if not isinstance(key, list) or not all(_cursor_value(v) for v in key):
        raise foreign
    if said != sort:
        raise BadQuery(f"cursor was given for sort={said}, not sort={sort}")
    return tuple(key)


def _cursor_value(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value in _INT64
    return isinstance(value, str) and len(value) <= MAX_NAME_CHARS and NUL not in value


def fts_terms(query: str) -> list[str]:
    """The words of a search, as both stores' full-text search reads them: each run of
    letters or digits (``IMC-002`` is ``IMC`` followed by ``002``), at most 16."""
    words: list[str] = []
    for token in query.split()[:16]:
        parts = [p for p in "".join(c if c.isalnum() else " " for c in token).split() if p]
        if parts:
            words.append(" ".join(parts))
    return words
