"""Clean: remove boilerplate lines before the model sees the article.

The cleaner is conservative. It works on whole lines and removes only:

- lines that are boilerplate wherever they stand (adverts, "READ:" links, subscription
  and login text, "follow us on …" footers), when short enough not to be prose;
- at the top or bottom of the page, a dense block of site navigation or login lines;
- a run of other stories' headlines: after a "Related news"-style heading, or as the
  last lines of the page (three or more short lines without sentence punctuation).

Everything else is kept byte for byte, so offsets in the cleaned text map straight back
to the text the caller sent (``CleanedText.to_original``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from service import boilerplate as bp
from service.invisible import INVISIBLE_RUN, visible

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_STRONG = {reason: bp.compile_any(patterns) for reason, patterns in bp.STRONG.items()}
_ANY_STRONG = bp.compile_any(tuple(p for patterns in bp.STRONG.values() for p in patterns))
_NAV = bp.compile_any(bp.NAVIGATION_CUES)
_LIST_HEADING = bp.compile_any(bp.HEADLINE_LIST_HEADING)
_DISCLAIMER_HEADING = bp.compile_any(bp.DISCLAIMER_HEADING)
_DISCLAIMER_OPENING = bp.compile_any(bp.DISCLAIMER_OPENING)
_NOT_A_HEADLINE = bp.compile_any(bp.NOT_A_HEADLINE)
_SENTENCE_END = (".", "!", "?", ":", ";", '"', "'", "\u201d", "\u2019", "\u2026")


@dataclass(frozen=True, slots=True)
class Removal:
    """A removed line: offsets into the original text, and why it went."""

    start: int
    end: int
    reason: str
    line: str


@dataclass(frozen=True)
class CleanedText:
    """The article without its boilerplate, and the way back to the original."""

    original: str
    text: str
    removed: tuple[Removal, ...]
    # Piecewise map: cleaned offset _starts[k] + d is original offset _origins[k] + d.
    _starts: tuple[int, ...] = field(repr=False)
    _origins: tuple[int, ...] = field(repr=False)

    def to_original(self, index: int) -> int:
        """Offset in the original text of the cleaned character at ``index``."""
        if not self._starts or index >= len(self.text):
            return len(self.original) if not self._starts else self._end_of_last_piece()
        k = bisect_right(self._starts, index) - 1
        return self._origins[k] + index - self._starts[k]

    def _end_of_last_piece(self) -> int:
        return self._origins[-1] + len(self.text) - self._starts[-1]

    def to_original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets covering the cleaned characters ``start:end``."""
        if end <= start:
            at = self.to_original(start)
            return at, at
        return self.to_original(start), self.to_original(end - 1) + 1

    def in_boilerplate(self, start: int, end: int) -> bool:
        """Whether original offsets ``start:end`` overlap a removed line."""
        return any(r.start < end and start < r.end for r in self.removed)


@dataclass(slots=True)
class _Line:
    start: int
    raw: str
    invisible: bool  # whether the text may hold invisible characters
    content: str = field(init=False)  # without its line ending
    lowered: str = field(init=False)  # what the patterns are matched against
    words: int = field(init=False)
    reason: str | None = None

    def __post_init__(self) -> None:
        self.content = self.raw.rstrip("\r\n")
        self.lowered = (visible(self.content) if self.invisible else self.content).lower()
        self.words = len(self.content.split())

    @property
    def blank(self) -> bool:
        return self.words == 0


def _split_lines(text: str) -> list[_Line]:
    invisible = INVISIBLE_RUN.search(text) is not None  # one look for the whole text
    return [_Line(m.start(), m.group(), invisible) for m in _LINE.finditer(text) if m.group()]


def _strong_reason(line: _Line) -> str | None:
    if line.blank or line.words > bp.STRONG_MAX_WORDS or not _ANY_STRONG.search(line.lowered):
        return None  # (one search for every pattern: most lines match none)
    return next((reason for reason, rx in _STRONG.items() if rx.search(line.lowered)), None)


def _is_navigation(line: _Line) -> bool:
    return _NAV.search(line.lowered) is not None


