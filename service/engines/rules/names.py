"""Finding known names in text: a name set (authorities, places, products, companies,
the organisations an article names) and the regular expressions built from lists of
words (the word lists' tries)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.cues import fold
from service.engines.rules.memo import Kept, remembered


@dataclass(frozen=True, slots=True)
class Mention:
    """Where a known name stands in a text."""

    start: int
    end: int
    text: str


def is_short_name(name: str) -> bool:
    """Acronyms and one-word coined names are matched case-sensitively ("CAT" is not
    "cat")."""
    return " " not in name and not name.islower()


_END = ""  # a trie key marking where a name ends


def trie(names: list[str], fold: bool) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for name in names:
        key = name.lower() if fold and len(name.lower()) == len(name) else name
        node = root
        for ch in key:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return root


def alternatives(node: dict[str, Any]) -> str:
    """The regex of a trie node: each branch with its single-child chain as one literal;
    where a name may also end here, the longer names are tried first."""
    branches = []
    for ch, child in node.items():
        if ch == _END:
            continue
        chain = ch
        while len(child) == 1 and _END not in child:
            ((following, child),) = child.items()
            chain += following
        branches.append(re.escape(chain) + alternatives(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if _END in node else body


def name_pattern(names: list[str], ignore_case: bool) -> re.Pattern[str] | None:
    """One regex matching any of ``names`` as whole words, the longest where several
    match. Built as a trie (common prefixes once), so its cost at a position does not
    grow with the number of names."""
    if not names:
        return None
    body = alternatives(trie(sorted(set(names)), ignore_case))
    # The names' first characters, tested first: most positions start none (a cheap
    # character-set test before the lookbehind and the trie).
    firsts = {n[0] for n in names} | ({n[0].swapcase() for n in names} if ignore_case else set())
    first = "".join(sorted(re.escape(c) for c in firsts))
    return re.compile(
        rf"(?=[{first}])(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE if ignore_case else 0
    )


def non_overlapping(found: list[Mention]) -> list[Mention]:
    """The longest mentions first (then the earliest), each kept if it overlaps none
    kept before it; in order of position. (Kept mentions never overlap, so their starts
    and ends sort alike and the neighbours found by bisection are the only candidates.)"""
    starts: list[int] = []
    kept: list[Mention] = []
    for m in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
        at = bisect_left(starts, m.start)
        if at > 0 and kept[at - 1].end > m.start:
            continue
        if at < len(kept) and kept[at].start < m.end:
            continue
        starts.insert(at, m.start)
        kept.insert(at, m)
    return kept


_WORD = re.compile(r"\w+")


@remembered
def _words(text: str) -> frozenset[str]:
    """The words of ``text``, folded (``cues.fold``): the first word of a name found in
    it is one of them, folded."""
    return frozenset(_WORD.findall(fold(text)))


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"  # what \w matches


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is whole: no word character or hyphen either side."""
    if start > 0 and (_is_word_char(text[start - 1]) or text[start - 1] == "-"):
        return False
    return end == len(text) or not (_is_word_char(text[end]) or text[end] == "-")


# Names matched without case whose letters all fold alike (``cues.fold``): as IGNORECASE
# matches them. Others (a micro sign, Greek) are left to a pattern.
_FOLDS_ALIKE = re.compile(r"[\x00-\xb4\xb6-\u024f\u2010-\u2027]*")


class _Index:
    """Names by their first word (folded), each word's names by length, longest first: a
    text is searched for the names whose first word it holds, as written (``folded``:
    without case). At a place, one look per length, not one per name: names sharing a
    first word ("CT-00001" … "CT-02000") would make every place cost them all."""

    def __init__(self, names: list[str], folded: bool) -> None:
        self.folded = folded
        by_first: dict[str, dict[int, set[str]]] = {}
        for name in names:
            first = _WORD.match(fold(name))
            assert first is not None  # names opening with a word only (``NameSet``)
            written = fold(name) if folded else name
            by_first.setdefault(first.group(), {}).setdefault(len(written), set()).add(written)
        self.by_first = {
            w: [(size, frozenset(n)) for size, n in sorted(by_size.items(), reverse=True)]
            for w, by_size in by_first.items()
        }
        self.firsts = frozenset(self.by_first)

    def find(self, text: str, folded: str, words: frozenset[str]) -> list[Mention]:
        """The names in ``text`` (``folded``: ``cues.fold(text)``, ``words``: its words),
        each the longest at its place, leftmost first, none overlapping the one before."""
        found: dict[int, Mention] = {}
        searched = folded if self.folded else text
        for word in self.firsts & words:
            by_size = self.by_first[word]
            at = folded.find(word)
            while at >= 0:
                if at not in found:
                    for size, names in by_size:
                        end = at + size
                        if searched[at:end] in names and _stands_alone(text, at, end):
                            found[at] = Mention(at, end, text[at:end])
                            break
                at = folded.find(word, at + 1)
        kept: list[Mention] = []
        for start in sorted(found):
            if not kept or start >= kept[-1].end:
                kept.append(found[start])
        return kept


MIN_CAPITALISED = 5  # letters a name holds to be found in capitals too


class NameSet:
    """Finds any of a set of names in text, as whole words: short names by case, long
    names without (``exact``: which names are matched by case, if not the short ones);
    the longest where names overlap."""

    def __init__(self, names: list[str], exact: Callable[[str], bool] | None = None) -> None:
        by_case = exact or is_short_name
        exact_names = [n for n in set(names) if by_case(n)]
        folded_names = [n for n in set(names) if not by_case(n)]
        indexed = [n for n in exact_names if _WORD.match(n)]
        # A coined name in capitals is the same name: "KYMRIAH" for "Kymriah" (a word
        # short enough to be an acronym, "Cat", is not).
        indexed += [
            n.upper()
            for n in indexed
            if len(n) >= MIN_CAPITALISED and n != n.upper() and len(n.upper()) == len(n)
        ]
        folds = [n for n in folded_names if _WORD.match(n) and _FOLDS_ALIKE.fullmatch(n)]
        self._indexes = [i for i in (_Index(indexed, False), _Index(folds, True)) if i.firsts]
        # What no index can find (a name opening with a sign, letters folding apart).
        rest_exact = sorted(set(exact_names) - set(indexed))
        rest_folded = sorted(set(folded_names) - set(folds))
        self._patterns = [
            p
            for p in (name_pattern(rest_exact, False), name_pattern(rest_folded, True))
            if p is not None
        ]
        # The same sentence is looked up by several readers (entities, who, titles): its
        # mentions are kept, for the most recent short texts only.
        self._found: Kept[list[Mention]] = Kept()

    def find(self, text: str) -> list[Mention]:
        known = self._found.get(text)
        if known is not None:
            return list(known)
        found: list[Mention] = []
        if self._indexes:
            words = _words(text)
            for index in self._indexes:
                if not index.firsts.isdisjoint(words):
                    found += index.find(text, fold(text), words)
        for pattern in self._patterns:
            found += [Mention(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]
        found = non_overlapping(found) if len(found) > 1 else found
        self._found.keep(text, found)
        return list(found)
