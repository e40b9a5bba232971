"""Validate: check the model's answer against the schema and against the article.

The schema's validators read the article from the validation context
(``schemas.v1.ArticleContext``); this module provides that context, built on the
cleaned text the model saw, and turns validation failures into readable lines.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from schemas import ARTICLE_KEY, Extraction
from service.align import Aligner, Span
from service.clean import CleanedText
from service.invisible import visible
from service.modality import clause_kind, injected, opening_kind, statement_kind

# How far before a quote its sentence and paragraph are read for what it stands in.
CLAIM_WINDOW = 2000
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+")


class GroundingContext:
    """The article as the validators see it: the cleaned text, and its publication date."""

    def __init__(self, cleaned: CleanedText, published: date | None = None) -> None:
        self.cleaned = cleaned
        self._published = published
        self._aligner = Aligner(cleaned.text)

    @property
    def published(self) -> date | None:
        return self._published

    @cached_property
    def text(self) -> str:
        """The cleaned text without invisible characters: what the engines read."""
        return visible(self.cleaned.text)

    def explain_quote(self, quote: str) -> str | None:
        """None when ``quote`` aligns with the cleaned text, else why not."""
        if self._aligner.find(quote) is not None:
            return None
        return self._aligner.explain_miss(quote)

    def mentions(self, name: str) -> bool:
        return self._aligner.mentions(name)

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

    @property
    def normalised_text(self) -> str:
        """The cleaned text, normalised as quotes are (white space, case, quotes, dashes)."""
        return self._aligner.normalised.stripped

    def locate(self, quote: str) -> Span | None:
        """Where ``quote`` stands in the text as the caller sent it."""
        span = self._aligner.find(quote)
        if span is None:
            return None
        start, end = self.cleaned.to_original_span(span.start, span.end)
        return Span(start, end, span.alignment, span.score)


class ValidationContext(dict[str, Any]):
    """The validation context handed to instructor: always falsy.

    instructor renders every message through Jinja whenever its ``context`` is truthy,
    and the article must reach the model byte for byte. Being falsy, this context skips
    that rendering while still reaching the validators (``tests/test_llm_engine.py``
    pins this down with an article full of Jinja syntax).
    """

    def __init__(self, article: GroundingContext) -> None:
        super().__init__({ARTICLE_KEY: article})

    def __bool__(self) -> bool:
        return False


def validate_extraction(data: Any, context: GroundingContext) -> Extraction:
    """Validate an extraction given as Python data against the schema and the article."""
    return Extraction.model_validate(data, context=ValidationContext(context))


def describe_errors(error: BaseException) -> list[str]:
    """One readable line per problem in a failed parse or validation."""
    if isinstance(error, ValidationError):
        lines = []
        for problem in error.errors(include_url=False):
            where = ".".join(str(part) for part in problem["loc"]) or "answer"
            message = str(problem["msg"]).removeprefix("Value error, ")
            lines.append(f"{where}: {message}")
        return lines
    if isinstance(error, json.JSONDecodeError):
        return [f"answer: not valid JSON ({error.msg} at position {error.pos})"]
    return [f"answer: {error}"]
