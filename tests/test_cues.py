"""The cues of a pattern: the words it cannot match without, read from the pattern, so
that a text without them is not searched. A pattern searched by its cues answers exactly
as the pattern does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.cues import Alternatives, Cued, cued, cues_of, fold, holds
from service.engines.rules.lexicon import load_lexicon
from service.engines.rules.sentences import split_sentences
from tests.hostile import SHAPES

DATA = Path(__file__).parent / "data"


def _own_sentences() -> list[str]:
    paths = [*DATA.parent.parent.joinpath("seeds").glob("*.txt"), *DATA.glob("*/*.txt")]
    return [s.text for p in sorted(paths) for s in split_sentences(p.read_text("utf-8"))]


def _words(pattern: str, flags: int = 0) -> list[set[str]]:
    return [set(cue) for cue in cues_of(re.compile(pattern, flags))]


def test_a_word_every_match_holds_is_a_cue() -> None:
    assert {"approval"} in _words(r"\bfull\s+approval\b")
    assert _words(r"\b(?:granted|received)\b") == [{"granted", "received"}]


def test_each_spelling_of_a_word_is_one_cue() -> None:
    assert _words(r"\bauthori[sz]ation\b") == [{"authorisation", "authorization"}]


def test_an_optional_part_or_a_lookaround_gives_no_cue() -> None:
    assert _words(r"\b(?:full\s+)?approval\b") == [{"approval"}]
    assert _words(r"(?<=said )\w+") == []
    assert _words(r"\b(?:orphan|[a-z]+)\b") == []  # an alternative without a word
    assert _words(r"\b(?:orphan|\w+ drug)\b") == [{"orphan", " drug"}]


def test_a_short_word_is_no_cue_but_a_rare_sign_is() -> None:
    assert _words(r"\bof\b") == []
    assert _words(r"\((?P<short>[A-Z]{2,6})\)") == [{"("}, {")"}]


def test_the_cues_are_lower_case_and_found_in_any_case() -> None:
    cues = cues_of(re.compile(r"(?-i:FDA)\s+approved", re.I))
    assert holds(cues, fold("The FDA APPROVED it"))
    assert not holds(cues, fold("The FDA cleared it"))


def test_the_odd_cases_of_ignorecase_fold_to_ascii() -> None:
    # IGNORECASE matches "ſ" with "s" and both dotted and dotless "i" with "i".
    for text in ("\u017figned", "S\u0130GNED", "s\u0131gned"):
        assert re.search("signed", text, re.I)
        assert cued("signed", re.I).search(text) is not None


def test_a_searched_pattern_answers_as_the_pattern_does() -> None:
    lexicon = load_lexicon()
    patterns = [p for kind in lexicon.kinds for p in kind.patterns]
    patterns += [re.compile(r"\b(?:said|says)\b[^.]{0,40}?\bthat\b", re.I)]
    texts = _own_sentences()[::7] + [build(3000) for build in SHAPES.values()]
    for compiled in patterns:
        quick = Cued(compiled)
        for text in texts:
            assert _spans(quick.finditer(text)) == _spans(compiled.finditer(text))
            found, expected = quick.search(text), compiled.search(text)
            assert (found and found.span()) == (expected and expected.span())
            assert quick.findall(text) == compiled.findall(text)
            assert quick.sub("#", text) == compiled.sub("#", text)
            assert quick.split(text) == compiled.split(text)


def _spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


def test_alternatives_find_what_the_patterns_joined_find() -> None:
    lexicon = load_lexicon()
    texts = _own_sentences() + [build(3000) for build in SHAPES.values()]
    for kind in lexicon.kinds:
        for text in texts:
            assert _spans(kind.trigger.finditer(text)) == _spans(kind.trigger.joined.finditer(text))


@pytest.mark.parametrize(
    ("patterns", "text"),
    [
        ((r"b\w+", r"a\w", r"cd"), "abcd"),  # the leftmost first, then after its end
        ((r"ab", r"abc"), "abcabc"),  # on a tie the first pattern's match
        ((r"abcd", r"bc", r"d"), "abcd abd"),  # a later pattern's match inside an earlier's
        ((r"x*", r"a"), "aax"),  # a pattern matching nothing: the joined scan's own rules
    ],
)
def test_alternatives_keep_the_joined_patterns_order(patterns: tuple[str, ...], text: str) -> None:
    compiled = tuple(re.compile(p) for p in patterns)
    joined = re.compile("|".join(f"(?:{p})" for p in patterns))
    alternatives = Alternatives(compiled, joined)
    assert [m.group() for m in alternatives.finditer(text)] == [
        m.group() for m in joined.finditer(text)
    ]
