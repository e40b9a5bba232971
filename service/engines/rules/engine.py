"""The rules engine: deterministic, offline extraction with no model.

For each sentence of the cleaned article, trigger phrases (``triggers.py``) say which
kinds of milestone it states; the sentence itself is the evidence, so every milestone is
grounded by construction. Around each trigger the engine reads who reached the milestone
(the subject of the clause, or the recipient when the subject is the authority), the
authority and its jurisdiction (``data/authorities.json``), the product, the date nearest
the trigger, the status from the tense, and the indication. The result passes the same
validation as the LLM engine's.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas import ExtractedMilestone, Extraction
from schemas.v1 import NAME_MAX_CHARS, TEXT_MAX_CHARS
from service.engines.base import ArticleRequest, EngineRun
from service.engines.rules.dates import FoundDate, date_near, find_dates
from service.engines.rules.entities import (
    Entities,
    candidate_chunks,
    find_entities,
    is_excluded,
    is_person,
    without_legal_form,
)
from service.engines.rules.lexicon import Lexicon, Mention, load_lexicon
from service.engines.rules.sentences import Sentence, split_sentences
from service.engines.rules.triggers import CLAUSE, NOT_A_FACT, status_of
from service.errors import ExtractionFailed
from service.identity import content_digest
from service.modality import clause_kind, injected, opening_kind, statement_kind
from service.offload import off_loop
from service.validate import ValidationContext, describe_errors

RULES_VERSION = "rules/v1"
_CODE = Path(__file__).resolve().parent
SUMMARY_TARGET_WORDS = 45
EVIDENCE_MAX_CHARS = 2000
# At most this many milestones, products and other organisations per article: a
# summary, not an index (and the work per article stays linear in its length).
MAX_MILESTONES = 100
MAX_PRODUCTS = 50
MAX_OTHER_ORGANISATIONS = 50
# A product's modality and targets are read in this many sentences naming it, at most.
PRODUCT_CONTEXT_SENTENCES = 6

_CLAUSE_BREAK = re.compile(r"(?:\bthat\b|;|\s[\u2014\u2013-]\s|:|\bwhile\b|\bwhereas\b)")
_OPENING_PHRASE = re.compile(
    r"\s*(?:At|In|During|Following|After|Before|On|Under|Through|Since|Despite|According to|"
    r"Earlier|Last|This)\b[^,]{0,120},\s*"
)
# What may stand between a subject and its verb ("Acme has been granted", "GoCo will").
_AUXILIARIES = frozenset(
    "has have had is are was were will would shall be been being today also now recently "
    "previously officially successfully".split()
)
_PRONOUN = re.compile(r"\b(?:its|it|the company|we|our|they|their|the firm|the group)\b", re.I)
_AGENT = re.compile(r"^[^.;]{0,100}?\bby\s+(?:the\s+)?$")
_INDICATION = re.compile(
    r"(?:for (?:the )?treat(?:ment|ing) (?:of )?|aimed at treating |to treat |in patients with "
    r"|for patients with |for )(?P<indication>[^.;,()\u201c\u201d]{3,90}?(?:cancers?|tumou?rs?|"
    r"leuka?emias?|lymphomas?|myelomas?|carcinomas?|sarcomas?|gliomas?|glioblastoma|melanoma|"
    r"disease|syndrome|dystrophy|atrophy|deficiency|disorders?|malignanc(?:y|ies)|spondylitis|"
    r"arthritis|lupus|sclerosis|diabetes|failure|injury|ha?emophilia [AB]|ha?emophilia|"
    r"an(?:a)?emia|thalassa?emia|neoplasms?))\b",
    re.IGNORECASE,
)
_HOME_BEFORE = re.compile(
    r"\b(?:founded|based|headquartered|located|listed|incorporated|registered|born)\s+"
    r"(?:in|at)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_HOME_AFTER = re.compile(r"-(?:based|headquartered)\b", re.IGNORECASE)
_LAST_LINK = re.compile(r"\s(?:in|for|with)\s(?:patients with\s)?")
_FOLLOW_UP = re.compile(
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


def _first_after(mentions: list[Mention], at: int) -> Mention | None:
    return next((m for m in mentions if m.start >= at), None)


def _nearest(mentions: list[Mention], at: int) -> Mention | None:
    if not mentions:
        return None
    return min(mentions, key=lambda m: (abs(m.start - at), m.start < at))


class ArticleReader:
    """Reads one article: its sentences, names, and the milestones they state."""

    def __init__(self, request: ArticleRequest, lexicon: Lexicon) -> None:
        self.request = request
        self.lexicon = lexicon
        self.text = request.text
        self.sentences = split_sentences(self.text)
        self.news = _news(self.sentences, self.text)
        self.entities: Entities = find_entities(self.sentences, self.text, lexicon)
        self.main = self.entities.main_organisation()
        self.sections = _roundup_sections(self.sentences, self.entities, lexicon)
        # Publication date: the caller's, else a date standing on its own line at the top
        # ("14 Oct 2023", "Published: Dec. 7, 2017"), else the lead's dateline.
        self.published = request.published_at or _date_line(self.sentences)
        # What several triggers of one sentence ask about it, worked out once.
        self._dates: dict[str, list[FoundDate]] = {}
        self._authorities: dict[str, list[Mention]] = {}

    def news_sentences(self) -> list[Sentence]:
        """The sentences that may be taken as news (``_news``)."""
        return [s for s, ok in zip(self.sentences, self.news, strict=True) if ok]

    def _dates_in(self, sentence: str) -> list[FoundDate]:
        if sentence not in self._dates:
            self._dates[sentence] = find_dates(sentence, self.published)
        return self._dates[sentence]

    def _authorities_in(self, sentence: str) -> list[Mention]:
        if sentence not in self._authorities:
            self._authorities[sentence] = self.lexicon.authorities_in(sentence)
        return self._authorities[sentence]

    # -- who ---------------------------------------------------------------------------

    def _subject_organisation(self, sentence: str, at: int) -> Mention | None:
        """The organisation heading the clause that ends at ``at``; when the clause's
        subject is a pronoun ("its IND …"), the organisation of the clause around it."""
        end = at
        outward = False
        ends = _break_ends(sentence)
        while True:
            before = bisect_right(ends, end)  # the clause breaks that end by ``end``
            start = ends[before - 1] if before else 0
            opener = _OPENING_PHRASE.match(sentence, start, end)
            if opener:  # "At the ASH Annual Meeting, Trivane presented …": skip the setting
                start = opener.end()
            region = sentence[start:end]
            orgs = [
                Mention(m.start + start, m.end + start, m.text)
                for m in self._actors_in(region)
                if not (outward and self.lexicon.authority(m.text) is not None)
            ]
            if orgs:
                return orgs[0]
            named = self._unknown_subject(region, start, sentence)
            if named is not None:
                return named
            if not before or not _PRONOUN.search(region):
                return None
            end = start - 1
            outward = True

    def _unknown_subject(self, region: str, offset: int, sentence: str) -> Mention | None:
        """A name the entity pass did not know, standing as the clause's subject."""
        chunks = candidate_chunks(region)
        if not chunks or region[chunks[-1].end :].strip().split()[:1] == [","]:
            return None
        last = chunks[-1]
        if any(w.lower() not in _AUXILIARIES for w in region[last.end :].split()):
            return None
        mention = Mention(last.start + offset, last.end + offset, last.text)
        products = set(self.entities.products)
        if is_excluded(last.text, self.lexicon, products) or is_person(sentence, mention):
            return None
        self.entities.add_organisation(last.text)
        return mention

    def _actors_in(self, text: str) -> list[Mention]:
        found = self.entities.organisations_in(text) + self.lexicon.authorities_in(text)
        return sorted(found, key=lambda m: m.start)

    def _who(
        self, sentence: str, at: int, index: int | None = None
    ) -> tuple[str | None, Mention | None, bool]:
        """(organisation, authority mention, whether the sentence names the organisation).
        Unnamed, it is the organisation of the sentence's item on a roundup page, else
        the article's main organisation."""
        lo, hi = self._clause(sentence, at)
        authorities = [m for m in self._authorities_in(sentence) if lo <= m.start < hi]
        agent = None  # "granted clearance by the CDE", "being established by CCRM Nordic"
        for mention in self._actors_in(sentence[at:]):
            if _AGENT.match(sentence[at : at + mention.start]):
                agent = Mention(mention.start + at, mention.end + at, mention.text)
                break
        subject = self._subject_organisation(sentence, at)
        authority = None
        organisation = None
        for candidate in (subject, agent):
            if candidate is None:
                continue
            if self.lexicon.authority(candidate.text) is not None:
                authority = authority or candidate
            elif organisation is None:
                organisation = candidate.text
        if organisation is None and subject is not None and subject is authority:
            # "The EMA has granted Acme AB a certificate": Acme AB reached the milestone.
            recipient = _first_after(self.entities.organisations_in(sentence), at)
            if recipient is None:  # "A and B announced that the FDA granted …": A
                announcers = self.entities.organisations_in(sentence[: subject.start])
                recipient = announcers[0] if announcers else None
            organisation = recipient.text if recipient else None
        if authority is None:
            authority = _nearest(authorities, at)
        section = self.sections[index] if index is not None else None
        return organisation or section or self.main, authority, organisation is not None

    def _funded(self, sentence: str, match: re.Match[str]) -> str | None:
        """The company a round was invested in, when the trigger ends "… in" ("Harbor
        Ventures led a $40 million investment in Larkspur Bio"): the funded company, not
        the investor, reached the milestone."""
        if not match.group().rstrip().endswith(" in"):
            return None
        window = sentence[match.end() : match.end() + 120]
        after = self.entities.organisations_in(window)
        if after and after[0].start <= 5:
            return after[0].text
        chunks = candidate_chunks(window)
        if chunks and chunks[0].start <= 5:
            if not is_excluded(chunks[0].text, self.lexicon, set(self.entities.products)):
                self.entities.add_organisation(chunks[0].text)
                return chunks[0].text
        return None

    # -- what --------------------------------------------------------------------------

    def _product(self, kind: str, sentence: Sentence, at: int) -> str | None:
        product = _nearest(self.entities.products_in(sentence.text), at)
        if product is not None:
            return product.text
        if kind in self.lexicon.product_kinds and len(self.entities.products) == 1:
            return self.entities.products[0]
        return None

    def _indication(self, index: int, at: int) -> str | None:
        """The disease named after the trigger, else in a "This IND …" follow-up, else before."""
        sentence = self.sentences[index].text
        found = _INDICATION.search(sentence, at)
        if found is None and index + 1 < len(self.sentences):
            following = self.sentences[index + 1].text
            if _FOLLOW_UP.match(following):
                found = _INDICATION.search(following, 0, EVIDENCE_MAX_CHARS)
        if found is None:
            found = _INDICATION.search(sentence)
        if found is None:
            return None
        # "for AB-101 in relapsed lymphoma": the disease is what follows the last "in".
        indication = _LAST_LINK.split(found.group("indication"))[-1].strip()
        return indication if _fits(indication) else None

    @staticmethod
    def _clause(sentence: str, at: int) -> tuple[int, int]:
        clauses = _clauses(sentence)
        return clauses[_clause_of(clauses, at)]

    def _date(self, index: int, at: int) -> str | None:
        """The date in the trigger's clause, else one a "The funding was announced on …"
        follow-up sentence gives."""
        sentence = self.sentences[index].text
        found = date_near(sentence, at, self._dates_in(sentence), within=self._clause(sentence, at))
        if found is None and index + 1 < len(self.sentences):
            following = self.sentences[index + 1].text
            if _FOLLOW_UP.match(following):
                found = date_near(following, 0, self._dates_in(following))
        return found

    def _jurisdiction(self, authority: Mention | None, sentence: str, at: int) -> str | None:
        if authority is not None:
            known = self.lexicon.authority(authority.text)
            if known is not None:
                return known.jurisdiction
        lo, hi = self._clause(sentence, at)
        codes = {
            self.lexicon.country_code(p.text)
            for p in self.lexicon.places_in(sentence[lo:hi])
            if not _is_home(sentence, lo + p.start, lo + p.end)
        }
        codes.discard(None)
        return codes.pop() if len(codes) == 1 else None

    # -- milestones --------------------------------------------------------------------

    def _kinds_in(self, sentence: Sentence) -> list[tuple[str, re.Match[str]]]:
        """Each kind the sentence states, at most once per clause; none from a clause
        that sets a condition or a purpose, supposes or instructs."""
        text = sentence.text
        clauses = _clauses(text)
        matched: dict[str, dict[int, re.Match[str]]] = {}
        lowered = text.lower()
        for rules in self.lexicon.kinds:
            if not rules.may_be_in(lowered):
                continue
            if rules.requires is not None and not rules.requires.search(text):
                continue
            for pattern in rules.patterns:
                for match in pattern.finditer(text):
                    if NOT_A_FACT.search(text[max(0, match.start() - 60) : match.end()]):
                        continue
                    if clause_kind(text, match.start()) is not None:
                        continue
                    context = text[max(0, match.start() - 40) : match.end()]
                    if rules.not_in_match is not None and rules.not_in_match.search(context):
                        continue
                    clause = _clause_of(clauses, match.start())
                    matched.setdefault(rules.name, {}).setdefault(clause, match)
        superseding = {rules.name: rules.supersedes for rules in self.lexicon.kinds}
        dropped = {d for kind in matched for d in superseding[kind]}
        return [
            (kind, match)
            for kind, by_clause in matched.items()
            if kind not in dropped
            for match in by_clause.values()
        ]

    def _event(self, kind: str, text: str, at: int) -> str:
        """What names the event (an orphan drug designation, an IND clearance, a $40
        million Series A), from the names nearest the trigger; else the kind."""
        rules = self.lexicon.kind(kind)
        for pattern, template in rules.names if rules else ():
            found = min(pattern.finditer(text), key=lambda m: abs(m.start() - at), default=None)
            if found is not None:
                parts = {k: _sentence_case(v) for k, v in found.groupdict().items() if v}
                label = template.format(_sentence_case(found.group(0)), **parts)
                return label[:1].upper() + label[1:]
        return "Milestone" if kind == "other" else kind.replace("_", " ").capitalize()

    def _title(
        self,
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
        rules = self.lexicon.kind(kind)
        label = self._event(kind, sentence, at)
        party = rules.party if rules is not None else ""
        other = self._counterpart(organisation, sentence, at) if party else None
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
            title += f" {rules.authority_joiner} {self.lexicon.called(authority)}"
        return _words(title, 15)

    def _counterpart(self, organisation: str | None, sentence: str, at: int) -> str | None:
        """The other party to a deal: the organisation named nearest after the trigger,
        else before it, that is neither the milestone's organisation nor an authority."""
        others = [
            m
            for m in self.entities.organisations_in(sentence)
            if m.text != organisation and self.lexicon.authority(m.text) is None
        ]
        after = [m for m in others if m.start >= at]
        chosen = after[0] if after else (others[-1] if others else None)
        return chosen.text if chosen else None

    def milestones(self) -> list[dict[str, Any]]:
        found: list[Found] = []
        for index, sentence in enumerate(self.sentences):
            if len(sentence.text) > EVIDENCE_MAX_CHARS or not self.news[index]:
                continue
            for kind, match in self._kinds_in(sentence):
                organisation, authority, explicit = self._who(sentence.text, match.start(), index)
                rules = self.lexicon.kind(kind)
                if rules is not None and not rules.authority_joiner:
                    authority = None  # a trial start or a deal has no authority of its own
                if kind == "funding" and (funded := self._funded(sentence.text, match)):
                    organisation, explicit = funded, True  # "… led a $40M round in Acme"
                if organisation is None:
                    continue
                product = self._product(kind, sentence, match.start())
                window = sentence.text[max(0, match.start() - 60) : match.end() + 40]
                found.append(
                    Found(
                        kind,
                        sentence,
                        match.start(),
                        index,
                        {
                            "kind": kind,
                            "status": status_of(window),
                            "title": self._title(
                                kind,
                                organisation,
                                product,
                                authority.text if authority else None,
                                sentence.text,
                                match.start(),
                            ),
                            "date": self._date(index, match.start()),
                            "organisation": organisation,
                            "authority": authority.text if authority else None,
                            "jurisdiction": self._jurisdiction(
                                authority, sentence.text, match.start()
                            ),
                            "product": product,
                            "indication": self._indication(index, match.start()),
                            "evidence": sentence.text,
                        },
                        explicit,
                    )
                )
        return _merge(found)


# What may stand around a page's date line: a label, a place, a byline's separator.
_DATE_LINE_REST = re.compile(
    r"^[\W\d_]*(?:(?:published|updated|posted|date|on|by staff|staff reporter)\b[^\w]*)*"
    r"(?:[A-Z][a-z]+(?:[ ,]+[A-Z][a-z]+)*,?\s*)?$",
    re.IGNORECASE,
)
DATE_LINE_WITHIN = 8  # sentences from the top of the page


def _date_line(sentences: list[Sentence]) -> date | None:
    """A full date standing on its own line near the top of the page (with at most a
    label such as "Published:" or a place), else opening the lead as its dateline
    ("BOSTON, March 14, 2025 (GLOBE NEWSWIRE) --"): the publication date."""
    dateline = None
    for sentence in sentences[:DATE_LINE_WITHIN]:
        text = sentence.text.strip()
        short = len(text.split()) <= 8
        head = text if short else text[:120]
        # Only a short line, or one opening with "PLACE,", can be either: read no other.
        if not _YEAR.search(head) or not (short or _PLACE_START.match(head)):
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


def _roundup_sections(
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


@cache
def _code() -> bytes:
    """The rules engine's source files, in name order: part of its version."""
    return b"".join(path.read_bytes() for path in sorted(_CODE.glob("*.py")))


@lru_cache(maxsize=256)
def _break_ends(sentence: str) -> list[int]:
    """Where each clause break in the sentence ends, in order."""
    found = [m.end() for m in _CLAUSE_BREAK.finditer(sentence)]
    return sorted(found + [m.end() for m in CLAUSE.finditer(sentence)])


@lru_cache(maxsize=256)
def _clauses(sentence: str) -> list[tuple[int, int]]:
    cuts = [0, *(m.start() for m in CLAUSE.finditer(sentence)), len(sentence)]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a] or [(0, len(sentence))]


def _clause_of(clauses: list[tuple[int, int]], at: int) -> int:
    return next((i for i, (a, b) in enumerate(clauses) if a <= at < b), len(clauses) - 1)


def _compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a.startswith(b) or b.startswith(a)


def _same_milestone(a: Found, b: Found) -> bool:
    return (
        a.kind == b.kind
        and (a.fields["product"] or "").casefold() == (b.fields["product"] or "").casefold()
        and _same_organisation(a.fields["organisation"], b.fields["organisation"])
        and _compatible(a.fields["date"], b.fields["date"])
    )


def _same_organisation(a: str, b: str) -> bool:
    """ "SeoulCell Therapeutics" and "SeoulCell Therapeutics Co., Ltd." are one, as are
    "Corvalis Genetics" and "Corvalis Genetics, Inc."."""
    x, y = (" " + " ".join(n.casefold().replace(",", " ").split()) + " " for n in (a, b))
    return x in y or y in x


def _is_home(sentence: str, start: int, end: int) -> bool:
    """Whether the place at ``start:end`` is where an organisation is from ("founded in
    Toronto", "Boston-based"), not where a milestone is."""
    return bool(
        _HOME_BEFORE.search(sentence, max(0, start - 40), start) or _HOME_AFTER.match(sentence, end)
    )


def _completed(base: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """``base`` with what it lacks taken from another statement of the same milestone:
    the authority (with its jurisdiction), the indication, the product, a more precise date. A
    jurisdiction read from a place is not carried over: it belongs to its own sentence."""
    merged = dict(base)
    if merged["authority"] is None and other["authority"] is not None:
        merged["authority"] = other["authority"]
        merged["jurisdiction"] = other["jurisdiction"] or merged["jurisdiction"]
    merged["indication"] = merged["indication"] or other["indication"]
    merged["product"] = merged["product"] or other["product"]
    if other["date"] and (not merged["date"] or len(other["date"]) > len(merged["date"])):
        merged["date"] = other["date"]
    return merged


def _merge(found: list[Found]) -> list[dict[str, Any]]:
    """One milestone per kind, product, organisation and compatible date: its first
    statement that names who reached it, in the body rather than a title, completed by
    the others' authority, jurisdiction, indication and more precise date. A statement
    naming no product joins the one milestone of its kind and organisation that names
    one ("signs manufacturing agreement" over "… agreement to produce VGT-7"), when
    there is exactly one. At most ``MAX_MILESTONES``, the first the article states."""
    kept: list[Found] = []
    for item in found:
        at = next((i for i, k in enumerate(kept) if _same_milestone(k, item)), None)
        if at is None:
            at = _only_other_statement(kept, item)
        if at is None:
            if len(kept) < MAX_MILESTONES:
                kept.append(item)
            continue
        base, other = kept[at], item
        if (other.explicit, not other.sentence.is_heading, bool(other.fields["product"])) > (
            base.explicit,
            not base.sentence.is_heading,
            bool(base.fields["product"]),
        ):
            base, other = other, base
        kept[at] = replace(base, fields=_completed(base.fields, other.fields))
    return [k.fields for k in kept]


def _only_other_statement(kept: list[Found], item: Found) -> int | None:
    """The one kept milestone ``item`` states again with or without its product: same
    kind, organisation and compatible date, one of the two naming no product."""
    matches = [
        i
        for i, k in enumerate(kept)
        if k.kind == item.kind
        and (k.fields["product"] is None) != (item.fields["product"] is None)
        and _same_organisation(k.fields["organisation"], item.fields["organisation"])
        and _compatible(k.fields["date"], item.fields["date"])
    ]
    if len(matches) != 1:
        return None
    same_kind = [i for i, k in enumerate(kept) if k.kind == item.kind]
    return matches[0] if len(same_kind) == 1 else None


class RulesEngine:
    """Extraction by rules: offline, deterministic, grounded by construction."""

    name = "rules"
    model = None
    batch = None  # no provider, so no batch

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self._lexicon = lexicon or load_lexicon()
        # Known by content: its word lists and its code (edit either, and results made
        # before are no longer served from the cache for it).
        self.version = f"{RULES_VERSION}@{content_digest([self._lexicon.digest.encode(), _code()])}"

    async def aclose(self) -> None:
        return None

    async def extract(self, article: ArticleRequest) -> EngineRun:
        """Read the article (in a worker thread: it is CPU work) and return an extraction
        that passed validation."""
        return EngineRun(await off_loop(self.read, article), attempts=0, requests=0)

    def read(self, article: ArticleRequest) -> Extraction:
        reader = ArticleReader(article, self._lexicon)
        context = ValidationContext(article.prepared)
        milestones = []
        for candidate in reader.milestones():
            try:  # a milestone the rules got wrong is dropped, never the article
                ExtractedMilestone.model_validate(candidate, context=context)
            except ValidationError:
                continue
            milestones.append(candidate)
        data = {
            "headline": _headline(reader, milestones),
            "summary": _summary(reader, milestones),
            "organisations": _organisations(reader, milestones),
            "products": _products(reader, milestones),
            "milestones": _distinct(milestones),
        }
        try:
            return Extraction.model_validate(data, context=context)
        except ValidationError as error:
            raise ExtractionFailed(
                "the rules engine produced an invalid summary", describe_errors(error)
            ) from error


def _distinct(milestones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, ...]] = set()
    kept = []
    for m in milestones:
        key = tuple(
            (m[k] or "").casefold()
            for k in ("kind", "product", "organisation", "authority", "date")
        )
        if key not in seen:
            seen.add(key)
            kept.append(m)
    return kept


_NUMBERED = re.compile(r"^(?:[A-Z0-9]{1,3}|[IVX]{1,4}[ab]?|\d[\d/]*[ab]?)$", re.IGNORECASE)


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


def _words(text: str, limit: int, max_chars: int = NAME_MAX_CHARS) -> str:
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


def _fits(name: str | None) -> bool:
    return name is not None and len(name) <= NAME_MAX_CHARS


def _news(sentences: list[Sentence], text: str) -> list[bool]:
    """Whether each sentence may be taken as news: not an instruction or a supposition,
    and not after the marks of an injected prompt in the same paragraph."""
    news = []
    quarantined_to = -1  # the end of a paragraph holding an injected prompt
    for sentence in sentences:
        kind = statement_kind(sentence.text)
        if kind == "instruction" and injected(sentence.text):
            line_end = text.find("\n", sentence.end)
            quarantined_to = len(text) if line_end < 0 else line_end
        news.append(kind is None and sentence.start > quarantined_to)
    return news


def _lead_order(sentences: list[Sentence]) -> list[Sentence]:
    """Statements first; sentences opening with a condition or a purpose ("If approved,
    …") after them, never leading."""
    stating = [s for s in sentences if opening_kind(s.text) is None]
    return stating + [s for s in sentences if opening_kind(s.text) is not None]


# Page chrome a title line never holds: menus, breadcrumbs and tickers, share, login and
# subscription links, labels of other stories ("Read next:", "Stock watch:").
_CHROME = re.compile(
    r"[|›»▶▲▼]|\s[—–]\s.*\s[—–]\s|[+-]\d+(?:\.\d+)?%|"
    r"\b(?:log ?in|sign (?:in|up)|subscribe|register|menu|share|newsletter|cookies?|"
    r"advertisement|home|in this (?:story|article))\b|"
    r"^\s*(?:read next|stock watch|also read|related|tags|trending|most read|more from|"
    r"sponsored|watch|video|photo)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
HEADLINE_WITHIN = 8  # the title is among the article's first lines


def _names_the_news(reader: ArticleReader, text: str) -> bool:
    """Whether a line names an organisation, product or authority of the article."""
    return bool(
        reader.entities.organisations_in(text)
        or reader.entities.products_in(text)
        or reader.lexicon.authorities_in(text)
    )


def _plain_heading(sentence: Sentence, least: int) -> bool:
    """A heading of ``least`` to 20 words that is not page chrome: no menu, breadcrumb,
    ticker, login or label, not a masthead in capitals, not a date line."""
    words = sentence.text.split()
    if not (sentence.is_heading and least <= len(words) <= 20) or _CHROME.search(sentence.text):
        return False
    if len(words) <= 5 and _YEAR.search(sentence.text):  # "14 Oct 2023", "Tokyo, 2024-09-20"
        return False
    letters = [w for w in words if any(c.isalpha() for c in w)]
    capitals = sum(1 for w in letters if w.isupper() and len(w) > 1)
    return not letters or capitals / len(letters) <= 0.6  # not "UK BIOTECH WEEKLY"


def _headline(reader: ArticleReader, milestones: list[dict[str, Any]]) -> str:
    """The article's own title, never a line of page chrome: the first plain heading
    above the first paragraph, else a heading among the first lines that names who or
    what the news is about (on a roundup page, its milestones' titles), else the main
    milestone's title, else the first sentence."""
    in_order = reader.news_sentences()
    for sentence in in_order:
        if not sentence.is_heading:
            break
        if _plain_heading(sentence, 5):
            return _words(sentence.text, 20)
    heads = {name for name in reader.sections if name is not None}
    if len(heads) > 1 and len({m["organisation"] for m in milestones} & heads) > 1:
        # A roundup with no title of its own: its items' news, not one item's head.
        more = len(milestones) - 1
        items = "item" if more == 1 else "items"
        return _words(f"Roundup: {milestones[0]['title']} and {more} more {items}", 20)
    for sentence in _lead_order(in_order)[:HEADLINE_WITHIN]:
        if _plain_heading(sentence, 3) and _names_the_news(reader, sentence.text):
            return _words(sentence.text, 20)
    if milestones:  # who, then what and from whom: "Solvaris: Complete response letter …"
        main, title = milestones[0], str(milestones[0]["title"])
        who = without_legal_form(main["organisation"])
        return _words(title if who in title else f"{who}: {title}", 20)
    prose = [s for s in _lead_order(in_order) if not s.is_heading]
    return _words(prose[0].text, 20) if prose else "Article"


def _summary(reader: ArticleReader, milestones: list[dict[str, Any]]) -> str:
    chosen: list[str] = []
    for text in [m["evidence"] for m in milestones] + [
        s.text for s in _lead_order(reader.news_sentences()) if not s.is_heading
    ]:
        if text not in chosen:
            chosen.append(text)
        if len(" ".join(chosen).split()) >= SUMMARY_TARGET_WORDS:
            break
    # In the article's order (a sentence opening with a condition never first).
    chosen.sort(key=lambda t: (opening_kind(t) is not None, _position(reader.text, t)))
    joined = _RUN_TOGETHER.sub(r"\1 \2", " ".join(chosen))  # "review.The company" → apart
    return _words(joined, 80, TEXT_MAX_CHARS) if chosen else "No summary."


def _position(text: str, sentence: str) -> int:
    found = text.find(sentence)
    return found if found >= 0 else len(text)


# A sentence run into the next without a space, as pages often print them.
_RUN_TOGETHER = re.compile(r"(?<=[a-z0-9)\]%])([.!?])([A-Z][a-z])")


def _organisations(reader: ArticleReader, milestones: list[dict[str, Any]]) -> list[dict[str, str]]:
    roles: dict[str, str] = {}
    for m in milestones:
        if m["authority"]:
            known = reader.lexicon.authority(m["authority"])
            roles.setdefault(m["authority"], known.role if known else "regulator")
        name = m["organisation"]
        if m["kind"] == "funding" and reader.lexicon.authority(name):
            roles.setdefault(name, "funder")
        roles.setdefault(name, "academic" if name in reader.entities.academic else "developer")
    named = len(roles)
    for name in reader.entities.organisations:
        if len(roles) - named >= MAX_OTHER_ORGANISATIONS:
            break
        if name in reader.entities.academic:
            roles.setdefault(name, "academic")
        roles.setdefault(name, "partner" if name in reader.entities.listed else "other")
    return [{"name": name, "role": role} for name, role in roles.items() if _fits(name)]


def _products(reader: ArticleReader, milestones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The products of the milestones, and others the article names (up to
    ``MAX_PRODUCTS`` in all), in the order the article names them."""
    developers: dict[str, str] = {}
    for m in milestones:
        if m["product"] is not None:
            developers.setdefault(m["product"], m["organisation"])
    names = [name for name in reader.entities.products if _fits(name)]
    room = MAX_PRODUCTS - sum(1 for name in names if name in developers)
    others = {name for name in names if name not in developers}
    others = set([name for name in names if name in others][: max(0, room)])
    folded = [s.text.casefold() for s in reader.sentences]
    products = []
    for name in names:
        if name not in developers and name not in others:
            continue
        context = _context_of(reader, folded, name)
        developer = developers.get(name, reader.main)
        products.append(
            {
                "name": name,
                "modality": _modality_near(reader, name, context),
                "targets": [t for t in _targets_near(reader, name, context) if _fits(t)],
                "developer": developer if _fits(developer) else None,
            }
        )
    return products


def _context_of(reader: ArticleReader, folded: list[str], name: str) -> str:
    """The first sentences naming a product (``folded``: the sentences case-folded),
    each with the sentence after it; none longer than evidence may be."""
    wanted = name.casefold()
    picked: list[str] = []
    naming = 0
    for i, text in enumerate(folded):
        if wanted not in text or len(text) > EVIDENCE_MAX_CHARS:
            continue
        for s in reader.sentences[i : i + 2]:
            if s.text not in picked and len(s.text) <= EVIDENCE_MAX_CHARS:
                picked.append(s.text)
        naming += 1
        if naming == PRODUCT_CONTEXT_SENTENCES:
            break
    return " ".join(picked)


def _modality_near(reader: ArticleReader, name: str, context: str) -> str:
    at = context.casefold().find(name.casefold())
    near = context[max(0, at - 120) : at + len(name) + 60] if at >= 0 else context
    return reader.lexicon.modality(near) or reader.lexicon.modality(context) or "unknown"


def _targets_near(reader: ArticleReader, name: str, context: str) -> list[str]:
    at = context.casefold().find(name.casefold())
    near = context[max(0, at - 120) : at + len(name) + 60] if at >= 0 else ""
    targets: list[str] = []
    for mention in reader.lexicon.targets_in(near):
        if mention.text not in targets:
            targets.append(mention.text)
    return targets
