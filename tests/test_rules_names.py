"""Known names in text (``rules/names.py``) and what the rules keep of the sentences they
read (``rules/memo.py``)."""

from __future__ import annotations

from pathlib import Path

from service.engines.rules.lexicon import load_lexicon
from service.engines.rules.memo import KEPT_TEXT_CHARS, forget, remembered
from service.engines.rules.names import (
    MIN_CAPITALISED,
    Mention,
    NameSet,
    is_short_name,
    name_pattern,
    non_overlapping,
)
from service.engines.rules.sentences import split_sentences
from tests.hostile import SHAPES

DATA = Path(__file__).parent / "data"


def _texts(found: list[Mention]) -> list[str]:
    return [m.text for m in found]


def test_the_longest_name_at_a_place_is_found() -> None:
    names = NameSet(["Acme", "Acme Bio", "Acme Bio Ltd"])
    assert _texts(names.find("Acme Bio Ltd said that Acme would grow.")) == ["Acme Bio Ltd", "Acme"]


def test_names_are_whole_words_a_hyphen_joining_words() -> None:
    names = NameSet(["Acme", "Nova Cell"])
    assert names.find("Acmera and Acme-based firms, pre-Acme, and Acme_x") == []
    assert _texts(names.find("Nova Cell's plant (Acme).")) == ["Nova Cell", "Acme"]


def test_short_names_by_case_long_names_without() -> None:
    names = NameSet(["CAT", "Food and Drug Administration"])
    assert names.find("the cat sat") == []
    assert _texts(names.find("the CAT and the food and drug administration")) == [
        "CAT",
        "food and drug administration",
    ]


def test_a_coined_name_is_found_in_capitals_an_acronym_only_as_written() -> None:
    names = NameSet(["Lumivo", "Cat"])
    assert _texts(names.find("LUMIVO wins approval; CAT and Cat meet")) == ["LUMIVO", "Cat"]


def test_a_name_opening_with_a_sign_or_beyond_latin_letters_is_found_too() -> None:
    names = NameSet(["(NHS) England", "\u00b5Cell Therapeutics Group"])
    found = names.find("Both (NHS) England and \u00b5cell therapeutics group agreed.")
    assert _texts(found) == ["(NHS) England", "\u00b5cell therapeutics group"]


def test_overlapping_names_the_leftmost_then_what_follows_it() -> None:
    names = NameSet(["Bio Tech", "Tech Ltd"])
    assert _texts(names.find("Bio Tech Ltd")) == ["Bio Tech"]


def _as_one_pattern(names: list[str], text: str) -> list[Mention]:
    """What a name set found when it was two patterns (the names by case, coined names
    in capitals too, and the names without case)."""
    found: list[Mention] = []
    exact = [n for n in names if is_short_name(n)]
    exact += [n.upper() for n in exact if len(n) >= MIN_CAPITALISED and n != n.upper()]
    for pattern in (
        name_pattern(exact, ignore_case=False),
        name_pattern([n for n in names if not is_short_name(n)], ignore_case=True),
    ):
        if pattern is not None:
            found += [Mention(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]
    return non_overlapping(found)


def test_the_word_lists_are_found_as_their_patterns_find_them() -> None:
    lexicon = load_lexicon()
    lists = [
        [n for a in lexicon.authorities for n in a.names],
        sorted(lexicon.product_names),
        ["Gene Therapy Catapult", "Acme Bio Ltd", "CCRM", "CCRM Nordic", "ThamesGen", "Cell"],
    ]
    paths = [*DATA.parent.parent.joinpath("seeds").glob("*.txt"), *DATA.glob("*/*.txt")]
    texts = [s.text for p in sorted(paths) for s in split_sentences(p.read_text("utf-8"))]
    texts += [build(3000) for build in SHAPES.values()]
    for names in lists:
        name_set = NameSet(names)
        for text in texts:
            assert name_set.find(text) == _as_one_pattern(names, text), text[:80]


def test_a_long_sentence_is_read_again_each_time_a_short_one_is_kept() -> None:
    calls: list[str] = []

    @remembered
    def measured(text: str) -> int:
        calls.append(text)
        return len(text)

    short, long = "a short sentence", "x" * (KEPT_TEXT_CHARS + 1)
    for _ in range(3):
        assert measured(short) == len(short)
        assert measured(long) == len(long)
    assert calls.count(short) == 1
    assert calls.count(long) == 3
    forget()
    measured(short)
    assert calls.count(short) == 2


def test_forget_drops_what_a_name_set_kept() -> None:
    names = NameSet(["Acme Bio"])
    text = "Acme Bio grew."
    assert names.find(text) == names.find(text)
    forget()
    assert names._found.get(text) is None
