"""Sentence segmentation for the rules engine."""

from __future__ import annotations

from service.engines.rules.sentences import split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_abbreviations_do_not_end_sentences() -> None:
    text = (
        "Dr. Jane Roe of Acme Inc. said the U.S. FDA cleared the IND. "
        "The company, based in St. Louis, will start dosing e.g. in Q3. It has 20 staff."
    )
    assert texts(text) == [
        "Dr. Jane Roe of Acme Inc. said the U.S. FDA cleared the IND.",
        "The company, based in St. Louis, will start dosing e.g. in Q3.",
        "It has 20 staff.",
    ]


def test_an_abbreviation_followed_by_a_sentence_opener_ends_the_sentence() -> None:
    assert texts("The trial runs in the U.S. The company expects data in 2026.") == [
        "The trial runs in the U.S.",
        "The company expects data in 2026.",
    ]


def test_quotes_stay_whole_and_end_with_their_closing_mark() -> None:
    text = (
        "\u201cWe are pleased. It is a milestone,\u201d said Ann Lee. \u201cMore soon.\u201d "
        "Next one."
    )
    assert texts(text) == [
        "\u201cWe are pleased.",
        "It is a milestone,\u201d said Ann Lee.",
        "\u201cMore soon.\u201d",
        "Next one.",
    ]


def test_lines_and_bullets_are_sentences_of_their_own() -> None:
    text = "Highlights\n- IND cleared in China\n\u2022 First patient dosed\n1. Data in 2026\n"
    assert texts(text) == [
        "Highlights",
        "IND cleared in China",
        "First patient dosed",
        "Data in 2026",
    ]


def test_offsets_point_into_the_text() -> None:
    text = "  First one. Second one!\nThird?"
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
