"""Alignment: exact after normalisation, fuzzy above the documented threshold, else none."""

from __future__ import annotations

import pytest

from service.align import FUZZY_MIN_CHARS, FUZZY_THRESHOLD, Aligner, normalise

TEXT = (
    "Header line\n"
    "The European Medicines Agency (EMA) has granted Acme\u00a0Bio AB an \u201cATMP\u201d "
    "certificate \u2013 its first.\n"
    "Acme Bio\u2019s CEO said  the company   was pleased.\n"
)


def test_normalisation_folds_case_space_quotes_and_dashes() -> None:
    assert normalise("A\u00a0\u201cB\u201d \u2013  \u2018c\u2019\n\tD").text == "a \"b\" - 'c' d"


def test_normalised_offsets_lead_back_to_the_original_text() -> None:
    text = "ab   cd\n\n\u201cEf\u201d"
    normalised = normalise(text)
    assert normalised.text == 'ab cd "ef"'
    for i, ch in enumerate(normalised.text):
        original = text[normalised.origin(i)]
        assert ch == " " and original.isspace() or ch.lower() in original.lower() + '"'


def test_an_exact_quote_is_found_whatever_its_case_spacing_quotes_and_dashes() -> None:
    quote = (
        'the european medicines agency (EMA) has granted Acme Bio AB an "ATMP" certificate - its'
    )
    span = Aligner(TEXT).find(quote)
    assert span is not None and span.alignment == "exact"
    assert TEXT[span.start : span.end] == (
        "The European Medicines Agency (EMA) has granted Acme\u00a0Bio AB an \u201cATMP\u201d "
        "certificate \u2013 its"
    )


def test_collapsed_white_space_maps_back_over_the_original_runs() -> None:
    span = Aligner(TEXT).find("CEO said the company was pleased.")
    assert span is not None
    assert TEXT[span.start : span.end] == "CEO said  the company   was pleased."


def test_a_lightly_altered_quote_aligns_fuzzily_to_whole_words() -> None:
    quote = "The European Medicine Agency (EMA) has granted Acme Bio AB a ATMP certificate"
    span = Aligner(TEXT).find(quote)
    assert span is not None and span.alignment == "fuzzy"
    assert span.score >= FUZZY_THRESHOLD
    found = TEXT[span.start : span.end]
    assert found.startswith("The European Medicines Agency") and "certificate" in found


def test_an_invented_sentence_does_not_align_and_the_reason_gives_the_score() -> None:
    aligner = Aligner(TEXT)
    quote = "The FDA approved Acme Bio's therapy for all solid tumours in 2024."
    assert aligner.find(quote) is None
    assert f"below the {FUZZY_THRESHOLD:.0f} required" in aligner.explain_miss(quote)


def test_short_quotes_must_match_exactly() -> None:
    quote = "Acme Bio AB got an ATMP certifcate"[: FUZZY_MIN_CHARS - 1]
    aligner = Aligner(TEXT)
    assert aligner.find(quote) is None
    assert "too short" in aligner.explain_miss(quote)


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("EMA", True),
        ("european medicines agency", True),
        ("Acme Bio", True),
        ("Acme Bio AB", True),
        ("Acme", True),
        ("Bio AB", True),
        ("Medicines Agency (EMA)", True),
        ("EM", False),  # part of a word
        ("Acme Biotech", False),
        ("FDA", False),
        ("", False),
    ],
)
def test_names_are_found_as_whole_words(name: str, found: bool) -> None:
    assert Aligner(TEXT).mentions(name) is found


@pytest.mark.parametrize("mark", ["\u00ad", "\u200b", "\u200d", "\u2060", "\ufeff", "\u200e"])
def test_invisible_characters_inside_words_are_ignored_and_kept_in_the_span(mark: str) -> None:
    text = f"The EMA granted orphan designation for ilixa{mark}dencel in kid{mark}ney cancer."
    aligner = Aligner(text)
    span = aligner.find("orphan designation for ilixadencel in kidney cancer")
    assert span is not None and span.alignment == "exact"
    assert text[span.start : span.end] == (
        f"orphan designation for ilixa{mark}dencel in kid{mark}ney cancer"
    )
    assert aligner.mentions("ilixadencel") and aligner.mentions("kidney")
    assert normalise(f"a {mark} b{mark}").text == "a b"
