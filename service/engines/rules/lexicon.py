"""The rules engine's word lists, loaded from ``data/*.json`` (and the service's list of
authorities), and matchers over them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from service.cues import Alternatives, Cued, cued
from service.engines.rules.names import (
    Mention,
    NameSet,
    alternatives,
    is_short_name,
    name_pattern,
    non_overlapping,
    trie,
)
from service.identity import content_digest

DATA = Path(__file__).resolve().parent / "data"
# Regulators, agencies and funders: one list, shared with the index's aliases.
AUTHORITIES = Path(__file__).resolve().parents[2] / "data" / "authorities.json"


@dataclass(frozen=True)
class Authority:
    """A regulator, agency, committee or funder, by every name an article may use."""

    names: tuple[str, ...]
    jurisdiction: str | None
    role: str  # "regulator" or "funder"
    described: bool = False  # named by what it is ("the UK's medicines regulator")
    hta: bool = False  # a reimbursement (HTA) body: what it approves is paid for, not licensed


@dataclass(frozen=True)
class KindRules:
    """How the rules find one milestone kind (``data/kinds.json``)."""

    name: str
    patterns: tuple[re.Pattern[str], ...]
    # The patterns as one (any of them, the leftmost match first): what the reader scans,
    # each pattern only where its cues stand.
    trigger: Alternatives
    requires: re.Pattern[str] | None  # taken only from a sentence that also matches this
    not_in_match: re.Pattern[str] | None  # not where this matches the trigger and before it
    supersedes: frozenset[str]  # kinds not taken from a sentence where this one matched
    about_a_product: bool  # without a product in the sentence, the article's only one
    names: tuple[tuple[re.Pattern[str], str], ...] = ()  # what names the event: (pattern, template)
    # Words (lower case) one of which every trigger holds: a sentence holding none is not
    # searched for this kind (a substring test, far cheaper than the patterns).
    needs: tuple[str, ...] = ()
    # How a title joins the event to who reached it: "by" (it acted) or "for" (it got it).
    subject_joiner: str = "for"
    product_joiner: str = "for"  # "Orphan drug designation for X", "Launch of X"
    # How a title names a deal's other party: "of" ("Acquisition of X by Y"), "between"
    # ("Licensing agreement between Y and X"), "" (it has none).
    party: str = ""
    # How a title names the authority: "from" (a grant), "to" (a filing), "by" (a hold),
    # "" (not named).
    authority_joiner: str = ""
    # A "no" or "without" before the trigger is part of the news ("no dose-limiting
    # toxicities were seen"), not a denial of it.
    negation_is_news: bool = False
    # Two events of the kind are told apart by what names them (an orphan drug
    # designation and an RMAT designation of one product are two milestones).
    distinct_by_name: bool = False
    # The kind a milestone of this kind is when its authority is an HTA body.
    by_hta: str | None = None

    def may_be_in(self, folded: str) -> bool:
        """Whether a sentence (``cues.fold``-ed) can hold a trigger of this kind: one of
        its needed words stands in it."""
        return not self.needs or any(map(folded.__contains__, self.needs))


class Lexicon:
    """Authorities, places, modalities, targets, kinds and the products known by name."""

    def __init__(
        self,
        digest: str,
        authorities: list[Authority],
        places: dict[str, str],
        cities: dict[str, str | None],
        demonyms: dict[str, str | None],
        modalities: list[tuple[str, Cued]],
        target_pattern: Cued,
        kinds: dict[str, Any],
        products: list[list[str]] | None = None,
        organisations: list[str] | None = None,
        advanced_therapy: Cued | None = None,
        other_medicines: Cued | None = None,
    ) -> None:
        self.digest = digest  # of the word lists' files: part of the rules engine's version
        self.authorities = tuple(authorities)
        self._by_name = {n.casefold(): a for a in authorities for n in a.names}
        self._authority_names = NameSet([n for a in authorities for n in a.names])
        self._countries = {
            name.casefold(): code
            for name, code in (*places.items(), *cities.items(), *demonyms.items())
            if code
        }
        self._described = _described_pattern([*places, *demonyms])
        self._place_names = frozenset(n.casefold() for n in (*places, *cities, *demonyms))
        self._places = NameSet([*places, *cities])
        self._modalities = tuple(modalities)
        self._targets = target_pattern
        self.kinds = tuple(_kind_rules(kinds, {"authority": self.authority_fragment()}))
        self._kind_by_name = {k.name: k for k in self.kinds}
        self.supersedes = {k.name: k.supersedes for k in self.kinds}
        self.product_kinds = frozenset(k.name for k in self.kinds if k.about_a_product)
        names = [n for group in products or [] for n in group]
        self._products = NameSet(names)
        self.product_names = frozenset(n.casefold() for n in names)
        # Each known product's names, by any of them (folded): one product, several names.
        self.product_group = {n.casefold(): group[0] for group in products or [] for n in group}
        self._organisations = NameSet(list(organisations or []))
        self._advanced_therapy = advanced_therapy
        self._other_medicines = other_medicines

    def kinds_in(self, folded: str) -> list[KindRules]:
        """The kinds a sentence (``cues.fold``-ed) may state, in the rules' order: those
        with one of their needed words in it, and those needing none."""
        holding = folded.__contains__
        return [k for k in self.kinds if not k.needs or any(map(holding, k.needs))]

    def kind(self, name: str) -> KindRules | None:
        """How the rules find the kind ``name``, if they do."""
        return self._kind_by_name.get(name)

    def authority(self, name: str) -> Authority | None:
        """The authority known by ``name``, or described by it ("Japan's health
        ministry", "the national drug regulator"), if any."""
        known = self._by_name.get(name.casefold())
        if known is not None or " " not in name:
            return known
        found = self._described.fullmatch(name)
        if found is None:
            return None
        where = found.group("where")
        code = self.country_code(where) if where else None
        return Authority((name,), code, "regulator", described=True)

    def called(self, name: str) -> str:
        """How a title names an authority: its acronym where it has one ("the FDA"), with
        "the" before an acronym or an institution ("the European Commission"), not before
        a proper name ("Health Canada", "Swissmedic")."""
        known = self.authority(name)
        if known is None or known.described:
            return name
        acronyms = [n for n in known.names if _ACRONYM.fullmatch(n)]
        short = min(acronyms, key=len) if acronyms else name
        article = (acronyms and short not in _SAID_AS_WORDS) or _INSTITUTION_NOUN.search(short)
        return f"the {short}" if article else short

    def authorities_in(self, text: str) -> list[Mention]:
        """Every authority named or described in ``text``, the longest where they overlap."""
        found = self._authority_names.find(text)
        if not _DESCRIBED_NEEDS.search(text):
            return found
        described = [Mention(m.start(), m.end(), m.group()) for m in self._described.finditer(text)]
        return non_overlapping(found + described) if described else found

    def authority_fragment(self) -> str:
        """A regular expression matching any authority's name or description: the
        ``${authority}`` of the trigger patterns (short names by case)."""
        names = [n for a in self.authorities for n in a.names]
        exact = name_pattern([n for n in names if is_short_name(n)], ignore_case=False)
        folded = name_pattern([n for n in names if not is_short_name(n)], ignore_case=True)
        parts = [f"(?-i:{exact.pattern})"] if exact else []
        parts += [folded.pattern] if folded else []
        parts.append(re.sub(r"\(\?P<\w+>", "(?:", self._described.pattern))
        return "(?:" + "|".join(parts) + ")"

    def places_in(self, text: str) -> list[Mention]:
        return self._places.find(text)

    def country_code(self, place: str) -> str | None:
        return self._countries.get(place.casefold())

    def is_place(self, name: str) -> bool:
        return name.casefold() in self._place_names

    def modality(self, text: str) -> str | None:
        """The first modality whose words occur in ``text``."""
        for name, pattern in self._modalities:
            if pattern.search(text):
                return name
        return None

    def products_in(self, text: str) -> list[Mention]:
        """Mentions of the approved advanced-therapy products listed in the data."""
        return self._products.find(text)

    def is_product(self, name: str) -> bool:
        return name.casefold() in self.product_names

    def organisations_in(self, text: str) -> list[Mention]:
        """Mentions of the organisations listed in the data."""
        return self._organisations.find(text)

    def about_advanced_therapy(self, texts: list[str]) -> bool:
        """Whether texts (an article's sentences) name an advanced therapy: its words, or
        a known product (read sentence by sentence: no search holds the loop for long)."""
        for text in texts:
            if self._advanced_therapy is None or self._advanced_therapy.search(text):
                return True
            if self.products_in(text):
                return True
        return False

    def about_another_field(self, texts: list[str]) -> bool:
        """Whether texts are about other medicines (creams, tablets, vaccines,
        antibodies) and name no advanced therapy (a cell, gene or tissue therapy, by its
        words or a known product's name)."""
        if self._other_medicines is None:
            return False
        if not any(self._other_medicines.search(text) for text in texts):
            return False
        return not self.about_advanced_therapy(texts)

    def targets_in(self, text: str) -> list[Mention]:
        return [Mention(m.start(), m.end(), m.group()) for m in self._targets.finditer(text)]


# What a regulator is called when it is not named: "the UK's medicines regulator",
# "Japan's health ministry", "a health ministry panel", "the national drug regulator".
_DESCRIBED_HEAD = (
    r"(?:(?:top|national|federal|chief|central)\s+)?(?:medicines?|drugs?|health|"
    r"pharmaceutical|medical[- ]products?|food and drugs?|therapeutic goods)\s+(?:regulators?|"
    r"regulatory\s+(?:agency|authority|body)|watchdog|ministry|authorit(?:y|ies)|agency|"
    r"administration)"
    r"(?:\s+(?:advisory\s+)?(?:panel|committee|council))?"
)


# The last words of every description: a text holding none describes no regulator.
_DESCRIBED_NEEDS = cued(r"regulat|watchdog|ministry|authorit|agency|administration", re.IGNORECASE)


def _described_pattern(places: list[str]) -> re.Pattern[str]:
    where = alternatives(trie(sorted(set(places)), fold=False))
    # The places' first letters tested first: most positions open no place's name.
    firsts = "".join(sorted(re.escape(c) for c in {p[0] for p in places}))
    # With its country named, a regulator may be only that: "South Korean regulators".
    return re.compile(
        rf"(?:(?P<where>(?-i:(?=[{firsts}]){where}))(?:[’']s)?\s+(?:{_DESCRIBED_HEAD}|"
        r"regulators?|regulatory\s+(?:authorities|agencies|bodies))"
        rf"|(?:\b(?:the\s+)?(?:country|nation)[’']s\s+|\b){_DESCRIBED_HEAD})\b",
        re.IGNORECASE,
    )


# "FDA", "BfArM", "ARPA-H", "NoMA": at least two capitals, no space.
_ACRONYM = cued(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Z][A-Za-z-]{1,7}")
# Acronyms said as words take no article: "recommended by NICE", not "by the NICE".
_SAID_AS_WORDS = frozenset({"NICE", "ANVISA", "INFARMED", "AMED"})
_INSTITUTION_NOUN = cued(
    r"\b(?:Agency|Administration|Commission|Ministry|Committee|Authority|Institute|Council|"
    r"Office|Organi[sz]ation|Center|Centre|Board|Bank|Foundation|Initiative|Trust)\b"
)

FILES = (
    "authorities.json",
    "places.json",
    "biology.json",
    "kinds.json",
    "products.json",
    "organisations.json",
)


def load_lexicon(directory: Path | None = None) -> Lexicon:
    """The word lists in ``directory`` (default: ``data/``, and the service's list of
    authorities, ``service/data/authorities.json``). The files are read every time; what
    they hold is parsed once."""
    folder = directory or DATA

    def path(file: str) -> Path:
        shared = file == AUTHORITIES.name and not folder.joinpath(file).exists()
        return AUTHORITIES if shared else folder.joinpath(file)

    raw = tuple(path(file).read_bytes() for file in FILES)
    return _parsed(raw)


@cache
def _parsed(raw: tuple[bytes, ...]) -> Lexicon:
    authorities, places, biology, kinds, products, organisations = (
        json.loads(part) for part in raw
    )
    targets = "|".join(biology["targets"])
    return Lexicon(
        digest=content_digest(raw),
        authorities=[
            Authority(
                tuple(a["names"]), a["jurisdiction"] or None, a["role"], hta=bool(a.get("hta"))
            )
            for a in authorities["authorities"]
        ],
        places=dict(places["places"]),
        cities=dict(places["cities"]),
        demonyms=dict(places["demonyms"]),
        modalities=[
            (name, cued(pattern, re.IGNORECASE)) for name, pattern in biology["modalities"]
        ],
        target_pattern=cued(rf"(?<![\w.])(?:{targets})(?![\w])"),
        kinds=kinds,
        products=products["products"],
        organisations=organisations["organisations"],
        advanced_therapy=cued(biology["advanced_therapy"], re.IGNORECASE),
        other_medicines=cued(biology["other_medicines"], re.IGNORECASE),
    )


def _kind_rules(data: dict[str, Any], built: dict[str, str]) -> list[KindRules]:
    fragments = {**data["fragments"], **built}

    def compiled(pattern: str) -> re.Pattern[str]:
        return re.compile(Template(pattern).safe_substitute(fragments), re.IGNORECASE)

    return [
        KindRules(
            name=name,
            patterns=tuple(compiled(p) for p in rules["patterns"]),
            trigger=Alternatives(
                tuple(compiled(p) for p in rules["patterns"]),
                compiled("|".join(f"(?:{p})" for p in rules["patterns"])),
            ),
            requires=compiled(rules["requires"]) if "requires" in rules else None,
            not_in_match=compiled(rules["not_in_match"]) if "not_in_match" in rules else None,
            supersedes=frozenset(rules.get("supersedes", ())),
            about_a_product=bool(rules.get("about_a_product")),
            names=tuple((compiled(p), template) for p, template in rules.get("names", ())),
            needs=tuple(rules.get("needs", ())),
            subject_joiner=rules.get("title", {}).get("subject", "for"),
            product_joiner=rules.get("title", {}).get("product", "for"),
            party=rules.get("title", {}).get("party", ""),
            authority_joiner=rules.get("title", {}).get("authority", ""),
            negation_is_news=bool(rules.get("negation_is_news")),
            distinct_by_name=bool(rules.get("distinct_by_name")),
            by_hta=rules.get("by_hta"),
        )
        for name, rules in data["kinds"].items()
    ]
