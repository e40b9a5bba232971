"""What a pattern cannot match without: its cues.

A cue is a set of words, one of which every match of the pattern holds (``approval`` in
``\\bfull\\s+approval\\b``; ``granted``, ``received``, … in ``\\b(?:granted|received)\\b``).
A pattern with cues is searched only in a text holding one word of each: a substring test,
far cheaper than the pattern at every position of the text. The cues are read from the
pattern itself (its parse tree), so they can never disagree with it; what they cannot be
sure of (a character class, an optional part, a lookaround) gives no cue, and a pattern
without cues is always searched.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

try:  # the standard library's own parser of patterns (what ``re.compile`` reads them with)
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - an interpreter without it: no cues, same results
    _sre_parse = None

Cues = tuple[frozenset[str], ...]
_END = sys.maxsize  # a search's default end
_SHORT = 48  # a text this short is searched at once: its cues would cost more than the search

MIN_WORD = 3  # shorter words stand in most texts: no cue (a sign such as "(" is one)
MAX_WORDS = 64  # a cue of more words costs more to test than it saves
MAX_CUES = 3  # per pattern: the most telling
_MAX_SPELLINGS = 16  # "authori[sz]ation": each spelling of a literal run, up to this many

# The only characters that IGNORECASE matches with an ASCII letter that ``str.lower``
# does not turn into it: a text is folded with them first.
_ODD_CASES = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})


def fold(text: str) -> str:
    """``text`` as cues are looked for in it: lower case, the odd cases made ASCII."""
    global _FOLDED
    last = _FOLDED  # the text folded last (one tuple: safe to read from any thread)
    if last[0] is text:
        return last[1]
    if text.isascii() or not ("\u0130" in text or "\u0131" in text or "\u017f" in text):
        folded = text.lower()
    else:
        folded = text.translate(_ODD_CASES).lower()
    _FOLDED = (text, folded)
    return folded


# The text folded last, and its fold: the patterns of a sentence are tried one after the
# other on it, each asking for its fold.
_FOLDED: tuple[str, str] = ("", "")


def cues_of(pattern: re.Pattern[str]) -> Cues:
    """The cues of a compiled pattern (none if it cannot tell)."""
    if _sre_parse is None:
        return ()
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
        found = _needed(list(parsed))
    except (RecursionError, ValueError, TypeError, AttributeError, re.error):
        return ()
    usable = [
        cue
        for cue in found
        if len(cue) <= MAX_WORDS and all(w.isascii() and _telling_word(w) for w in cue)
    ]
    usable.sort(key=_telling, reverse=True)
    # The most telling kept; tested the cheapest first (a cue of few words fails fast).
    return tuple(sorted(usable[:MAX_CUES], key=len))


def holds(cues: Cues, folded: str) -> bool:
    """Whether a text (``fold``-ed) holds a word of every cue: the pattern may match it."""
    holding = folded.__contains__
    for cue in cues:
        if not any(map(holding, cue)):
            return False
    return True


class Cued:
    """A compiled pattern searched only in texts holding its cues (``re.Pattern``'s
    methods, the same answers). A pattern without cues, and a match at one place (no
    dearer than its cues), are the compiled pattern's own methods: no call between."""

    __slots__ = (
        "compiled",
        "cues",
        "pattern",
        "flags",
        "match",
        "fullmatch",
        "search",
        "finditer",
        "findall",
        "sub",
        "split",
    )

    def __init__(self, compiled: re.Pattern[str]) -> None:
        self.compiled = compiled
        self.cues = cues_of(compiled)
        self.pattern = compiled.pattern
        self.flags = compiled.flags
        self.match: Callable[..., re.Match[str] | None] = compiled.match
        self.fullmatch: Callable[..., re.Match[str] | None] = compiled.fullmatch
        self.search: Callable[..., re.Match[str] | None] = compiled.search
        self.finditer: Callable[..., Iterator[re.Match[str]]] = compiled.finditer
        self.findall: Callable[..., list[Any]] = compiled.findall
        self.sub: Callable[..., str] = compiled.sub
        self.split: Callable[..., list[Any]] = compiled.split
        if self.cues:
            self.search = self._search
            self.finditer = self._finditer
            self.findall = self._findall
            self.sub = self._sub
            self.split = self._split

    def may_match(self, text: str) -> bool:
        """Whether ``text`` holds the cues (a short text always may: it is searched)."""
        return len(text) <= _SHORT or holds(self.cues, fold(text))

    def _search(self, text: str, pos: int = 0, endpos: int = _END) -> re.Match[str] | None:
        if len(text) > _SHORT and not holds(self.cues, fold(text)):
            return None
        return self.compiled.search(text, pos, endpos)

    def _finditer(self, text: str, pos: int = 0, endpos: int = _END) -> Iterator[re.Match[str]]:
        if len(text) > _SHORT and not holds(self.cues, fold(text)):
            return iter(())
        return self.compiled.finditer(text, pos, endpos)

    def _findall(self, text: str, pos: int = 0, endpos: int = _END) -> list[Any]:
        if len(text) > _SHORT and not holds(self.cues, fold(text)):
            return []
        return self.compiled.findall(text, pos, endpos)

    def _sub(self, repl: str | Callable[[re.Match[str]], str], text: str, count: int = 0) -> str:
        if len(text) > _SHORT and not holds(self.cues, fold(text)):
            return text
        return self.compiled.sub(repl, text, count)

    def _split(self, text: str, maxsplit: int = 0) -> list[str | Any]:
        if len(text) > _SHORT and not holds(self.cues, fold(text)):
            return [text]
        return self.compiled.split(text, maxsplit)


