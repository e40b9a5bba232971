"""Sentence segmentation that survives abbreviations, quotes and bullet lists.

A line break always ends a sentence (headings, bullets and paragraphs are lines). Within
a line, a sentence ends at ``.``, ``!`` or ``?`` (with any closing quotes or brackets)
followed by white space and a capital, digit or opening quote, unless the word before
the stop is an abbreviation. Some abbreviations ("Inc.", "U.S.") may also end a sentence:
they do when the next word is one that usually starts one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.checks import TEXT_MAX_CHARS
from service.cues import cued
from service.engines.rules.memo import remembered

# A sentence longer than evidence may be is never read for a milestone.
EVIDENCE_MAX_CHARS = TEXT_MAX_CHARS

_NEVER_FINAL = frozenset(
    """dr mr mrs ms prof st no nos vs e.g i.e approx fig figs ref refs vol pp dept univ gov
    mt ft ave rd jan feb mar apr jun jul aug sep sept oct nov dec est gen rep sen col lt
    sgt capt cf al ph.d m.d b.sc m.sc""".split()
)
_MAYBE_FINAL = frozenset(
    "inc ltd co corp jr sr etc u.s u.k e.u u.n plc llc l.p s.a n.v b.v a.g".split()
)
_STARTERS = frozenset(
    """the this that these those it its in on at as we our he she they his her their a an
    according however previously additionally also for with once meanwhile furthermore
    moreover following after before since while earlier today""".split()
)
# A stop starts a run of stops (a failed match is never retried inside the run: linear).
_STOP = cued(r"(?<![.!?])[.!?]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])")
_WORD_BEFORE = cued(r"[A-Za-z][A-Za-z.]*$")
_NEXT_WORD = cued(r"\s+[\"'\u201c\u2018(\[]?([A-Za-z]+)")
# Abbreviations are short: the word before a stop is looked for this far back only.
_WORD_WINDOW = 40
_LINE = cued(r"[^\r\n]+")
_BULLET = cued(r"^\s*(?:[-*\u2022\u25aa\u25cf\u2013]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence and its offsets in the text it was cut from."""

    start: int
    end: int
    text: str

    @property
    def is_heading(self) -> bool:
        """A line without closing punctuation: a title, subheading or list item."""
        return not self.text.rstrip().endswith((".", "!", "?", '"', "\u201d", ":"))


def _word_before(line: str, stop: int) -> str:
    match = _WORD_BEFORE.search(line, max(0, stop - _WORD_WINDOW), stop)
    return match.group().lower().rstrip(".") if match else ""


def _next_word(line: str, at: int) -> str:
    match = _NEXT_WORD.match(line, at)
    return match.group(1).lower() if match else ""


def _is_boundary(line: str, match: re.Match[str]) -> bool:
    if not match.group().startswith("."):
        return True
    word = _word_before(line, match.start())
    if len(word) == 1 and word.isalpha():  # an initial ("P. Went"), or "haemophilia B. The"
        return _next_word(line, match.end()) in _STARTERS
    if word in _NEVER_FINAL:
        return False
    if word in _MAYBE_FINAL:
        return _next_word(line, match.end()) in _STARTERS
    return True


# A date opening a line before its text ("date 2024-06-28 Rocket …", "2024-06-28 Acme
# said …"): a sentence of its own, never part of a name.
_LEADING_DATE = cued(r"^\s*(?:date\s+)?\d{4}-\d{2}(?:-\d{2})?\b\s+(?=\S)", re.IGNORECASE)
# Sentences a page runs together: "in 2017.Kolon Life Science said …".
_RUN_ON = cued(r"(?<=[a-z0-9%)\]])\.(?=[A-Z][a-z]{2,}\s)")


def _split_line(line: str, offset: int) -> list[Sentence]:
    pieces: list[Sentence] = []
    start = 0
    dated = _LEADING_DATE.match(line)
    if dated:
        pieces.append(_trimmed(line, 0, dated.end(), offset))
        start = dated.end()
    stops = sorted(
        [(m.start(), m.end(), _is_boundary(line, m)) for m in _STOP.finditer(line, start)]
        + [(m.start(), m.end(), True) for m in _RUN_ON.finditer(line, start)]
    )
    for _, end, boundary in stops:
        if boundary and end > start:
            pieces.append(_trimmed(line, start, end, offset))
            start = end
    pieces.append(_trimmed(line, start, len(line), offset))
    return [p for p in pieces if p.text]


def _trimmed(line: str, start: int, end: int, offset: int) -> Sentence:
    bullet = _BULLET.match(line, start) if start == 0 else None
    if bullet:
        start = bullet.end()
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    return Sentence(offset + start, offset + end, line[start:end])


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text``, with offsets into it."""
    sentences: list[Sentence] = []
    for line in _LINE.finditer(text):
        sentences.extend(_split_line(line.group(), line.start()))
    return sentences


# A line of page chrome, not the article: menus and breadcrumbs ("Home | News | Cell
# therapy"), labels of other stories ("Related:", "Read more"), bylines, photo credits and
# captions ("(Photo: …)", "/Courtesy of …", "Source: Pixabay"), copyright lines, market
# tickers ("Price Action:"), SVG text ("Created with Sketch"), a lone "date" token: what
# opens the line (``_CHROME_START``) or stands anywhere in it (``_CHROME_ANYWHERE``).
_CHROME_START = cued(
    r"\s*(?:(?:related(?: articles?| stories| news)?|read (?:more|next|also|the full story)|"
    r"also read|see also|more from|recommended(?: for you)?|sponsored|advertisement|photo|"
    r"image|credit|source|courtesy|price action|tags?|topics?|posted by|written by|by|"
    r"author\(?s?\)?)\s*(?:[:|\-\u2013\u2014]|$)"
    r"|author\(s\)"
    r"|by\s+(?-i:[A-Z])[\w.'’-]+(?:\s+(?-i:[A-Z])[\w.'’-]+){0,3}\s*(?:[|,·•\-\u2013\u2014].*)?$"
    r"|date\s+\d{4}-\d{2}(?:-\d{2})?\s*$)",
    re.IGNORECASE,
)
_CHROME_ANYWHERE = cued(
    r"(?:\s[|›»]\s[^|›»]*){2}"
    r"|\((?:photo|image|credit|source)\b[^)]{0,80}\)"
    r"|\bcourtesy of\b|\b(?:photo|image|picture) (?:credit|by|courtesy)\b"
    r"|/\s?(?:Getty(?: Images)?|Reuters|AFP|AP|PA|Pixabay|Shutterstock|iStock|Science Source|"
    r"Unsplash|Alamy)\b"
    r"|\bcreated with sketch\b|\bclick here\b|\btag us on\b"
    r"|©|\bcopyright\b|\ball rights reserved\b|\bphoto\s*:\s",
    re.IGNORECASE,
)
# What a line of chrome anywhere holds (lower case): a line holding none is not searched.
_CHROME_NEEDS = ("|", "›", "»", "©", "/", "(photo", "(image", "(credit", "(source", "courtesy",
                 "photo", "image", "picture", "sketch", "click here", "tag us", "copyright",
                 "reserved")  # fmt: skip


@remembered
def _chrome(text: str) -> bool:
    if _CHROME_START.match(text):
        return True
    lowered = text.lower()
    return any(n in lowered for n in _CHROME_NEEDS) and bool(_CHROME_ANYWHERE.search(text))


def is_chrome(sentence: Sentence) -> bool:
    """Whether a sentence is a line of page chrome."""
    return len(sentence.text) <= 2000 and _chrome(sentence.text)
