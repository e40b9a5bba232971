"""A page's structure, as the rules engine reads it: its date line, whether it is a roundup
of items (and each sentence's item), which sentences may be taken as news, and the order
a lead is written in."""

from __future__ import annotations

import re
from datetime import date

from service.cues import cued
from service.engines.rules.dates import find_dates
from service.engines.rules.entities import Entities, is_excluded
from service.engines.rules.lexicon import Lexicon
from service.engines.rules.name_words import looks_like_organisation
from service.engines.rules.sentences import Sentence, is_chrome
from service.modality import injected, opening_kind, statement_kind

YEAR = cued(r"\b(?:19|20)\d\d\b")


# What may stand around a page's date line: a label, a place, a byline's separator.
_DATE_LINE_REST = cued(
    r"^[\W\d_]*(?:(?:published|updated|posted|date|on|by staff|staff reporter)\b[^\w]*)*"
    r"(?:[A-Z][a-z]+(?:[ ,]+[A-Z][a-z]+)*,?\s*)?$",
    re.IGNORECASE,
)
DATE_LINE_WITHIN = 8  # sentences from the top of the page


def date_line(sentences: list[Sentence]) -> date | None:
    """A full date standing on its own line near the top of the page (with at most a
    label such as "Published:" or a place), else opening the lead as its dateline
    ("BOSTON, March 14, 2025 (GLOBE NEWSWIRE) --"): the publication date."""
    dateline = None
    for sentence in sentences[:DATE_LINE_WITHIN]:
        text = sentence.text.strip()
        short = len(text.split()) <= 8
        head = text if short else text[:120]
        # Only a short line, or one opening with "PLACE,", can be either: read no other.
        if not YEAR.search(head) or not (short or _PLACE_START.match(head)):
            continue
        found = [d for d in find_dates(head) if len(d.value) == 10]
        if not found:
            continue
        first = found[0]
        rest = text[: first.start] + " " + text[first.end :]
        if short and len(found) == 1 and _DATE_LINE_REST.match(rest.strip()):
            return date.fromisoformat(first.value)
        if dateline is None and _PLACE.match(text[: first.start]) and _WIRE.match(text, first.end):
            dateline = date.fromisoformat(first.value)
    return dateline


_PLACE = cued(r"^[A-Z][\w .,'-]{1,60},\s*$")
_PLACE_START = cued(r"^[A-Z][\w .'-]{1,40},")
_WIRE = cued(r"\s*(?:\([^)]{1,40}\)|/[^/]{1,40}/)?\s*(?:--|—|–|:)")


# A roundup item's name: a short heading line, or "Name: " opening a paragraph.
_ITEM_PREFIX = cued(r"^([A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,4}):\s+[A-Z]")
ROUNDUP_MIN_ITEMS = 2


def _item_name(
    sentence: Sentence, entities: Entities, lexicon: Lexicon, paragraph: str = ""
) -> str | None:
    """The organisation a roundup item's head names, if it names one: a known one
    inside it, or a head that is a name ("Marlow Genetics", "Marlow Genetics: …") the
    item's paragraph names too, or that looks like an organisation's."""
    text = sentence.text.strip()
    known = [m for m in entities.organisations_in(text) if lexicon.authority(m.text) is None]
    whole = sentence.is_heading and 1 <= len(text.split()) <= 6  # a line that is a name
    if whole:
        name = text
    elif found := _ITEM_PREFIX.match(text):
        name = found.group(1)
    else:
        return known[0].text if known else None
    words = name.split()
    if not all(w[0].isupper() or w.lower() in ("of", "and", "&", "for") for w in words):
        return known[0].text if known else None
    if known and known[0].end - known[0].start >= len(name) // 2:
        return known[0].text
    products = set(entities.products)
    if is_excluded(name, lexicon, products) or not any(c.islower() for c in name):
        return None
    # A title's kicker ("Homegrown Weapon: Israeli Doctors …", a heading) is no
    # organisation, unless the item names it again or it looks like one.
    if whole or not sentence.is_heading or words[0] in paragraph or looks_like_organisation(name):
        return name
    return None


