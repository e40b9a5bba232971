"""Organisations and products named in an article.

Organisations: runs of capitalised words that end in a legal suffix ("AB", "Inc."), hold
an institution word ("University", "Therapeutics", "Centre"), are introduced as one
("X, a company …", "a part of X", "X (NASDAQ: …)", "companies such as X, Y and Z"), or
stand as the subject of a milestone. Places, people, products and domain acronyms are
never organisations.

Products are found by ``rules.products``, capitalised runs by ``rules.chunks``, both of
the word lists of ``rules.name_words``; ``find_entities`` puts them together.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from service.cues import cued, fold
from service.engines.rules.chunks import (
    CHUNK,
    candidate_chunks,
    strip_chunk,
)
from service.engines.rules.lexicon import Lexicon
from service.engines.rules.name_words import (
    ACADEMIC_WORDS,
    DISEASE_WORDS,
    DOMAIN_TERMS,
    INSTITUTION_WORDS,
    LEGAL_SUFFIXES,
    NOT_NAMES,
    looks_like_organisation,
)
from service.engines.rules.names import Mention, NameSet
from service.engines.rules.products import (
    PRODUCT_CODE,
    find_products,
)
from service.engines.rules.sentences import Sentence, is_chrome

PERSON_TITLES = cued(
    r"^,\s+(?:[\w'’.&-]+\s+){0,6}?(?:CEO|CFO|COO|CSO|CMO|CTO|President|president|Vice|vice|"
    r"Chairman|chairman|Founder|founder|professor|Professor|dean|Dean|rector|Rector|director|"
    r"Director|head|Head|chief|Chief|officer|Officer|manager|Manager|Chair|chair|partner|"
    r"Partner|senior|Senior|executive|Executive|scientist|researcher|analyst|spokesperson)\b"
)
# What ends the words before a person's name: "said", "according to", "by", "Dr.".
_SPEECH_BEFORE = (
    "said",
    "says",
    "stated",
    "according to",
    "by",
    "by:",
    "dr.",
    "prof.",
    "mr.",
    "ms.",
    "mrs.",
)


def speech_before(before: str) -> bool:
    """Whether ``before`` (the words before a name) ends in a word of speech or a
    title, spaces after it aside (a test at the end: no search along the words)."""
    return fold(before.rstrip()).endswith(_SPEECH_BEFORE)


SPEECH_AFTER = cued(r"^\s+(?:said|says|stated|added|noted|explained)\b")
INTRODUCED = cued(
    r"^(?:,\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,6}?(?:company|firm|biotech|biotechnology company|"
    r"developer|manufacturer|subsidiary|startup|start-up|spin-out|organi[sz]ation|provider|"
    r"leader)\b|,\s+(?:a\s+)?part of\b|"
    r"\s*\((?:STO|NASDAQ|Nasdaq|NYSE|HKEX|LSE|TSX|ASX|SSE|SZSE|OTC|Euronext)\b|"
    r"\s+(?:today\s+)?announced\b)"
)
# A name opening a sentence, then an act ("Arcadia Cell Manufacturing on Wednesday broke
# ground", "Orlena has signed"): the sentence's subject. Speech verbs are left out: "Anna
# Berg said" is a person as often.
ACTS_AFTER = cued(
    r",?\s+(?:(?:on|last|this)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|week)\s+|today\s+|yesterday\s+)?(?:has\s+|have\s+|had\s+)?"
    r"(?!(?:stated|added|noted|explained|commented|remarked|quoted|based|located|founded)\b)"
    r"(?:[a-z]{3,}ed|won|broke|raised|signed|began|got|wins|opens|receives|secures|raises|"
    r"signs|breaks|launches|completes|announces|reports|enters|gains|closes)\b"
)
# "Milan-based Tessera Cell Therapy": only organisations are "based" somewhere.
LOCATED = cued(r"(?<![\w-])[A-Z][\w\u00c0-\u024f.]*-(?:based|headquartered)\s+$")
PART_OF = cued(r"(?:a part of|subsidiary of|division of|unit of|owned by)\s+$", re.I)
# Who made a product: "(developed by Acme Bio and Nova Cell)", "a therapy made by Acme".
DEVELOPED_BY = cued(
    r"\b(?:developed|made|manufactured|marketed|invented|discovered|created|engineered)"
    r"\s+(?:jointly\s+)?by\s+(?:[A-Z][\w&.’'-]*(?:\s+[A-Z][\w&.’'-]*)*\s+(?:and|&)\s+)?$"
)
LIST_INTRO = cued(
    r"(?:organi[sz]ations|companies|partners|firms|members|stakeholders|actors|players|"
    r"investors|sponsors|developers)\s+(?:such as|including|like|namely)\s+"
    r"(?P<items>[^.;:]+?)(?=\s+as well as\b|[.;:]|$)",
    re.I,
)
_LIST_WORDS = cued(r"such as|including|like|namely", re.I)
_LIST_SEPARATOR = cued(r",\s*(?:and\s+)?|\s+and\s+")
_ACRONYM_DEFINED = cued(
    r"(?P<long>(?:[A-Z][\w-]*\s+(?:(?:of|and|for|&)\s+)?){1,8})\((?P<short>[A-Z]{2,6})\)"
)

# What stands around a name is read this far either side: every cue above fits (and
# reading a bounded window keeps the work linear in a sentence's length).
CONTEXT_CHARS = 200
# A capitalised name the article repeats this often is taken for an organisation.
REPEATED_NAME = 3
# The headline and lead: an organisation they name weighs this many mentions more.
LEAD_SENTENCES = 2
LEAD_WEIGHT = 2


@dataclass
class Entities:
    """What an article names: organisations (with a role guess) and products."""

    organisations: list[str] = field(default_factory=list)
    academic: set[str] = field(default_factory=set)
    listed: set[str] = field(default_factory=set)
    products: list[str] = field(default_factory=list)
    product_groups: dict[str, str] = field(default_factory=dict)  # a name (folded): its key
    counts: Counter[str] = field(default_factory=Counter)
    in_lead: set[str] = field(default_factory=set)
    developers: dict[str, str] = field(default_factory=dict)  # a product's key: its maker
    _orgs: NameSet | None = None
    _products: NameSet | None = None
    _known: set[str] = field(default_factory=set)
    _short: dict[str, str] = field(default_factory=dict)
    is_place: Callable[[str], bool] = lambda _name: False

    def organisations_in(self, text: str) -> list[Mention]:
        """Mentions of the organisations, a short form (``short_forms``: "ThamesGen" for
        "ThamesGen Ltd") standing for the whole name."""
        if self._orgs is None:
            claimed: dict[str, dict[str, str]] = {}
            for name in self.organisations:
                for short in short_forms(name):
                    if short not in self._known and not self.is_place(short):
                        owners = claimed.setdefault(short, {})
                        key = organisation_key(name)
                        if key not in owners or len(name) < len(owners[key]):
                            owners[key] = name  # of one organisation's names, the shortest
            # A short form two organisations share stands for neither (two names of one,
            # "Acme Bio" and "Acme Bio Ltd", are one).
            self._short = {s: next(iter(n.values())) for s, n in claimed.items() if len(n) == 1}
            names = [*self.organisations, *self._short]
            # A name of common words only ("Cell Therapy" for "Cell Therapy Ltd") is
            # found as written, never in "its cell therapy".
            self._orgs = NameSet(names, exact=lambda n: " " not in n or _common_words(n))
        found = self._orgs.find(text)
        if not self._short:
            return found
        full = self._short
        return [Mention(m.start, m.end, full[m.text]) if m.text in full else m for m in found]

    def product_key(self, name: str) -> str:
        """One key for every name of a product ("Yescarta", "axicabtagene ciloleucel")."""
        return self.product_groups.get(name.casefold(), name.casefold())

    def products_in(self, text: str) -> list[Mention]:
        if self._products is None:
            self._products = NameSet(self.products)
        return self._products.find(text)

    def main_organisation(self) -> str | None:
        """The organisation the article is most about: the one it names most often, a
        mention in the headline or lead counting extra."""
        if not self.organisations:
            return None
        # On a tie the longer name wins: "CCRM Nordic" over "CCRM".
        return max(
            self.organisations,
            # A company over a university or hospital named as often (a spin-out's origin).
            key=lambda n: (
                self.counts[n] + LEAD_WEIGHT * (n in self.in_lead),
                n not in self.academic,
                len(n),
            ),
        )

    def add_organisation(self, name: str) -> None:
        if name not in self._known:
            self._known.add(name)
            self.organisations.append(name)
            self._orgs = None

    def count_in(self, texts: list[str], lead: str) -> None:
        """Count each organisation's mentions in the sentences ``texts`` (a longer name's
        not counting for a shorter), and note those the headline and lead name."""
        self.counts = Counter(m.text for text in texts for m in self.organisations_in(text))
        self.in_lead = {m.text for m in self.organisations_in(lead)}


# Words that open many names and tell none apart: "North Carolina Biotechnology Center"
# is never "North", nor "American Society of Hematology" "American".
_GENERIC_HEADS = frozenset(
    """American European British English Chinese Japanese Korean Indian German French Swiss
    Swedish Danish Dutch Nordic Scandinavian Asian African Australian Canadian Italian
    Spanish National International Global General United Royal Federal State Regional
    North South East West Northern Southern Eastern Western Central New Great Saint St
    Mount Children's Cell Cells Gene Genes Bio Medical Clinical Advanced Regenerative
    Cancer Human Life Applied Precision Translational Molecular Cellular Genetic""".split()
)
# A name's first word stands for it alone only when it is this long ("Mirabel", not "Cor").
MIN_HEAD_CHARS = 4


def without_legal_form(name: str) -> str:
    """ "ThamesGen Ltd" → "ThamesGen", "Corvalis Genetics, Inc." → "Corvalis Genetics"."""
    words = name.replace(",", " ").split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def organisation_key(name: str) -> str:
    """One key for the names of one organisation: "Kiyomi Pharma", "Kiyomi
    Pharmaceutical Co., Ltd." and "Kiyomi" are "kiyomi" (legal form and trailing
    institution words dropped, case folded)."""
    words = without_legal_form(name).split()
    while len(words) > 1 and words[-1].rstrip(".,") in INSTITUTION_WORDS | LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words).casefold()


def _common_words(name: str) -> bool:
    """Whether every word of a name is one that also opens sentences or names a field."""
    return all(
        w in NOT_NAMES or w in INSTITUTION_WORDS or w in _GENERIC_HEADS for w in name.split()
    )


def short_forms(name: str) -> list[str]:
    """Shorter forms an article uses for a name, longest first: without its legal form
    ("ThamesGen Ltd" → "ThamesGen"), without trailing institution words ("Sakura Cell
    Therapeutics K.K." → "Sakura Cell"), and its first word when that is a coined name
    ("Mirabel Cell Sciences" → "Mirabel")."""
    words = without_legal_form(name).split()
    forms = [" ".join(words)]
    if words[0] in _GENERIC_HEADS:  # "North Carolina Biotechnology Center" ≠ "North Carolina"
        return [f for f in forms if f != name]
    while len(words) > 1 and words[-1] in INSTITUTION_WORDS:
        words.pop()
        forms.append(" ".join(words))
    head = words[0]
    if (
        len(words) > 1
        and len(head) >= MIN_HEAD_CHARS
        and head[:1].isupper()
        and head.isalpha()
        and head not in INSTITUTION_WORDS
        and head not in NOT_NAMES
        and head not in DOMAIN_TERMS
    ):
        forms.append(head)
    return [f for f in dict.fromkeys(forms) if f != name]


_TRIAL_AFTER = cued(r"\s+(?:study|trial|programme|program|cohort|registry)\b", re.I)
# What stands before a place: "in Quebec", "across Europe".
_PLACE_BEFORE = cued(r"\b(?:in|at|from|across|throughout|near|outside)\s+(?:the\s+)?$")
# News wires and agencies, named in datelines and credits: never the news' organisation.
_WIRES = frozenset(
    " ".join(name.split())
    for name in """business wire|pr newswire|prnewswire|globe newswire|globenewswire|accesswire|
    cision|eqs newswire|jcn newswire|acn newswire|newsfile|reuters|associated press|yonhap|
    yonhap news|kyodo|jiji|jiji press|press trust of india|pti|xinhua|afp|agence
    france-presse|bloomberg|dow jones|ians|ani|business standard""".split("|")
)
# One word ending in a lower-case part is biology, not a name: "B-cell", "CD19-directed".
_LOWER_AFTER_HYPHEN = cued(r"-[a-z]+$")
# A stock ticker as wires print it: "RCKT.O", "7203.T".
_TICKER = cued(r"[A-Z0-9]{1,6}\.[A-Z]{1,2}")
# A name that ends with one of these is a law or a document, not an organisation.
_DOCUMENT_WORDS = frozenset(
    "Regulation Regulations Directive Act Law Guideline Guidelines Guidance Rule Rules Report "
    "Program Programme Scheme Plan Strategy Framework Journal".split()
)
_EPONYM = cued(r"[’']s\s+(?:" + "|".join(sorted(DISEASE_WORDS)) + r")\b")


def is_person(sentence: str, mention: Mention) -> bool:
    """A name said to speak or given a job title; an organisation's name never is one."""
    if looks_like_organisation(mention.text):
        return False
    before = sentence[max(0, mention.start - CONTEXT_CHARS) : mention.start]
    after = sentence[mention.end : mention.end + CONTEXT_CHARS]
    if PERSON_TITLES.match(after) or speech_before(before):
        return True
    if LOCATED.search(before):
        return False
    # "Acme said …" is a company as often as a person: only two or three plain words.
    return bool(SPEECH_AFTER.match(after)) and 2 <= len(mention.text.split()) <= 3


def is_excluded(name: str, lexicon: Lexicon, products: set[str]) -> bool:
    words = name.split()
    return (
        not any(c.isalpha() for c in name)  # "2023" once "August" is dropped
        or name in DOMAIN_TERMS
        or name in products
        or lexicon.is_product(name)
        or words[-1] in DISEASE_WORDS
        or words[-1] in _DOCUMENT_WORDS
        or "Journal" in words
        or bool(_LOWER_AFTER_HYPHEN.search(name) and len(words) == 1)
        or bool(_TICKER.fullmatch(name))
        or " ".join(words).casefold() in _WIRES
        or lexicon.is_place(name)
        or (name.endswith("s") and lexicon.is_place(name[:-1]))  # "Canadians"
        or lexicon.authority(name) is not None
        or all(w in NOT_NAMES for w in words)
        or any(w in DOMAIN_TERMS for w in words)
        or bool(lexicon.targets_in(name))
        or bool(PRODUCT_CODE.fullmatch(name))
    )


_INSIDE = cued(r"[a-z,]\s+([A-Z][\w'’&-]*)")


def _acting_subject(sentence: str, mention: Mention, inside: Callable[[], set[str]]) -> bool:
    """A name that opens its sentence and acts (``ACTS_AFTER``): one word only when the
    article also writes it capitalised inside a sentence (``inside``: those words), not
    "Patients treated …"."""
    if sentence[: mention.start].strip(" \"“‘'-—–") or not ACTS_AFTER.match(sentence, mention.end):
        return False
    return " " in mention.text or mention.text in inside()


def _listed_names(sentence: str) -> list[str]:
    """Names listed after "companies such as …", "partners including …"."""
    names: list[str] = []
    if not _LIST_WORDS.search(sentence):
        return names
    for match in LIST_INTRO.finditer(sentence):
        for item in _LIST_SEPARATOR.split(match.group("items")):
            name = strip_chunk(item.strip())
            if name and name[0].isupper() and CHUNK.fullmatch(name):
                names.append(name)
    return names


def _terms(text: str) -> set[str]:
    """Acronyms the article defines for something that is not an organisation."""
    return {
        m.group("short")
        for m in _ACRONYM_DEFINED.finditer(text)
        if not looks_like_organisation(strip_chunk(m.group("long")) or "x")
    }


def _title_case(text: str) -> bool:
    """Whether most words of a line are capitalised, as in a title ("FDA Grants Orphan
    Status to …"); a line cut off mid-sentence is not."""
    words = [w for w in text.split() if w[:1].isalpha()]
    capitalised = sum(1 for w in words if w[0].isupper())
    return not words or capitalised / len(words) >= 0.6


def find_entities(sentences: list[Sentence], lexicon: Lexicon) -> Entities:
    """The organisations and products an article names."""
    entities = Entities(is_place=lexicon.is_place)
    entities.products, entities.product_groups = find_products(sentences, lexicon)
    excluded = set(entities.products) | {t for s in sentences for t in _terms(s.text)}
    seen: Counter[str] = Counter()
    found: list[str] = []
    acting: list[str] = []
    words_inside: list[set[str]] = []

    def inside() -> set[str]:  # capitalised words inside sentences: found once, if asked
        if not words_inside:
            words_inside.append({w for s in sentences for w in _INSIDE.findall(s.text)})
        return words_inside[0]

    for sentence in sentences:
        if is_chrome(sentence):
            continue  # a caption's or a byline's names are not the news'
        found += [m.text for m in lexicon.organisations_in(sentence.text)]
        if sentence.is_heading and _title_case(sentence.text):
            continue  # title-case headings capitalise every word
        for name in _listed_names(sentence.text):
            if not is_excluded(name, lexicon, excluded):
                found.append(name)
                entities.listed.add(name)
        authorities = lexicon.authorities_in(sentence.text)
        for mention in candidate_chunks(sentence.text):
            name = mention.text
            if is_excluded(name, lexicon, excluded) or is_person(sentence.text, mention):
                continue
            if any(a.start <= mention.start < a.end for a in authorities):
                continue  # a piece of "Medicines and Healthcare products Regulatory Agency"
            if _EPONYM.match(sentence.text, mention.end):
                continue  # "Buerger's Disease" names a disease, not Buerger
            if _TRIAL_AFTER.match(sentence.text, mention.end) and not looks_like_organisation(name):
                continue  # "the STEER study" names a trial
            before = sentence.text[max(0, mention.start - CONTEXT_CHARS) : mention.start]
            after = sentence.text[mention.end : mention.end + CONTEXT_CHARS]
            if _PLACE_BEFORE.search(before) and not looks_like_organisation(name):
                continue  # "reimbursed in Quebec": where, not who
            seen[name] += 1
            if not (
                looks_like_organisation(name)
                or INTRODUCED.match(after)
                or LOCATED.search(before)
                or PART_OF.search(before)
                or DEVELOPED_BY.search(before)
                or seen[name] == REPEATED_NAME
            ):
                if _acting_subject(sentence.text, mention, inside):
                    acting.append(name)
                continue
            found.append(name)
    # A sentence's acting subject is an organisation unless it is a short form of one
    # ("Sakura Cell has started …" stands for "Sakura Cell Therapeutics K.K.").
    shorter = {form for name in found for form in short_forms(name)}
    found += [name for name in acting if name not in shorter]
    for name in found:
        entities.add_organisation(name)
        if any(w in ACADEMIC_WORDS for w in name.split()):
            entities.academic.add(name)
    entities.count_in(
        [s.text for s in sentences], " ".join(s.text for s in sentences[:LEAD_SENTENCES])
    )
    entities.developers = _developers(sentences, entities)
    return entities


# A product's maker right after its name: "Lumivo (developed by Acme Bio)", "Lumivo, which
# was developed by Acme Bio", "Lumivo, made by Acme".
_MADE_BY = cued(
    r"\s*[(,]?\s*(?:which\s+(?:was|is|has been)\s+|(?:was|is)\s+)?(?:developed|made|"
    r"manufactured|marketed|invented|created|engineered)\s+(?:jointly\s+)?by\s+"
)


def _developers(sentences: list[Sentence], entities: Entities) -> dict[str, str]:
    """Each product's maker, where a sentence names it right after the product (by the
    product's key: a brand and its INN share one)."""
    found: dict[str, str] = {}
    for sentence in sentences:
        text = sentence.text
        if " by " not in text or is_chrome(sentence):
            continue
        for product in entities.products_in(text):
            made = _MADE_BY.match(text, product.end)
            if made is None:
                continue
            maker = next(
                (m for m in entities.organisations_in(text) if m.start == made.end()), None
            )
            if maker is not None:
                found.setdefault(entities.product_key(product.text), maker.text)
    return found