def _looks_like_headline(line: _Line, *, listed: bool = False) -> bool:
    """A short line without sentence punctuation, capitalised; ``listed``: under a
    "Related"-style heading, where a bullet or a number may stand before it."""
    text = line.content.strip()
    lowered = line.lowered
    if listed and (marker := _LIST_MARKER.match(text)):
        text, lowered = text[marker.end() :], lowered[marker.end() :]
    return (
        3 <= len(text.split()) <= 25
        and not text.endswith(_SENTENCE_END)
        and (text[:1].isupper() or text[:1].isdigit())
        and not _NOT_A_HEADLINE.search(lowered)
    )


_LIST_MARKER = re.compile(r"^\s*(?:[-*\u2022\u25aa\u25cf\u2013\u2014>]|\d+[.)])\s+")


def _mark_navigation_block(lines: list[_Line], region: list[int], leading: bool) -> None:
    """Within an edge region, remove a dense block of navigation lines."""
    candidates = [i for i in region if not lines[i].blank and lines[i].reason is None]
    cues = [i for i in candidates if _is_navigation(lines[i])]
    if len(cues) < bp.NAVIGATION_MIN_CUES:
        return
    first, last = cues[0], cues[-1] if leading else candidates[-1]
    span = [i for i in candidates if first <= i <= last]
    if len(cues) / len(span) < bp.NAVIGATION_MIN_DENSITY:
        return
    for i in span:
        lines[i].reason = "navigation"


def _mark_headline_lists(lines: list[_Line]) -> None:
    live = [i for i, line in enumerate(lines) if not line.blank and line.reason is None]
    # After a "Related news" heading, wherever it stands.
    for n, i in enumerate(live):
        if _LIST_HEADING.search(lines[i].lowered):
            run = []
            for j in (live[k] for k in range(n + 1, len(live))):
                if not _looks_like_headline(lines[j], listed=True):
                    break
                run.append(j)
            if run:
                for j in [i, *run]:
                    lines[j].reason = "headline_list"
    # As the last lines of the page, unless a colon introduced them as the article's list.
    live = [i for i, line in enumerate(lines) if not line.blank and line.reason is None]
    run = []
    for i in reversed(live):
        if not _looks_like_headline(lines[i]):
            if lines[i].content.rstrip().endswith(":"):
                run = []
            break
        run.append(i)
    if len(run) >= bp.HEADLINE_LIST_MIN_LINES:
        for i in run:
            lines[i].reason = "headline_list"


def _mark_disclaimers(lines: list[_Line]) -> None:
    """The legal small print: a paragraph opening "This press release contains
    forward-looking statements", and a "Forward-Looking Statements" heading with every
    line after it up to the next heading (a short line without sentence punctuation)."""
    inside = False
    for line in lines:
        if line.blank or line.reason is not None:
            continue
        if _DISCLAIMER_HEADING.search(line.lowered):
            line.reason, inside = "disclaimer", True
            continue
        ends_sentence = line.content.rstrip().endswith(_SENTENCE_END)
        if inside and not ends_sentence and line.words <= 8:
            inside = False  # "About Corvana": the next section
        if inside or _DISCLAIMER_OPENING.search(line.lowered):
            line.reason = "disclaimer"


def clean(text: str) -> CleanedText:
    """Remove boilerplate lines from ``text``, keeping a map back to its offsets."""
    lines = _split_lines(text)
    for line in lines:
        line.reason = _strong_reason(line)

    paragraphs = [i for i, line in enumerate(lines) if line.words >= bp.PARAGRAPH_MIN_WORDS]
    if paragraphs:
        _mark_navigation_block(lines, list(range(paragraphs[0])), leading=True)
        _mark_navigation_block(lines, list(range(paragraphs[-1] + 1, len(lines))), leading=False)
    _mark_headline_lists(lines)
    _mark_disclaimers(lines)

    parts: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    removed: list[Removal] = []
    length = 0
    for line in lines:
        if line.reason is not None:
            end = line.start + len(line.raw)
            removed.append(Removal(line.start, end, line.reason, line.content))
            continue
        if starts and origins[-1] + (length - starts[-1]) == line.start:
            pass  # contiguous with the previous kept line: same piece
        else:
            starts.append(length)
            origins.append(line.start)
        parts.append(line.raw)
        length += len(line.raw)
    return CleanedText(text, "".join(parts), tuple(removed), tuple(starts), tuple(origins))
