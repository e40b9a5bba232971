"""Capitalised runs that may name something: found in a sentence, split at possessives,
at "and" between two names, after a legal form and before a person's title, and trimmed
of the words that open sentences. The entity pass and the reader ask for a sentence's
runs alike (recent ones are remembered)."""

from __future__ import annotations

import re

from service.cues import cued
from service.engines.rules.memo import remembered
from service.engines.rules.name_words import (
    DOMAIN_TERMS,
    INSTITUTION_WORDS,
    LEGAL_SUFFIXES,
    NOT_NAMES,
    ORDINALS,
    PERSON_WORDS,
    looks_like_organisation,
)
from service.engines.rules.names import Mention

_TOKEN = r"(?:[A-Z0-9][\w'’&.\-/]*[\w.]|[A-Z])"
_CONNECTOR = r"(?:of|for|and|&|de|del|der|du|la|le|the|y|für)"
_SUFFIX_AFTER_COMMA = (
    r"(?:,\s+(?:Inc\.|Inc\b|Ltd\.|LLC|Co\.|Corp\.|plc|PLC|AG|AB|S\.A\.|N\.V\.|B\.V\.))"
)
# A name may follow "--" or "—" ("BUSINESS WIRE)--Apexa"), not a hyphenated word's head.
CHUNK = cued(rf"(?<!\w)(?<!\w-){_TOKEN}(?:(?:\s+{_CONNECTOR})?\s+{_TOKEN})*{_SUFFIX_AFTER_COMMA}?")
# A name may hold "and" ("Medicines and Healthcare products Regulatory Agency"), this
# many times at most; a longer run of capitalised words joined by "and" is a list.
MAX_ANDS_IN_NAME = 3
# No name is longer than this many words: a longer capitalised run is a title or a list.
MAX_NAME_WORDS = 12
_CONNECTORS = frozenset({"of", "for", "and", "&", "the", "de", "del", "der", "du", "la", "le", "y"})
_POSSESSIVE = cued(r"(?<=\w)[’']s\s+")
_AND = cued(r"\s+(?:and|&)\s+")

# Capitalised words that open sentences, and also names: "Cell Therapies Pty Ltd",
# "Gene Therapy Catapult" (kept before an institution word).
_NAME_HEADS_TOO = frozenset("Cell Gene Advanced Clinical Medical".split())


def strip_chunk(chunk: str) -> str:
    words = chunk.split()
    while words and (
        words[0] in NOT_NAMES
        or words[0] in DOMAIN_TERMS
        or words[0] in ORDINALS
        or words[0].lower() in _CONNECTORS
        or words[0].endswith(("-based", "-headquartered", "-listed", "-traded", "-quoted"))
    ):
        if (
            words[0] in _NAME_HEADS_TOO
            and len(words) > 1
            and (
                words[1] in INSTITUTION_WORDS
                or words[-1] in LEGAL_SUFFIXES
                or (len(words) > 2 and words[-1] in INSTITUTION_WORDS)  # "Cell Design Labs"
            )
        ):
            break
        words.pop(0)
    if all(w.strip(",") in LEGAL_SUFFIXES for w in words):  # "Inc." alone names nothing
        return ""
    while words and words[-1].lower() in _CONNECTORS:
        words.pop()
    if not words:
        return ""
    last = words[-1]
    if last.endswith(("’s", "'s")):
        words[-1] = last[:-2]
    elif last.endswith(".") and last not in LEGAL_SUFFIXES:
        words[-1] = last.rstrip(".")
    return " ".join(w for w in words if w)


def _pieces(match: re.Match[str]) -> list[tuple[int, str]]:
    """A run split at possessives ("Canada’s CCRM") and at "and" between two names
    (one with "and" inside stays whole, up to ``MAX_ANDS_IN_NAME`` of them)."""
    pieces = [(match.start(), match.group())]
    run = pieces[0][1]
    splitters = [
        splitter
        for splitter, sign in ((_POSSESSIVE, ("'s", "’s")), (_AND, ("and", "&")))
        if any(s in run for s in sign)  # a run without one is not split by it
    ]
    for splitter in splitters:
        split: list[tuple[int, str]] = []
        for offset, raw in pieces:
            cut = 0
            pending: list[re.Match[str]] = []  # separators since ``cut``, not split at
            for sep in splitter.finditer(raw):
                left = strip_chunk(raw[cut : sep.start()])
                if splitter is _POSSESSIVE or (left and looks_like_organisation(left)):
                    split.append((offset + cut, raw[cut : sep.start()]))
                    cut = sep.end()
                    pending = []
                    continue
                pending.append(sep)
                if len(pending) > MAX_ANDS_IN_NAME:  # too many for one name: a list
                    first = pending.pop(0)
                    split.append((offset + cut, raw[cut : first.start()]))
                    cut = first.end()
            split.append((offset + cut, raw[cut:]))
        pieces = split
    return pieces


# A legal form ends a name: "Kyoto Gene K.K. for KG-9" is "Kyoto Gene K.K." and a code.
_LEGAL_END = cued(
    r"(?<=\s)(?:"
    + "|".join(re.escape(s) for s in sorted(LEGAL_SUFFIXES, key=len, reverse=True))
    + rf")(?P<cut>\s+{_CONNECTOR}\s+)"
)


def _cut_after_legal_form(offset: int, raw: str) -> list[tuple[int, str]]:
    if len(raw.split()) < 3:
        return [(offset, raw)]  # a word, a legal form, a connector: three words at least
    pieces = []
    start = 0
    for found in _LEGAL_END.finditer(raw):
        pieces.append((offset + start, raw[start : found.start("cut")]))
        start = found.end("cut")
    pieces.append((offset + start, raw[start:]))
    return pieces


def _before_person(offset: int, raw: str) -> list[tuple[int, str]]:
    """A run cut where a person's title starts: "Acme Bio CEO Jane Roe" names Acme Bio."""
    words = raw.split(" ")
    for i, word in enumerate(words[1:], start=1):
        if word.rstrip(",") in PERSON_WORDS:
            return [(offset, " ".join(words[:i]))]
    return [(offset, raw)]


def candidate_chunks(sentence: str) -> list[Mention]:
    """Capitalised runs that may name something, trimmed of sentence-opening words (the
    entity pass and the reader ask for a sentence's runs alike: kept for recent ones)."""
    if len(sentence) > 2000:
        return _candidate_chunks(sentence)
    return list(_cached_chunks(sentence))


@remembered
def _cached_chunks(sentence: str) -> tuple[Mention, ...]:
    return tuple(_candidate_chunks(sentence))


def _candidate_chunks(sentence: str) -> list[Mention]:
    found = []
    for match in CHUNK.finditer(sentence):
        pieces = [
            cut
            for piece in _pieces(match)
            for legal in _cut_after_legal_form(*piece)
            for cut in _before_person(*legal)
        ]
        for offset, raw in pieces:
            name = strip_chunk(raw)
            if not name or name.count(" ") >= MAX_NAME_WORDS:
                continue
            start = offset + raw.find(name.split()[0])
            found.append(Mention(start, start + len(name), name))
    return found
