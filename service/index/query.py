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
from typing import Any, Literal

from schemas.checks import NAME_MAX_CHARS, parse_partial_date
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

    def __post_init__(self) -> None:
        for field in fields(self):
            values = getattr(self, field.name)
            for value in values if isinstance(values, tuple) else (values,):
                if value is None:
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
