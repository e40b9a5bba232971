"""How the rules engine names things: a milestone's title ("Orphan drug designation for
IMC008 from the FDA"), phrases in sentence case, and texts cut to the schema's limits."""

from __future__ import annotations

import re

from schemas.checks import NAME_MAX_CHARS
from service.cues import cued
from service.engines.rules.entities import Entities, organisation_key
from service.engines.rules.lexicon import Lexicon

_NUMBERED = cued(r"^(?:[A-Z0-9]{1,3}|[IVX]{1,4}[ab]?|\d[\d/]*[ab]?)$", re.IGNORECASE)


def _sentence_case(phrase: str) -> str:
    """A phrase's capitalised words in lower case ("Orphan Drug" → "orphan drug"), but
    acronyms and a word before a number or letter kept ("RMAT", "Series A", "Phase II")."""
    words = phrase.split()
    out = []
    for i, word in enumerate(words):
        follows = words[i + 1] if i + 1 < len(words) else ""
        if (
            len(word) > 1
            and word[0].isupper()
            and word[1:].islower()
            and not _NUMBERED.match(follows)
        ):
            word = word.lower()
        elif _NUMBERED.match(word) and word.isalpha() and set(word.lower()) <= set("ivx"):
            word = word.upper()
        out.append(word)
    return " ".join(out)


def words(text: str, limit: int, max_chars: int = NAME_MAX_CHARS) -> str:
    """At most ``limit`` words and ``max_chars`` characters, with an ellipsis (counted
    as a word) when cut; a single word too long for ``max_chars`` is cut itself."""
    words = text.split()
    whole = " ".join(words[: limit + 1])
    if len(words) <= limit and len(whole) <= max_chars:
        return whole
    kept: list[str] = []
    for word in words[: limit - 1]:
        if len(" ".join([*kept, word])) + 2 > max_chars:
            if not kept:
                kept.append(word[: max_chars - 2])
            break
        kept.append(word)
    return " ".join([*kept, "\u2026"])


def fits(name: str | None) -> bool:
    return name is not None and len(name) <= NAME_MAX_CHARS


def event_label(lexicon: Lexicon, kind: str, text: str, at: int) -> str:
    """What names the event (an orphan drug designation, an IND clearance, a $40
    million Series A), from the names nearest the trigger; else the kind."""
    rules = lexicon.kind(kind)
    for pattern, template in rules.names if rules else ():
        found = min(pattern.finditer(text), key=lambda m: abs(m.start() - at), default=None)
        if found is not None:
            parts = {k: _sentence_case(v) for k, v in found.groupdict().items() if v}
            label = template.format(_sentence_case(found.group(0)), **parts)
            return label[:1].upper() + label[1:]
    return "Milestone" if kind == "other" else kind.replace("_", " ").capitalize()


def title(
    lexicon: Lexicon,
    entities: Entities,
    kind: str,
    organisation: str | None,
    product: str | None,
    authority: str | None,
    sentence: str,
    at: int,
) -> str:
    """What happened, to what, and who said so: "Orphan drug designation for IMC008
    from the FDA", "$40 million Series A financing for Larkspur Bio", "Acquisition of
    Nordgen ApS by Helixa", "Licensing agreement between Kestrel and Minato Pharma"."""
    rules = lexicon.kind(kind)
    label = event_label(lexicon, kind, sentence, at)
    known = lexicon.authority(authority) if authority else None
    if organisation and known is not None and lexicon.authority(organisation) == known:
        organisation = None  # named by no one but the authority: "Approval from the EC"
    party = rules.party if rules is not None else ""
    other = _counterpart(lexicon, entities, organisation, sentence, at) if party else None
    if party == "of" and other and organisation:
        title = f"{label} of {other} by {organisation}"
    elif other and organisation:
        title = f"{label} between {organisation} and {other}"
        title += f" for {product}" if product else ""
    elif product or organisation:
        if rules is None:
            joiner = "for"
        else:
            joiner = rules.product_joiner if product else rules.subject_joiner
        title = f"{label} {joiner} {product or organisation}"
    else:
        title = label
    if authority and rules is not None and rules.authority_joiner:
        title += f" {rules.authority_joiner} {lexicon.called(authority)}"
    return words(title, 15)


def _counterpart(
    lexicon: Lexicon, entities: Entities, organisation: str | None, sentence: str, at: int
) -> str | None:
    """The other party to a deal: the organisation named nearest after the trigger,
    else before it, that is neither the milestone's organisation nor an authority."""
    own = organisation_key(organisation) if organisation else None
    others = [
        m
        for m in entities.organisations_in(sentence)
        if m.text != organisation
        and organisation_key(m.text) != own  # "Novartis" and "Novartis Pharma AG": one
        and lexicon.authority(m.text) is None
    ]
    after = [m for m in others if m.start >= at]
    chosen = after[0] if after else (others[-1] if others else None)
    return chosen.text if chosen else None
