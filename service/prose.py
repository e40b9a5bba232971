"""Prose grounded in the article: a headline or summary says nothing the article does not.

A milestone's evidence is a quote, so it is checked by alignment. A headline and a
summary are the model's own words, so they are checked by what they are made of:

- **names and figures**: every word that names something (a capitalised word inside a
  sentence, an acronym, anything with a digit: "Helixa", "FDA", "HB-NK07", "$50") is a
  word of the article;
- **substance**: most of its content words (four letters or more, not function words)
  are words of the article, matched by their first five letters so that "approves" ~
  "approval";
- **no debris**: brackets, braces and markup the article does not hold, a word cut off
  with "...": the marks of an answer copied from the prompt, the
  re-ask feedback or a JSON fragment.
  A text with no word at all is no headline either.

Linear in the article and the text checked; the article's words are read once.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property

_WORD = re.compile(r"[^\W_](?:[\w'’.&/+-]*[^\W_])?")
_DIGIT = re.compile(r"\d")
_DEBRIS = frozenset("{}[]<>|\\`")
# A word cut off with "...", found from its first letter only (the lookbehind): tried at
# every letter, a run of letters with no "..." after it cost its length squared.
_CUT = re.compile(r"(?<![^\W\d_])[^\W\d_]{2,}(?:\.\.\.|…)")
_PARTS = re.compile(r"[-/.&+'’]")
_OPENERS = frozenset('.!?:;"“(')
STEM = 5
# Content words must be mostly the article's: below this share, the prose is not about it.
MIN_SHARE = 0.5
# Function words and the words any summary of news may use without the article's say.
_COMMON = frozenset(
    """
    about above after again against also among another been before being between both
    could does doing down during each even every from further have having here into
    itself just more most much must only other over same should some such than that their
    them then there these they this those through under until upon very were what when
    where which while will with within would your
    announced announces announcement article company companies news report reports
    reported said says stated new first latest today year years month months week
    milestone milestones includes including include
    """.split()
)


def _fold(word: str) -> str:
    if word.isascii():  # most words: NFKC changes nothing, casefold is lower
        return word.lower().strip(".'")
    return unicodedata.normalize("NFKC", word).casefold().strip(".'’")


class ArticleWords:
    """The article's words, as the checks compare them; what only some checks need (the
    initials, the stems) is worked out when first asked."""

    def __init__(self, text: str) -> None:
        self._found: list[str] = _WORD.findall(text)
        # ``_fold`` of each word, inline for ASCII words (most): no call per word
        words = {w.lower().strip(".'") if w.isascii() else _fold(w) for w in self._found}
        words |= {p for w in words if not w.isalnum() for p in _PARTS.split(w) if p}
        self.words = frozenset(words)
        self.marks = frozenset(c for c in _DEBRIS if c in text)  # debris it holds itself
        self.cut = frozenset(_cut_words(text))  # words cut off with "..." it writes

    @classmethod
    def of(cls, text: str) -> ArticleWords:
        return cls(text)

    @cached_property
    def stems(self) -> frozenset[str]:
        return frozenset(w[:STEM] for w in self.words if len(w) >= 4)

    @cached_property
    def initials(self) -> frozenset[str]:
        """The initials of its runs of words: "clinical trial authorisation" makes "cta",
        "Food and Drug Administration" "fda" (capitalised words only, or all but the
        function words), so an acronym of what the article writes out is its word too."""
        return frozenset(_initials(self._found))

    def has(self, word: str) -> bool:
        folded = _fold(word)
        if folded in self.words:
            return True
        if word[:1].isupper() and folded.isalpha() and len(folded) <= ACRONYM_MAX:
            if folded in self.initials or folded.removesuffix("s") in self.initials:
                return True
        # "U.S.-based" or "CAR-T's": each part a word of the article.
        parts = [p for p in _PARTS.split(folded) if p]
        return bool(parts) and all(p in self.words or p in ("s", "based") for p in parts)


def _cut_words(text: str) -> list[str]:
    """The words ``text`` cuts off with "..." or "…" (none without either: one look)."""
    if "..." not in text and "…" not in text:
        return []
    return _CUT.findall(text)


def first_word(text: str) -> str | None:
    """The first word of ``text``, as the checks read words (a word of an article is
    always borne out by it)."""
    match = _WORD.search(text)
    return match.group() if match else None


ACRONYM_MAX = 7
_FUNCTION_WORDS = frozenset("of and for the on in to de du des la le et".split())


def _initials(words: list[str]) -> set[str]:
    """The initials of every run of up to ``ACRONYM_MAX`` words: linear in the words."""
    found: set[str] = set()
    for i in range(len(words)):
        caps = content = ""
        for word in words[i : i + ACRONYM_MAX]:
            folded = word.casefold()
            if word[:1].isupper():
                caps += folded[0]
            if folded not in _FUNCTION_WORDS:
                content += folded[0]
            for acronym in (caps, content):
                if len(acronym) >= 2:
                    found.add(acronym)
    return found


def _opens_sentence(text: str, at: int) -> bool:
    """Whether the word at ``at`` opens a sentence (a capital there names nothing)."""
    back = at - 1
    while back >= 0 and text[back].isspace():
        back -= 1
    return back < 0 or text[back] in _OPENERS


def prose_problem(text: str, article: ArticleWords) -> str | None:
    """None when ``text`` (a headline or summary) is grounded in the article, else why
    not, in words the model can act on."""
    debris = sorted({c for c in text if c in _DEBRIS} - article.marks)
    if debris:
        return f"it holds {' '.join(debris)}, which the article does not: write plain words"
    if any(cut not in article.cut for cut in _cut_words(text)):
        return "it holds a word cut off with '...': write whole words"
    matches = list(_WORD.finditer(text))
    if not matches and article.words:
        return "it holds no word: write what the article reports, in words"
    unknown = []
    content = known = 0
    for match in matches:
        word = match.group()
        folded = _fold(word)
        named = (
            bool(_DIGIT.search(word))
            or (word[0].isupper() and not _opens_sentence(text, match.start()))
            or (len(word) > 1 and word.isupper())
        )
        if named and not article.has(word):
            unknown.append(word)
        if len(folded) >= 4 and folded.isalpha() and folded not in _COMMON:
            content += 1
            known += folded in article.words or folded[:STEM] in article.stems
    if unknown:
        names = ", ".join(repr(w) for w in dict.fromkeys(unknown))
        verb = "is" if len(unknown) == 1 else "are"
        return f"{names} {verb} not in the article: name only what it names"
    if content >= 3 and known < content * MIN_SHARE:
        return (
            f"only {known} of its {content} content words are the article's: say what the "
            "article reports, in its terms"
        )
    return None
