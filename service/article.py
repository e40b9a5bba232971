"""The article, as it is sent and as it is prepared: the core types of its path.

- ``Article``: the article as a caller sends it (its text, publication date, source,
  URL and the caller's id), whatever format it came in (``service.inputs``).
- ``PreparedArticle``: the article cleaned once (``service.clean``), with the way back
  from the cleaned text to the caller's offsets, and an aligner over it. Everything after
  cleaning reads this: the engines (its ``text``), the validators (it is the
  ``schemas.ArticleContext``), grounding (``locate``) and the cache (``normalised_text``).

Token usage (``TokenUsage``) and an alignment (``Alignment``) are the schema's own types,
handed on from here with the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from schemas.checks import EARLIEST_YEAR, LATEST_YEAR
from schemas.v1 import Alignment, TokenUsage
from service.align import Aligner, Span
from service.clean import CleanedText, clean
from service.errors import InputError
from service.invisible import visible
from service.modality import clause_kind, injected, opening_kind, statement_kind
from service.prose import ArticleWords, prose_problem

__all__ = [
    "Alignment",
    "Article",
    "PreparedArticle",
    "TokenUsage",
    "prepare",
    "publication_date_problem",
]

# How far before a quote its sentence and paragraph are read for what it stands in.
CLAIM_WINDOW = 2000
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+")


def publication_date_problem(value: date) -> str | None:
    """Why ``value`` cannot be an article's publication date, if it cannot."""
    if EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return None
    return (
        f"published_at {value.isoformat()} is not a plausible publication date (years "
        f"{EARLIEST_YEAR}-{LATEST_YEAR} are accepted)"
    )


@dataclass(frozen=True)
class Article:
    """An article as a caller sends it."""

    text: str
    published_at: date | None = None
    source: str | None = None
    url: str | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        problem = self.published_at and publication_date_problem(self.published_at)
        if problem:
            raise InputError(problem)
        for name in ("text", "source", "url", "id"):
            value = getattr(self, name)
            if value is not None and NUL in value:
                raise InputError(nul_problem(name, value))


# U+0000 is refused wherever it comes from: PostgreSQL's text cannot hold it, and no news
# text has one; the same article is refused on every store.
NUL = "\x00"


def nul_problem(name: str, value: str) -> str:
    """Why a value holding U+0000 is refused, and where the first one stands."""
    return (
        f"{name} holds a NUL character (U+0000) at character {value.index(NUL)}, which "
        "cannot be stored: remove it"
    )


class PreparedArticle:
    """The article cleaned, with its offset map back to what the caller sent; the article
    as the engines, the validators, grounding and the cache see it."""

    def __init__(self, article: Article, cleaned: CleanedText) -> None:
        self.article = article
        self.cleaned = cleaned
        self._aligner = Aligner(cleaned.text)

    @property
    def published_at(self) -> date | None:
        return self.article.published_at

    @cached_property
    def clean_text(self) -> str:
        """The cleaned text without invisible characters: what the engines read (the
        article's ``text`` is what the caller sent)."""
        return visible(self.cleaned.text)

    @property
    def normalised_text(self) -> str:
        """The cleaned text, normalised as quotes are (white space, case, quotes, dashes)."""
        return self._aligner.normalised.stripped

    def explain_quote(self, quote: str) -> str | None:
        """None when ``quote`` aligns with the cleaned text, else why not."""
        if self._aligner.find(quote) is not None:
            return None
        return self._aligner.explain_miss(quote)

    def mentions(self, name: str) -> bool:
        return self._aligner.mentions(name)

    @cached_property
    def _words(self) -> ArticleWords:
        return ArticleWords.of(self.clean_text)

    def explain_prose(self, text: str) -> str | None:
        """None when a headline or summary is grounded in the cleaned text, else why not
        (``service.prose``). Kept per text: the rules engine checks its own headline
        before the validators check it again."""
        checked = self._prose_checked
        if text not in checked:
            if len(checked) > 64:
                checked.clear()
            checked[text] = prose_problem(text, self._words)
        return checked[text]

    @cached_property
    def _prose_checked(self) -> dict[str, str | None]:
        return {}

    def claim_kind(self, quote: str) -> str | None:
        """None when the article states ``quote`` as fact; else what the quote stands in:
        "instruction" (or after an injected prompt in its paragraph), "supposition" or
        "condition" (``service.modality``). Reads a bounded window before the quote."""
        span = self._aligner.find(quote)
        if span is None:
            return None  # explain_quote says why
        text = self.cleaned.text
        window = max(0, span.start - CLAIM_WINDOW)
        # The paragraph opens after the last line break within the window, else with it.
        paragraph = text.rfind("\n", window, span.start) + 1 or window
        if injected(text[paragraph : span.end]):
            return "instruction"
        opening = paragraph
        for stop in _SENTENCE_END.finditer(text, paragraph, span.start):
            opening = stop.end()
        sentence = visible(text[opening : span.end])
        at = len(visible(text[opening : span.start]))
        return statement_kind(sentence) or clause_kind(sentence, at) or opening_kind(sentence, at)

    def locate(self, quote: str) -> Span | None:
        """Where ``quote`` stands in the text as the caller sent it."""
        span = self._aligner.find(quote)
        if span is None:
            return None
        start, end = self.cleaned.to_original_span(span.start, span.end)
        return Span(start, end, span.alignment, span.score)


def prepare(article: Article) -> PreparedArticle:
    """Clean: refuse an empty article, remove boilerplate, keep the way back."""
    if not visible(article.text).strip():
        raise InputError("the article is empty (no text, or only white space)")
    cleaned = clean(article.text)
    if not visible(cleaned.text).strip():
        raise InputError("the article holds only boilerplate (navigation, adverts, links)")
    return PreparedArticle(article, cleaned)
