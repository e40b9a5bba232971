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
from dataclasses import dataclass, replace
from typing import Any, Literal

from schemas.v1 import parse_partial_date
from service.errors import BadQuery

Sort = Literal["date", "-date", "seen", "-seen"]
SORTS: tuple[Sort, ...] = ("date", "-date", "seen", "-seen")
MAX_LIMIT = 500
DEFAULT_LIMIT = 50


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
    """The sort key a cursor holds; a 400 when it is not one of ours or not for ``sort``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        said, key = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise BadQuery("cursor is not a cursor this service gave out") from None
    if not isinstance(key, list) or not all(isinstance(v, str | int) for v in key):
        raise BadQuery("cursor is not a cursor this service gave out")
    if said != sort:
        raise BadQuery(f"cursor was given for sort={said}, not sort={sort}")
    return tuple(key)


def fts_terms(query: str) -> list[str]:
    """The words of a search, as both stores' full-text search reads them: each run of
    letters or digits (``IMC-002`` is ``IMC`` followed by ``002``), at most 16."""
    words: list[str] = []
    for token in query.split()[:16]:
        parts = [p for p in "".join(c if c.isalnum() else " " for c in token).split() if p]
        if parts:
            words.append(" ".join(parts))
    return words