# A numbered item: "1. FDA Issues CRL for …".
_NUMBERED = cued(r"^\s*\d{1,2}[.)]\s")
# What heads an item of a listing: a line of this many words before a paragraph.
ITEM_HEAD_WORDS = (2, 25)
# Lines under an item's head that label it ("Country", "United States"), skipped.
_LABEL = cued(r"^(?:country|region|sector|category|topic|tags?|source|date)\b", re.I)


def roundup_sections(
    sentences: list[Sentence], text: str, entities: Entities, lexicon: Lexicon
) -> list[str | None]:
    """For each sentence, the organisation of its item when the page is a roundup of
    several items; otherwise None throughout (one item's organisation is never carried
    into the next). An item is headed by a short line before a paragraph, or by "Name:"
    opening one. A page is a roundup when its items are numbered, or when at least two
    heads name different organisations (an article's subheadings rarely name one). An
    item's organisation is the one its head names, else the first its paragraph names;
    an item naming none has "" (no one, not the page's main organisation)."""
    n = len(sentences)
    heads: list[int] = []
    for i, s in enumerate(sentences):
        if _ITEM_PREFIX.match(s.text) and not s.is_heading:
            heads.append(i)
            continue
        words = len(s.text.split())
        if not (s.is_heading and ITEM_HEAD_WORDS[0] <= words <= ITEM_HEAD_WORDS[1]):
            continue
        if is_chrome(s) or _LABEL.match(s.text):
            continue
        following = next((t for t in sentences[i + 1 : i + 4] if not _is_label(t)), None)
        if following is not None and not following.is_heading:
            heads.append(i)
    if len(heads) < ROUNDUP_MIN_ITEMS:
        return [None] * n
    bounds = [*heads, n]
    spans = list(zip(bounds, bounds[1:], strict=False))
    paragraphs = [" ".join(t.text for t in sentences[a + 1 : b]) for a, b in spans]
    named = [
        _item_name(sentences[a], entities, lexicon, paragraph)
        for (a, _), paragraph in zip(spans, paragraphs, strict=True)
    ]
    numbered = sum(
        1 for a, _ in spans if _NUMBERED.match(text, text.rfind("\n", 0, sentences[a].start) + 1)
    )
    if numbered < ROUNDUP_MIN_ITEMS and len({o for o in named if o}) < ROUNDUP_MIN_ITEMS:
        return [None] * n
    sections: list[str | None] = [None] * heads[0]
    for (a, b), head_name in zip(spans, named, strict=True):
        owner = head_name or _first_organisation(sentences[a + 1 : b], entities, lexicon)
        sections += [owner or ""] * (b - a)
    return sections


def _is_label(sentence: Sentence) -> bool:
    """A line that labels an item rather than heading it: "Country", "United States"."""
    return sentence.is_heading and len(sentence.text.split()) <= 4


def _first_organisation(
    sentences: list[Sentence], entities: Entities, lexicon: Lexicon
) -> str | None:
    for sentence in sentences:
        found = [
            m for m in entities.organisations_in(sentence.text) if lexicon.authority(m.text) is None
        ]
        if found:
            return found[0].text
    return None


def news(sentences: list[Sentence], text: str) -> list[bool]:
    """Whether each sentence may be taken as news: not page chrome, not an instruction
    or a supposition, and not after the marks of an injected prompt in its paragraph."""
    news = []
    quarantined_to = -1  # the end of a paragraph holding an injected prompt
    for sentence in sentences:
        kind = statement_kind(sentence.text)
        if kind == "instruction" and injected(sentence.text):
            line_end = text.find("\n", sentence.end)
            quarantined_to = len(text) if line_end < 0 else line_end
        news.append(kind is None and sentence.start > quarantined_to and not is_chrome(sentence))
    return news


def lead_order(sentences: list[Sentence]) -> list[Sentence]:
    """Statements first; sentences opening with a condition or a purpose ("If approved,
    …") after them, never leading."""
    stating = [s for s in sentences if opening_kind(s.text) is None]
    return stating + [s for s in sentences if opening_kind(s.text) is not None]
