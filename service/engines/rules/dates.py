"""Dates in a sentence, at the precision the text gives them.

"March 21, 2025" → 2025-03-21, "in February 2024" → 2024-02, "in 2026" → 2026. Relative
dates ("today", "yesterday", "on Tuesday", "this year", "last year") are resolved only
when the publication date is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from service.cues import cued

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?!\d|,\d|-\d)"
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_ABSOLUTE = [
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}", re.I),
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}", re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
    re.compile(rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}", re.I),
    re.compile(rf"(?<![\d.,$\u20ac\u00a3-])\b{_YEAR}"),
]
_RELATIVE = cued(
    r"\b(?P<word>today|yesterday|this year|last year|earlier this year|"
    r"on (?P<weekday>" + "|".join(_WEEKDAYS) + r"))\b",
    re.I,
)


# A date right after these is a deadline set for the future, not when a milestone happened.
_DEADLINE = cued(
    r"(?:PDUFA|target action|action|goal|decision)\s+(?:target\s+)?(?:action\s+)?date\s+"
    r"(?:of|is|set for|on)?\s*$",
    re.I,
)


# A date right after "since" opens a span ("in development since 2006"): when something
# began, not when a milestone was reached.
_BOUND = cued(r"\bsince\s+(?:(?:early|late|mid-?)\s*)?$", re.I)


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A date found in a sentence: its ISO value, and where it stands."""

    value: str
    start: int
    end: int


# Every absolute date holds a year: a sentence without one is not searched for them.
_A_YEAR = re.compile(r"(?:19|20)\d\d")


def _absolute(sentence: str) -> list[FoundDate]:
    found: list[FoundDate] = []
    if not _A_YEAR.search(sentence):
        return found
    taken: list[tuple[int, int]] = []
    for pattern in _ABSOLUTE:
        for match in pattern.finditer(sentence):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            parts = match.groupdict()
            year = int(parts["year"])
            month_raw = parts.get("month")
            month = (
                None
                if month_raw is None
                else int(month_raw)
                if month_raw.isdigit()
                else MONTHS[month_raw.lower()]
            )
            day = int(parts["day"]) if parts.get("day") else None
            try:
                if day is not None and month is not None:
                    value = date(year, month, day).isoformat()
                elif month is not None:
                    value = f"{year:04d}-{month:02d}"
                else:
                    value = f"{year:04d}"
            except ValueError:  # "February 30, 2024": no date, and its year is not one either
                taken.append((match.start(), match.end()))
                continue
            found.append(FoundDate(value, match.start(), match.end()))
            taken.append((match.start(), match.end()))
    return found


def _relative(sentence: str, published: date) -> list[FoundDate]:
    found = []
    for match in _RELATIVE.finditer(sentence):
        word = match.group("word").lower()
        if word == "today":
            value = published.isoformat()
        elif word == "yesterday":
            value = (published - timedelta(days=1)).isoformat()
        elif word in ("this year", "earlier this year"):
            value = f"{published.year:04d}"
        elif word == "last year":
            value = f"{published.year - 1:04d}"
        else:
            weekday = _WEEKDAYS.index(match.group("weekday").lower())
            back = (published.weekday() - weekday) % 7
            value = (published - timedelta(days=back)).isoformat()
        found.append(FoundDate(value, match.start(), match.end()))
    return found


def find_dates(sentence: str, published: date | None = None) -> list[FoundDate]:
    """Every date in ``sentence``, in order of position."""
    found = _absolute(sentence)
    if published is not None:
        found += _relative(sentence, published)
    return sorted(found, key=lambda d: d.start)


def date_near(
    sentence: str,
    position: int,
    dates: list[FoundDate],
    within: tuple[int, int] | None = None,
) -> str | None:
    """Of the ``dates`` found in ``sentence`` (``find_dates``), the one that belongs to
    what stands at ``position``: the nearest after, else before; only dates inside
    ``within`` (a clause) when given."""
    found = [
        d
        for d in dates
        if not _DEADLINE.search(sentence, max(0, d.start - 60), d.start)
        and not _BOUND.search(sentence, max(0, d.start - 40), d.start)
    ]
    if within is not None:
        found = [d for d in found if within[0] <= d.start and d.end <= within[1]]
    after = [d for d in found if d.start >= position]
    if after:
        return after[0].value
    before = [d for d in found if d.end <= position]
    return before[-1].value if before else None
