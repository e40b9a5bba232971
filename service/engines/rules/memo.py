"""What the rules keep of the sentences they have read: several readers of one article
ask the same of a sentence (its clauses, its names), so recent answers are kept, for
short sentences only (what is kept stays small whatever is sent); ``forget`` drops them
all (the benchmark reads each article cold)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Generic, TypeVar

KEPT_ANSWERS = 4096  # per function: the most recent
KEPT_TEXT_CHARS = 2000  # a longer text's answers are worked out each time

_T = TypeVar("_T")
_CLEARS: list[Callable[[], None]] = []
_KEPT: weakref.WeakSet[Kept[Any]] = weakref.WeakSet()


def remembered(function: Callable[[str], _T]) -> Callable[[str], _T]:
    """A function of a sentence whose recent results are kept, and forgotten by
    ``forget``."""
    kept = lru_cache(maxsize=KEPT_ANSWERS)(function)
    _CLEARS.append(kept.cache_clear)

    def recall(text: str) -> _T:
        return kept(text) if len(text) <= KEPT_TEXT_CHARS else function(text)

    recall.__doc__ = function.__doc__
    recall.__name__ = function.__name__
    return recall


class Kept(Generic[_T]):
    """A text's answers kept by an object (a name set's mentions per sentence): short
    texts only, the most recent, cleared by ``forget`` with the rest."""

    def __init__(self) -> None:
        self._answers: dict[str, _T] = {}
        _KEPT.add(self)

    def get(self, text: str) -> _T | None:
        return self._answers.get(text)

    def keep(self, text: str, answer: _T) -> None:
        if len(text) <= KEPT_TEXT_CHARS:
            if len(self._answers) >= KEPT_ANSWERS:
                self._answers.clear()
            self._answers[text] = answer

    def clear(self) -> None:
        self._answers.clear()


def forget() -> None:
    """Forget every kept result: what a benchmark calls between articles, so that one
    article's sentences are not found ready for the next (the same text read twice)."""
    for clear in _CLEARS:
        clear()
    for kept in list(_KEPT):
        kept.clear()
