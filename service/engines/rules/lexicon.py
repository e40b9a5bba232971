"""The rules engine's word lists, loaded from ``data/*.json``, and matchers over them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Authority:
    """A regulator, agency, committee or funder, by every name an article may use."""

    names: tuple[str, ...]
    jurisdiction: str
    role: str  # "regulator" or "funder"


@dataclass(frozen=True, slots=True)
class Mention:
    """Where a known name stands in a text."""

    start: int
    end: int
    text: str


def _is_short_name(name: str) -> bool:
    # Acronyms and one-word coined names are matched case-sensitively ("CAT" is not "cat").
    return " " not in name and not name.islower()


def name_pattern(names: list[str], ignore_case: bool) -> re.Pattern[str] | None:
    """One regex matching any of ``names`` as whole words, longest first."""
    if not names:
        return None
    body = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE if ignore_case else 0)


def _non_overlapping(found: list[Mention]) -> list[Mention]:
    kept: list[Mention] = []
    for m in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


class NameSet:
    """Finds any of a set of names in text: short names by case, long names without."""

    def __init__(self, names: list[str]) -> None:
        self._exact = name_pattern([n for n in names if _is_short_name(n)], ignore_case=False)
        self._folded = name_pattern([n for n in names if not _is_short_name(n)], ignore_case=True)

    def find(self, text: str) -> list[Mention]:
        found = []
        for pattern in (self._exact, self._folded):
            if pattern is not None:
                found += [Mention(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]
        return _non_overlapping(found)


class Lexicon:
    """Authorities, places, modalities and targets."""

    def __init__(
        self,
        authorities: list[Authority],
        places: dict[str, str],
        cities: list[str],
        demonyms: list[str],
        modalities: list[tuple[str, re.Pattern[str]]],
        target_pattern: re.Pattern[str],
    ) -> None:
        self.authorities = tuple(authorities)
        self._by_name = {n.casefold(): a for a in authorities for n in a.names}
        self._authority_names = NameSet([n for a in authorities for n in a.names])
        self._countries = {name.casefold(): code for name, code in places.items()}
        self._place_names = frozenset(n.casefold() for n in (*places, *cities, *demonyms))
        self._places = NameSet([*places, *cities])
        self._modalities = tuple(modalities)
        self._targets = target_pattern

    def authority(self, name: str) -> Authority | None:
        """The authority known by ``name``, if any."""
        return self._by_name.get(name.casefold())

    def authorities_in(self, text: str) -> list[Mention]:
        return self._authority_names.find(text)

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

    def targets_in(self, text: str) -> list[Mention]:
        return [Mention(m.start(), m.end(), m.group()) for m in self._targets.finditer(text)]


@cache
def load_lexicon(directory: Path = DATA) -> Lexicon:
    """Read the word lists once."""
    authorities = json.loads((directory / "authorities.json").read_text(encoding="utf-8"))
    places = json.loads((directory / "places.json").read_text(encoding="utf-8"))
    biology = json.loads((directory / "biology.json").read_text(encoding="utf-8"))
    targets = "|".join(biology["targets"])
    return Lexicon(
        authorities=[
            Authority(tuple(a["names"]), a["jurisdiction"], a["role"])
            for a in authorities["authorities"]
        ],
        places=dict(places["places"]),
        cities=list(places["cities"]),
        demonyms=list(places["demonyms"]),
        modalities=[
            (name, re.compile(pattern, re.IGNORECASE)) for name, pattern in biology["modalities"]
        ],
        target_pattern=re.compile(rf"(?<![\w.])(?:{targets})(?![\w])"),
    )
