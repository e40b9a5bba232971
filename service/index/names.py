"""Names made comparable across articles, and the aliases that join them.

``name_key`` is what two spellings of one name share: ``IMC-001``, ``IMC001`` and
``imc 001``; ``Immunicum AB`` and ``Immunicum``; ``Casgevy®`` and ``CASGEVY``. Aliases
join different names of one thing: learned from an article that writes them in
apposition (``Casgevy (exagamglogene autotemcel)``, ``IMC-001, also known as ABC-1``),
or curated in ``aliases.json``, which wins. Every function here runs in time linear in
its input.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

NameSpace = Literal["product", "organisation"]

# Legal forms that say nothing about which organisation it is (dropped at the end).
LEGAL_SUFFIXES = frozenset(
    """
    inc incorporated corp corporation co company ltd limited llc plc ab publ ag gmbh
    mbh sa sas sarl nv bv se spa srl kk oy oyj asa as aps pty lp llp pte bhd kg kgaa
    """.split()
)
_MARKS = str.maketrans("", "", "®™©℠")
_NOT_WORD = re.compile(r"[^\w]+")
# The parts of a name: runs of letters or of digits (so IMC001, IMC-001 and IMC 001 agree).
_PARTS = re.compile(r"[^\W\d_]+|\d+")


@lru_cache(maxsize=16_384)  # names recur across articles; each is at most a few hundred chars
def name_key(name: str) -> str:
    """The key two spellings of a name share: case, accents, ®/™, punctuation, hyphens
    and spaces, a leading "the" and trailing legal forms (Inc., AB, Co., Ltd.) ignored."""
    text = unicodedata.normalize("NFKD", name.translate(_MARKS))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    words = [w for w in _NOT_WORD.split(text) if w]
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return "".join(part for word in words for part in _PARTS.findall(word))


# -- aliases learned from an article ----------------------------------------------------

# A product code: letters, an optional hyphen or space, digits (ABC-123, IMC001, CTX001).
_CODE = re.compile(r"^[A-Z][A-Za-z]{0,5}[- ]?\d{2,6}[A-Za-z]?$")
# An international non-proprietary name of a cell or gene therapy, in one to three words.
_INN = re.compile(r"^(?:[a-z]{4,}(?:gene|cel) )?[a-z]{4,}(?:cel|vec|gene|mab|ran|sen|tide)$")
# A short INN (axi-cel, exa-cel, T-VEC).
_SHORT_INN = re.compile(r"^[A-Za-z]{2,6}-(?:cel|vec|VEC)$")
# A brand: one capitalised word, possibly marked ® or ™.
_BRAND = re.compile(r"^[A-Z][a-z]{3,}[®™]?$")
# Targets, which look like codes but are not products (CD19, HER2, IL13).
_TARGET = re.compile(r"^(?:CD|HER|IL|GD|GPC|CLDN|FGFR|EGFR|KRAS|BCMA)[- ]?\d+", re.I)
# Apposition: a name and another in brackets after it, or ", also known as" another.
_BRACKETS = re.compile(r"\(\s*([^()\n;,]{2,60}?)\s*[;,)]")
_KNOWN_AS = re.compile(
    r",\s*(?:also known as|formerly(?: known as)?|previously) ([^,.;()\n]{2,60})"
)
_WORDS_BEFORE = 4  # a name before the brackets is at most this many words


def _alias_like(text: str) -> bool:
    text = text.strip()
    if _TARGET.match(text):
        return False
    return bool(
        _CODE.match(text) or _INN.match(text) or _SHORT_INN.match(text) or _BRAND.match(text)
    )


def learned_aliases(text: str, products: Iterable[str], limit: int = 50) -> list[tuple[str, str]]:
    """Pairs (product, alias) the article writes in apposition: ``Casgevy
    (exagamglogene autotemcel)``, ``tisagenlecleucel (Kymriah)``, ``IMC-001, also known
    as ABC-1``. Only a name that looks like a product's name (a code, an INN, a brand) is
    taken: a description in brackets (``IMC002 (CLDN18.2 CAR-T)``) is not an alias. One
    pass over the text, whatever the number of products."""
    named = {name_key(p): p for p in list(dict.fromkeys(products))[:limit]}
    named.pop("", None)
    found: dict[tuple[str, str], None] = {}

    def product_before(end: int) -> tuple[str | None, list[str]]:
        """The product ending just before ``end`` (words run back at most a few), and
        the words before it."""
        words = text[max(0, end - 120) : end].split()[-_WORDS_BEFORE:]
        for n in range(len(words), 0, -1):
            product = named.get(name_key(" ".join(words[-n:])))
            if product is not None:
                return product, words[:-n]
        return None, words

    for match in _BRACKETS.finditer(text):
        inside = match.group(1).strip()
        product, _ = product_before(match.start())
        if product is not None:  # Casgevy (exagamglogene autotemcel)
            if _alias_like(inside) and name_key(inside) != name_key(product):
                found[(product, inside)] = None
            continue
        product = named.get(name_key(inside))
        if product is not None:  # exagamglogene autotemcel (Casgevy)
            words = text[max(0, match.start() - 120) : match.start()].split()[-3:]
            for n in range(len(words), 0, -1):  # the longest run of words that is a name
                alias = " ".join(words[-n:])
                if _alias_like(alias) and name_key(alias) != name_key(product):
                    found[(product, alias)] = None
                    break
    for match in _KNOWN_AS.finditer(text):
        product, _ = product_before(match.start())
        alias = match.group(1).strip()
        if product is not None and _alias_like(alias) and name_key(alias) != name_key(product):
            found[(product, alias)] = None
    return list(found)


# -- curated aliases ----------------------------------------------------------------------


@dataclass(frozen=True)
class Curated:
    """The curated aliases: for each name space, the display name of each key listed."""

    display: dict[tuple[NameSpace, str], str]

    def canonical(self, space: NameSpace, key: str) -> str | None:
        """The key of the curated display name ``key`` belongs to, if it is curated."""
        shown = self.display.get((space, key))
        return name_key(shown) if shown is not None else None


def parse_curated(data: dict[str, dict[str, list[str]]]) -> Curated:
    """Curated aliases from their JSON shape: ``{"products": {display: [alias …]},
    "organisations": {…}}``."""
    display: dict[tuple[NameSpace, str], str] = {}
    spaces: tuple[tuple[str, NameSpace], ...] = (
        ("products", "product"),
        ("organisations", "organisation"),
    )
    for section, space in spaces:
        for shown, aliases in data.get(section, {}).items():
            for name in [shown, *aliases]:
                display[(space, name_key(name))] = shown
    return Curated(display)


AUTHORITIES = Path(__file__).resolve().parent.parent / "data" / "authorities.json"


@cache
def curated() -> Curated:
    """The curated aliases shipped with the service: products and organisations from
    ``service/index/aliases.json``, and every authority of ``service/data/authorities.json``
    (the one list the rules engine reads too) by its names, displayed by its first."""
    raw = json.loads(resources.files("service.index").joinpath("aliases.json").read_text("utf-8"))
    known = json.loads(AUTHORITIES.read_text("utf-8"))["authorities"]
    organisations = {a["names"][0]: a["names"][1:] for a in known}
    raw["organisations"] = organisations | raw.get("organisations", {})
    return parse_curated(raw)
