"""Dates found by the rules engine, at the precision the text gives."""

from __future__ import annotations

from datetime import date

import pytest

from service.engines.rules.dates import date_near, find_dates


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("It was cleared on March 21, 2025.", ["2025-03-21"]),
        ("It was cleared on 21 March 2025.", ["2025-03-21"]),
        ("It was cleared on 21st Mar. 2025.", ["2025-03-21"]),
        ("It was approved in February 2024 in China.", ["2024-02"]),
        ("It obtained ODD in August 2023, and more.", ["2023-08"]),
        ("The site will open in 2026.", ["2026"]),
        ("Filed 2024-11-05 with the agency.", ["2024-11-05"]),
        ("Nearly 2,000 trials and $2025 million and 12025 are not dates.", []),
        ("February 30, 2024 is not a date, but 2024 is.", ["2024"]),
    ],
)
def test_absolute_dates_at_their_precision(sentence: str, expected: list[str]) -> None:
    assert [d.value for d in find_dates(sentence)] == expected


def test_relative_dates_need_a_publication_date() -> None:
    sentence = "The company announced today that dosing began on Tuesday."
    assert find_dates(sentence) == []
    published = date(2025, 3, 21)  # a Friday
    assert [d.value for d in find_dates(sentence, published)] == ["2025-03-21", "2025-03-18"]


def test_the_date_after_a_trigger_is_preferred_then_the_one_before() -> None:
    sentence = "In 2023 it raised funds; it opened a site in May 2025."
    at = sentence.index("opened")
    dates = find_dates(sentence)
    assert date_near(sentence, at, dates) == "2025-05"
    other = "In 2023 the site was opened."
    assert date_near(other, 20, find_dates(other)) == "2023"
    assert date_near(sentence, at, dates, within=(0, sentence.index(";"))) == "2023"
