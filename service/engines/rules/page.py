"""A page's structure, as the rules engine reads it: its date line, whether it is a roundup
of items (and each sentence's item), which sentences may be taken as news, and the order
a lead is written in."""

from __future__ import annotations

import re
from datetime import date

from service.engines.rules.dates import find_dates
from service.engines.rules.entities import Entities, is_excluded
from service.engines.rules.lexicon import Lexicon
from service.engines.rules.sentences import Sentence
from service.modality import injected, opening_kind, statement_kind

YEAR = re.compile(r"\b(?:19|20)\d\d\b")


# What may stand around a page's date line: a label, a place, a byline's separator.
_DATE_LINE_REST = re.compile(
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


_PLACE = re.compile(r"^[A-Z][\w .,'-]{1,60},\s*$")
_PLACE_START = re.compile(r"^[A-Z][\w .'-]{1,40},")
_WIRE = re.compile(r"\s*(?:\([^)]{1,40}\)|/[^/]{1,40}/)?\s*(?:--|—|–|:)")


# A roundup item's name: a short heading line, or "Name: " opening a paragraph.
_ITEM_PREFIX = re.compile(r"^([A-Z][\w&.'-]*(?:\s+[A-Z][\w&.'-]*){0,4}):\s+[A-Z]")
ROUNDUP_MIN_ITEMS = 2


def _item_name(sentence: Sentence, entities: Entities, lexicon: Lexicon) -> str | None:
    """The organisation a roundup item is headed by, if the sentence heads one."""
    text = sentence.text.strip()
    if sentence.is_heading and 1 <= len(text.split()) <= 6:
        name = text
    elif found := _ITEM_PREFIX.match(text):
        name = found.group(1)
    else:
        return None
    words = name.split()
    if not all(w[0].isupper() or w.lower() in ("of", "and", "&", "for") for w in words):
        return None
    known = entities.organisations_in(name)
    if known and known[0].end - known[0].start >= len(name) // 2:
        return known[0].text
    products = set(entities.products)
    if is_excluded(name, lexicon, products) or not any(c.islower() for c in name):
        return None
    return name


def roundup_sections(
    sentences: list[Sentence], entities: Entities, lexicon: Lexicon
) -> list[str | None]:
    """For each sentence, the organisation of its item when the page is a roundup of
    several items, each headed by its organisation; otherwise None throughout (one
    item's organisation is never carried into the next)."""

    def could_head(s: Sentence) -> bool:  # cheap: most pages have no item heads at all
        return (s.is_heading and len(s.text.split()) <= 6) or bool(_ITEM_PREFIX.match(s.text))

    if sum(1 for s in sentences if could_head(s)) < ROUNDUP_MIN_ITEMS:
        return [None] * len(sentences)
    names = [_item_name(s, entities, lexicon) if could_head(s) else None for s in sentences]
    heads = [
        i
        for i, name in enumerate(names)
        if name is not None
        and (
            not sentences[i].is_heading
            or (i + 1 < len(sentences) and not sentences[i + 1].is_heading)
        )
    ]
    if len(heads) < ROUNDUP_MIN_ITEMS:
        return [None] * len(sentences)
    sections: list[str | None] = []
    current = None
    for i, name in enumerate(names):
        if i in heads:
            current = name
        sections.append(current)
    return sections


# A line of page chrome, not the article: menus and breadcrumbs ("Home | News | Cell
# therapy"), labels of other stories ("Related:", "Read more"), bylines, photo credits and
# captions ("(Photo: …)", "/Courtesy of …", "Source: Pixabay"), market tickers ("Price
# Action:"), SVG text ("Created with Sketch").
CHROME_LINE = re.compile(
    r"(?:\s[|›»]\s[^|›»]*){2}"
    r"|^\s*(?:related(?: articles?| stories| news)?|read (?:more|next|also|the full story)|"
    r"also read|see also|more from|recommended(?: for you)?|sponsored|advertisement|photo|"
    r"image|credit|source|courtesy|price action|tags?|topics?|posted by|written by|by|"
    r"author\(?s?\)?)\s*(?:[:|\-\u2013\u2014]|$)"
    r"|^\s*author\(s\)"
    r"|\((?:photo|image|credit|source)\b[^)]{0,80}\)"
    r"|\bcourtesy of\b|\b(?:photo|image|picture) (?:credit|by|courtesy)\b"
    r"|/\s?(?:Getty(?: Images)?|Reuters|AFP|AP|PA|Pixabay|Shutterstock|iStock|Science Source|"
    r"Unsplash|Alamy)\b"
    r"|\bcreated with sketch\b|\bclick here\b|\btag us on\b",
    re.IGNORECASE,
)


def is_chrome(sentence: Sentence) -> bool:
    """Whether a sentence is a line of page chrome (``CHROME_LINE``)."""
    return bool(CHROME_LINE.search(sentence.text))


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
