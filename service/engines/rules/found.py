"""What the reader reads a sentence by: the cues around a trigger (who is its subject,
what a pronoun or "the product" stands for, where an aside opens, which place is a home),
the milestone found (``Found``), and the products several subjects or a count share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from service.cues import cued
from service.engines.rules.entities import (
    Entities,
)
from service.engines.rules.lexicon import Lexicon
from service.engines.rules.names import Mention
from service.engines.rules.sentences import Sentence
from service.engines.rules.triggers import clause_of, clauses

OPENING_PHRASE = cued(
    r"\s*(?:At|In|During|Following|After|Before|On|Under|Through|Since|Despite|According to|"
    r"Earlier|Last|This)\b[^,]{0,120},\s*"
)
# What may stand between a subject and its verb ("Acme has been granted", "GoCo will").
AUXILIARIES = frozenset(
    "has have had is are was were will would shall be been being today also now recently "
    "previously officially successfully".split()
)
PRONOUN = cued(r"\b(?:its|it|the company|we|our|they|their|the firm|the group)\b", re.I)
# A clause reported by the one before it: "Acme said that …", "X confirmed that …".
REPORTED = cued(
    r"\b(?:said|says|announc\w*|confirm\w*|report\w*|stat(?:ed|es)|not(?:ed|es)|reveal\w*|"
    r"disclos\w*|explain\w*|add(?:ed|s)|indicat\w*|updat\w*)\b[^.;]{0,60}?\bthat\s*$",
    re.I,
)
# "Cipla partner Stempeutics", "Novartis unit Sandoz": the second names who acts.
ROLE_BETWEEN = cued(
    r"^\s*(?:partner|unit|subsidiary|affiliate|spin-?out|spin-?off|portfolio company|"
    r"arm|division)\s+$",
    re.I,
)
# What stands for a product already named: "it", "the drug", "the therapy".
PRODUCT_ANAPHOR = cued(
    r"\b(?:it|its|the (?:drug|therapy|treatment|product|medicine|candidate|vaccine|preparation|"
    r"cell therapy|gene therapy|programme|program|asset))\b",
    re.I,
)
# What stands before a place, not a subject: "in Liverpool", "at Oxford".
LOCATIVE = cued(r"\b(?:in|at|from|near|across)\s+$")
# What follows a trial's name: "the STEER study", "the HOPE-B trial".
TRIAL_NAME = cued(r"\s+(?:study|trial|program(?:me)?|cohort|registry)\b", re.I)
# Where a clause's subject starts (a dash inside a noun phrase is no such place).
_SUBJECT_START = cued(r"\bthat\s|;\s|:\s")
# A verb of several subjects before a trigger: "A and B have been granted …".
_PLURAL_VERB = cued(
    r"\b(?:have|were|are)\s+(?:\w+\s+)?(?:been\s+)?\w+ed\b|\bhave\s+(?:received|won|got)\b"
)
# A company's product not named: "Hrain Bio's BCMA CAR-T cell", "Acme's gene therapy".
UNNAMED_PRODUCT = cued(
    r"[’']s?\s+(?:[^\s.;]+\s+){0,5}?(?:therapy|cells?|drug|candidate|treatment|product)\b"
)
# "The drug", "the therapy": a product spoken of again, whose company the sentence before
# names (not "it", which is the company as often).
THE_PRODUCT = cued(
    r"\bthe (?:drug|therapy|treatment|product|medicine|candidate|vaccine|preparation|asset)\b",
    re.I,
)
# An investor's name: never the company a product belongs to.
INVESTOR = cued(r"\b(?:Capital|Ventures|Partners|Fund|Investments?|Bank|Holdings)\b")
# How far back the product "it" stands for is looked for, in sentences.
ANAPHORA_SENTENCES = 4
AGENT = cued(r"^[^.;]{0,100}?\bby\s+(?:the\s+)?$")
INDICATION = cued(
    r"(?:for (?:the )?treat(?:ment|ing) (?:of )?|aimed at treating |to treat |in patients with "
    r"|for patients with |for )(?P<indication>[^.;,()\u201c\u201d]{3,90}?(?:cancers?|tumou?rs?|"
    r"leuka?emias?|lymphomas?|myelomas?|carcinomas?|sarcomas?|gliomas?|glioblastoma|melanoma|"
    r"disease|syndrome|dystrophy|atrophy|deficiency|disorders?|malignanc(?:y|ies)|spondylitis|"
    r"arthritis|lupus|sclerosis|diabetes|failure|injury|ha?emophilia [AB]|ha?emophilia|"
    r"an(?:a)?emia|thalassa?emia|neoplasms?))\b",
    re.IGNORECASE,
)
_HOME_BEFORE = cued(
    r"\b(?:founded|based|headquartered|located|listed|incorporated|registered|born)\s+"
    r"(?:in|at)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_HOME_AFTER = cued(r"-(?:based|headquartered)\b", re.IGNORECASE)
LAST_LINK = cued(r"\s(?:in|for|with)\s(?:patients with\s)?")
FOLLOW_UP = cued(
    r"^(?:This|The|These)\s+(?:\w+\s+){0,2}(?:IND|application|trial|study|designation|approval|"
    r"funding|financing|grant|round|investment|deal|agreement|acquisition|licen[cs]e|"
    r"certificate|facility|site|plant|transaction|merger|purchase|award|approval)\b",
    re.I,
)


@dataclass(frozen=True)
class Found:
    """A milestone found in a sentence, before naming and deduplication."""

    kind: str
    sentence: Sentence
    at: int  # trigger position in the sentence
    index: int  # sentence number
    fields: dict[str, Any]
    explicit: bool  # the sentence names who reached it (not assumed from the article)
    event: str = ""  # what names the event ("Orphan drug designation", "IND clearance")
    distinct_by_name: bool = False  # its kind's events differ by name (designations)
    product_key: str = ""  # one key for a product's names (brand, INN, short forms)


# Several products spoken of together: no one of them is the milestone's.
PRODUCTS_TOGETHER = cued(
    r"\b(?:both|two|three|four|several|all|these|the)\s+(?:[\w-]+\s+)?(?:products|therapies|"
    r"treatments|drugs|medicines|candidates)\b",
    re.I,
)


# Where an aside opens after a trigger: a dash (its dates are its own).
ASIDE = re.compile(r"\s[\u2014\u2013]\s|\s-\s")
# A short aside in brackets closing a clause's subject: "HemaCell (China)", "Acme
# (Nasdaq: ACME)", "Aurion Biotech (Aurion)".
TRAILING_ASIDE = cued(r"\s*\([^()]{1,40}\)\s*$")


# A count of products: "both products", "the two therapies", "three cell therapies".
_COUNTS = {"both": 2, "two": 2, "three": 3, "four": 4}
_PRODUCTS_COUNTED = cued(
    r"\b(?:the\s+)?(?P<count>both|two|three|four)\s+(?:[\w-]+\s+){0,2}?(?:products|therapies|"
    r"treatments|drugs|medicines)\b",
    re.I,
)


def first_after(mentions: list[Mention], at: int) -> Mention | None:
    return next((m for m in mentions if m.start >= at), None)


def nearest(mentions: list[Mention], at: int) -> Mention | None:
    if not mentions:
        return None
    return min(mentions, key=lambda m: (abs(m.start - at), m.start < at))


def counted_products(
    kind: str, sentence: str, organisation: str, entities: Entities, lexicon: Lexicon
) -> list[tuple[str, str | None]]:
    """The products a sentence counts ("Both products received …", "the two
    therapies were approved"), when the article names exactly that many: one
    milestone each, with its maker where the article says who made it."""
    if kind not in lexicon.product_kinds:
        return []
    counted = _PRODUCTS_COUNTED.search(sentence)
    if counted is None:
        return []
    by_key: dict[str, str] = {}
    for name in entities.products:
        by_key.setdefault(entities.product_key(name), name)
    if len(by_key) != _COUNTS[counted.group("count").lower()]:
        return []
    return [(entities.developers.get(key, organisation), name) for key, name in by_key.items()]


def coordinated_parties(
    sentence: str, at: int, entities: Entities, lexicon: Lexicon
) -> list[tuple[str, str | None]]:
    """Several subjects that reached one milestone together, each with its product:
    "A's X and B's Y have been granted …" is A's milestone for X and B's for Y (a
    plural verb before the trigger says so). Empty when the clause has one subject."""
    opening = [m.end() for m in _SUBJECT_START.finditer(sentence, 0, at)]
    region = sentence[opening[-1] if opening else 0 : at]
    if not _PLURAL_VERB.search(region) or " and " not in region:
        return []
    parties: list[tuple[str, str | None]] = []
    for conjunct in region.split(" and "):
        orgs = [m for m in entities.organisations_in(conjunct) if lexicon.authority(m.text) is None]
        if not orgs:
            return []
        products = entities.products_in(conjunct)
        parties.append((orgs[0].text, products[0].text if products else None))
    return parties if len(parties) > 1 else []


def is_home(sentence: str, start: int, end: int) -> bool:
    """Whether the place at ``start:end`` is where an organisation is from ("founded in
    Toronto", "Boston-based"), not where a milestone is."""
    return bool(
        _HOME_BEFORE.search(sentence, max(0, start - 40), start) or _HOME_AFTER.match(sentence, end)
    )


def about_advanced_therapy(
    sentences: list[Sentence], sections: list[str | None], lexicon: Lexicon
) -> list[bool]:
    """For each sentence, whether its page (on a roundup, its item) may be about an
    advanced therapy: a page about creams and vaccines that names none states no
    milestone of this field."""
    texts = [s.text for s in sentences]
    elsewhere = lexicon.about_another_field(texts)
    if all(section is None for section in sections):
        return [not elsewhere] * len(sentences)
    # On a roundup, each item: about another field itself, or naming no advanced
    # therapy on a page that is.
    relevant: list[bool] = []
    start = 0
    for end in range(1, len(sentences) + 1):
        if end == len(sentences) or sections[end] != sections[start]:
            item = texts[start:end]
            other = lexicon.about_another_field(item) or (
                elsewhere and not lexicon.about_advanced_therapy(item)
            )
            relevant += [not other] * (end - start)
            start = end
    return relevant


def clause_around(sentence: str, at: int) -> tuple[int, int]:
    """The span of the clause of ``sentence`` that holds offset ``at``."""
    spans = clauses(sentence)
    return spans[clause_of(spans, at)]
