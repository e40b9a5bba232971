"""Find a quote in a text: exactly after normalisation, else by fuzzy alignment.

Normalisation (the same for the text and the quote):

- invisible characters (soft hyphens, zero-width spaces and joiners, byte order marks …:
  ``service.invisible``) are dropped;
- every run of white space (including no-break and other Unicode spaces) becomes one space;
- letters are lower-cased;
- curly and other typographic quotes become ``'`` or ``"``;
- dashes and minus signs (hyphen, en, em, figure dash, minus …) become ``-``.

A quote is **exact** when its normalised form occurs in the normalised text. Otherwise it
is **fuzzy** when it is at least ``FUZZY_MIN_CHARS`` normalised characters long and:

1. rapidfuzz's ``partial_ratio`` (an edit-distance similarity from 0 to 100) finds a
   window of the text, as long as the quote, scoring at least ``FUZZY_THRESHOLD``;
2. the window's edges are moved to the word boundaries, within a fifth of the quote's
   length either side (the ``EDGE_CANDIDATES`` nearest to each edge), that give the best
   plain ``ratio`` with the quote (so a quote that dropped or added a word still gets
   the whole passage);
3. that best ``ratio`` is itself at least ``FUZZY_THRESHOLD``.

Anything else does not align.

Offsets returned are into the text as given, never into its normalised form.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz

from schemas.v1 import Alignment
from service.invisible import INVISIBLE

FUZZY_THRESHOLD = 90.0
FUZZY_MIN_CHARS = 30
# Word boundaries tried for each edge of a fuzzy window, the nearest first: a quote that
# dropped or added a few words is covered, and the cost per quote stays bounded.
EDGE_CANDIDATES = 16

_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u00b4\u0060"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SPACES = (
    "\t\n\v\f\r\u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

# One character in, one character out: offsets survive the replacement unchanged.
_REPLACEMENT = {
    **{c: "'" for c in _QUOTES},
    **{c: '"' for c in _DOUBLE_QUOTES},
    **{c: "-" for c in _DASHES},
    **{c: " " for c in _SPACES},
}
# A regex touching only these characters is far faster than str.translate on long texts.
_SPECIAL = re.compile("[" + re.escape("".join(_REPLACEMENT)) + "]")


def _replace(match: re.Match[str]) -> str:
    return _REPLACEMENT[match.group()]


# Dropped: invisible characters, and the spaces after a first one (a run of white space,
# invisible characters within it, is one space).
_DROPPED = re.compile(f"(?<= )[ {INVISIBLE}]+|[{INVISIBLE}]+")
_INVISIBLE_CHAR = re.compile(f"[{INVISIBLE}]")


@dataclass(frozen=True, slots=True)
class Span:
    """Where a quote was found: offsets into the text, and how it was aligned."""

    start: int
    end: int
    alignment: Alignment
    score: float


@dataclass(frozen=True)
class Normalised:
    """A normalised text and the way back from its offsets to the original's."""

    text: str
    # Piecewise map: normalised offset _starts[k] + d comes from original _origins[k] + d.
    _starts: tuple[int, ...]
    _origins: tuple[int, ...]
    original_length: int

    def origin(self, index: int) -> int:
        """Offset in the original text of the normalised character at ``index``."""
        if index >= len(self.text):
            return self.original_length
        k = bisect_right(self._starts, index) - 1
        return self._origins[k] + index - self._starts[k]

    def origin_span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets covering the normalised characters ``start:end``."""
        return self.origin(start), self.origin(end - 1) + 1

    @cached_property
    def stripped(self) -> str:
        return self.text.strip()


def normalise(text: str) -> Normalised:
    """Normalise ``text`` as the module docstring says, keeping the offset map."""
    translated = _SPECIAL.sub(_replace, text)
    lowered = translated.lower()
    if len(lowered) != len(translated):
        return _normalise_char_by_char(translated)
    starts: list[int] = [0]
    origins: list[int] = [0]
    parts: list[str] = []
    kept = 0
    cursor = 0
    for run in _DROPPED.finditer(lowered):
        parts.append(lowered[cursor : run.start()])
        kept += run.start() - cursor
        cursor = run.end()
        starts.append(kept)
        origins.append(cursor)
    parts.append(lowered[cursor:])
    return Normalised("".join(parts), tuple(starts), tuple(origins), len(text))


def _normalise_char_by_char(translated: str) -> Normalised:
    # Rare: some character lower-cases to several (e.g. "İ"). One piece per output char.
    chars: list[str] = []
    origins: list[int] = []
    for i, ch in enumerate(translated):
        if _INVISIBLE_CHAR.match(ch) or (ch == " " and chars and chars[-1] == " "):
            continue
        for out in ch.lower():
            chars.append(out)
            origins.append(i)
    return Normalised("".join(chars), tuple(range(len(chars))), tuple(origins), len(translated))


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


def _word_starts(text: str, lo: int, hi: int) -> list[int]:
    return [
        i
        for i in range(max(lo, 0), min(hi, len(text)))
        if text[i] != " " and (i == 0 or text[i - 1] == " ")
    ]


def _word_ends(text: str, lo: int, hi: int) -> list[int]:
    return [
        i
        for i in range(max(lo, 1), min(hi, len(text)) + 1)
        if text[i - 1] != " " and (i == len(text) or text[i] == " ")
    ]


def _nearest(edges: list[int], to: int) -> list[int]:
    return sorted(edges, key=lambda edge: abs(edge - to))[:EDGE_CANDIDATES]


def _best_window(text: str, needle: str, start: int, end: int) -> tuple[int, int, float]:
    """Word-bounded edges near ``start:end`` that best match ``needle`` (plain ratio)."""
    slack = max(10, len(needle) // 5)
    starts = _nearest(_word_starts(text, start - slack, start + slack), start) or [start]
    ends = _nearest(_word_ends(text, end - slack, end + slack), end) or [end]
    best = (start, end, -1.0)
    for lo in starts:
        for hi in ends:
            if hi <= lo:
                continue
            score = fuzz.ratio(needle, text[lo:hi], score_cutoff=best[2])
            if score > best[2]:
                best = (lo, hi, score)
    return best


class Aligner:
    """A text prepared once, in which quotes and names are then looked up."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.normalised = normalise(text)
        self._cache: dict[str, Span | None] = {}
        self._mentioned: dict[str, bool] = {}

    def find(self, quote: str) -> Span | None:
        """The span of ``quote`` in the text, exact or fuzzy, or None."""
        if quote not in self._cache:
            self._cache[quote] = self._find(quote)
        return self._cache[quote]

    def _find(self, quote: str) -> Span | None:
        needle = normalise(quote).stripped
        if not needle:
            return None
        haystack = self.normalised.text
        at = haystack.find(needle)
        if at >= 0:
            start, end = self.normalised.origin_span(at, at + len(needle))
            return Span(start, end, "exact", 100.0)
        if len(needle) < FUZZY_MIN_CHARS or len(needle) > len(haystack):
            return None
        best = fuzz.partial_ratio_alignment(needle, haystack, score_cutoff=FUZZY_THRESHOLD)
        if best is None:
            return None
        lo, hi, score = _best_window(haystack, needle, best.dest_start, best.dest_end)
        if score < FUZZY_THRESHOLD:
            return None
        start, end = self.normalised.origin_span(lo, hi)
        return Span(start, end, "fuzzy", round(score, 1))

    def explain_miss(self, quote: str) -> str:
        """Why ``quote`` does not align, in words the model can act on."""
        needle = normalise(quote).stripped
        if len(needle) < FUZZY_MIN_CHARS:
            return "it is not found word for word, and it is too short to match approximately"
        if len(needle) > len(self.normalised.text):
            return "it is longer than the article"
        best = fuzz.partial_ratio_alignment(needle, self.normalised.text)
        score = best.score if best is not None else 0.0
        return (
            f"no passage of the article matches it; the closest scores {score:.0f}/100, "
            f"below the {FUZZY_THRESHOLD:.0f} required"
        )

    def mentions(self, name: str) -> bool:
        """Whether ``name`` occurs in the text as whole words (after normalisation). The
        validators ask for the same names many times (each milestone's organisation …)."""
        if name not in self._mentioned:
            self._mentioned[name] = self._mentions(name)
        return self._mentioned[name]

    def _mentions(self, name: str) -> bool:
        needle = normalise(name).stripped
        if not needle:
            return False
        haystack = self.normalised.text
        at = haystack.find(needle)
        while at >= 0:
            end = at + len(needle)
            before_ok = at == 0 or not (
                _is_word_char(haystack[at - 1]) and _is_word_char(needle[0])
            )
            after_ok = end >= len(haystack) or not (
                _is_word_char(haystack[end]) and _is_word_char(needle[-1])
            )
            if before_ok and after_ok:
                return True
            at = haystack.find(needle, at + 1)
        return False