def cued(pattern: str, flags: int = 0) -> Cued:
    """``re.compile``, the pattern searched only in texts holding its cues."""
    return Cued(re.compile(pattern, flags))


def _telling_word(word: str) -> bool:
    """A word worth looking for: long enough, or holding a sign that most texts lack."""
    return len(word) >= MIN_WORD or any(
        not c.isalnum() and not c.isspace() and c not in _COMMON_SIGNS for c in word
    )


_COMMON_SIGNS = frozenset(",.-'\u2019")  # in most sentences


def _telling(cue: frozenset[str]) -> tuple[int, int]:
    return (min(len(w) for w in cue), -len(cue))


def _name(op: Any) -> str:
    return str(op)


def _literal_run(items: list[tuple[Any, Any]]) -> Iterator[tuple[int, set[str] | None]]:
    """For each item, the spellings it adds to a literal run (None: it ends the run)."""
    for op, value in items:
        name = _name(op)
        if name == "LITERAL":
            yield 1, {chr(value)}
        elif name == "IN" and value and all(_name(o) == "LITERAL" for o, _ in value):
            yield 1, {chr(v) for _, v in value}
        else:
            yield 0, None


def _needed(items: list[tuple[Any, Any]]) -> list[frozenset[str]]:
    """The cues of a sequence of parsed items: every word set one of which must stand in
    a match (all of them must)."""
    cues: list[frozenset[str]] = []
    run: set[str] = {""}

    def close() -> None:
        nonlocal run
        if run != {""}:
            cues.append(frozenset(w.lower() for w in run))
        run = {""}

    for (op, value), (is_literal, spellings) in zip(items, _literal_run(items), strict=True):
        if is_literal and spellings is not None:
            if not all(c.isascii() for c in spellings):
                close()  # cases beyond ASCII are not sure to fold alike: the run ends
                continue
            grown = {w + s for w in run for s in spellings}
            if len(grown) > _MAX_SPELLINGS:
                close()
                grown = set(spellings)
            run = grown
            continue
        close()
        name = _name(op)
        if name == "SUBPATTERN":
            cues += _needed(list(value[-1]))
        elif name == "BRANCH":
            branch = _any_of([list(alternative) for alternative in value[1]])
            if branch is not None:
                cues.append(branch)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and value[0] >= 1:
            cues += _needed(list(value[2]))
        elif name == "ATOMIC_GROUP":
            cues += _needed(list(value))
    close()
    return cues


def _any_of(alternatives: list[list[tuple[Any, Any]]]) -> frozenset[str] | None:
    """One cue for a choice: each alternative's most telling cue, together (none where
    an alternative has none)."""
    words: set[str] = set()
    for alternative in alternatives:
        own: list[frozenset[str]] = [
            c for c in _needed(alternative) if all(_telling_word(w) for w in c)
        ]
        if not own:
            return None
        best: frozenset[str] = max(own, key=_telling)
        words |= best
        if len(words) > MAX_WORDS:
            return None
    return frozenset(words)


class Alternatives:
    """Patterns tried as one (``p1|p2|…``: the leftmost match, the first pattern's
    where several start there), each searched only in texts holding its cues: the
    matches are those of the patterns joined into one, found with less work."""

    def __init__(self, patterns: tuple[re.Pattern[str], ...], joined: re.Pattern[str]) -> None:
        self.patterns = patterns
        self.joined = joined
        self.cues = tuple(cues_of(p) for p in patterns)

    def finditer(self, text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        """What ``joined.finditer(text)`` finds (``folded``: ``fold(text)``, if known)."""
        folded = fold(text) if folded is None else folded
        live = [p for p, cues in zip(self.patterns, self.cues, strict=True) if holds(cues, folded)]
        if not live:
            return
        # Each live pattern's next match from where the scan stands (None: no more).
        ahead: list[re.Match[str] | None] = [p.search(text) for p in live]
        at = 0
        while True:
            best: re.Match[str] | None = None
            for match in ahead:
                if match is not None and (best is None or match.start() < best.start()):
                    best = match  # the earliest; the first pattern's on a tie
            if best is None:
                return
            if best.end() == best.start():
                # An empty match: the joined pattern's own scan decides what follows.
                yield from self.joined.finditer(text, best.start())
                return
            yield best
            at = best.end()
            ahead = [
                m if m is None or m.start() >= at else live[i].search(text, at)
                for i, m in enumerate(ahead)
            ]
