"""A milestone's details: each fact read from text the same way by the validators and
the rules, and a value the evidence does not state refused with a reason for the model."""

from __future__ import annotations

import pytest

from schemas.details import (
    Amount,
    Details,
    amounts_in,
    patients_in,
    phases_in,
    registry_ids_in,
    stated_values,
    ungrounded,
)


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("raised $85 million in a Series A", 85e6, "USD"),
        ("won a €12m grant", 12e6, "EUR"),
        ("closed an S$114.8m placement", 114.8e6, "SGD"),
        ("secured RMB 200 million", 200e6, "CNY"),
        ("secured 200 million yuan", 200e6, "CNY"),
        ("a USD 15 million round", 15e6, "USD"),
        ("a £3.2bn deal", 3.2e9, "GBP"),
        ("Rs 500 crore for the plant", 5e9, "INR"),
        ("US$40M in new funding", 40e6, "USD"),
        ("CHF 20 million from investors", 20e6, "CHF"),
        ("1,000,000 EUR", 1e6, "EUR"),
    ],
)
def test_an_amount_is_read_with_its_currency_and_magnitude(
    text: str, value: float, currency: str
) -> None:
    [amount] = amounts_in(text)
    assert (amount.value, amount.currency) == (value, currency)
    assert amount.stated in text


def test_numbers_that_are_no_money_are_no_amounts() -> None:
    assert amounts_in("In 2024, 5 patients were treated; Phase 2 data in 12 months.") == []


def test_a_deal_states_its_amounts_in_order() -> None:
    upfront, total = amounts_in("$50 million upfront and up to $1.2 billion in milestones")
    assert (upfront.value, total.value) == (50e6, 1.2e9)


def test_registry_ids_of_every_registry_are_read_once_each() -> None:
    text = (
        "NCT01234567 (also NCT01234567), EudraCT 2020-001234-56, CTIS 2023-501234-12-00, "
        "ChiCTR2300071234, jRCT2031230123, CTRI/2023/05/052345 and ISRCTN12345678"
    )
    assert registry_ids_in(text) == [
        "NCT01234567", "2020-001234-56", "2023-501234-12-00", "ChiCTR2300071234",
        "jRCT2031230123", "CTRI/2023/05/052345", "ISRCTN12345678",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "phases"),
    [
        ("a Phase I/II trial", ["1/2"]),
        ("the Phase 1b/2 study", ["1/2"]),
        ("a phase 2b trial, then phase 3", ["2", "3"]),
        ("Phase 2-3 data", ["2/3"]),
        ("preclinical data", ["preclinical"]),
        ("a Phase IV registry", ["4"]),
        ("the next phase of growth", []),
    ],
)
def test_a_phase_is_read_in_arabic_or_roman_numerals(text: str, phases: list[str]) -> None:
    assert phases_in(text) == phases


def test_patients_are_counted_as_written() -> None:
    assert patients_in("enrolled 120 patients and 1,200 participants") == [120, 1200]


def test_a_category_is_read_from_its_wording() -> None:
    text = "granted Orphan Drug Designation and Fast Track designation; PRIME eligibility"
    assert stated_values("designation", text) == ["orphan_drug", "fast_track", "prime"]
    assert stated_values("designation", "a prime candidate") == []  # PRIME in capitals only
    assert stated_values("round", "a $40 million Series B financing") == ["series_b"]
    assert stated_values("application", "its Clinical Trial Authorisation") == ["cta"]


EVIDENCE = "Acme raised $85 million in a Series A round led by Delta Ventures."


def test_details_the_evidence_states_are_grounded() -> None:
    [amount] = amounts_in(EVIDENCE)
    details = Details(amount=amount, round="series_a", investors=["Delta Ventures"])
    assert ungrounded(details, "funding", EVIDENCE) == []


@pytest.mark.parametrize(
    ("details", "says"),
    [
        (Details(round="series_b"), "does not say 'series_b'"),
        (Details(amount=Amount(value=9e7, currency="USD", stated="$90 million")), "$90 million"),
        (Details(investors=["Omega Capital"]), "'Omega Capital' is not in the evidence"),
        (Details(phase="2"), "a funding milestone holds amount, round, investors"),
        (Details(registry_ids=["NCT01234567"]), "leave it null"),
    ],
)
def test_a_detail_the_evidence_does_not_state_is_refused_saying_why(
    details: Details, says: str
) -> None:
    [problem] = ungrounded(details, "funding", EVIDENCE)
    assert says in problem


def test_a_registry_id_must_have_its_registrys_form() -> None:
    with pytest.raises(ValueError, match="not one of a trial registry"):
        Details(registry_ids=["NCT123"])


def test_an_unknown_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Amount(value=1, currency="XYZ", stated="1 XYZ")
