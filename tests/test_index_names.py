"""Names made comparable, and aliases learned from articles or curated."""

from __future__ import annotations

import pytest

from service.index.names import curated, learned_aliases, name_key, parse_curated


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("IMC-001", "IMC001"),
        ("IMC 001", "imc-001"),
        ("Casgevy®", "CASGEVY"),
        ("Kymriah™", "kymriah"),
        ("Immunicum AB", "Immunicum"),
        ("Immunicum AB (publ)", "Immunicum"),
        ("CARsgen Therapeutics Co., Ltd.", "CARsgen Therapeutics"),
        ("Rocket Pharmaceuticals, Inc.", "Rocket Pharmaceuticals"),
        ("The Lund University", "Lund University"),
        ("Bristol-Myers Squibb", "Bristol Myers Squibb"),
        ("Société Générale", "Societe Generale"),
    ],
)
def test_spellings_of_one_name_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("IMC001", "IMC002"), ("AB Science", "Science"), ("Inc", "Co"), ("CAR-T 19", "CAR-T 1 9x")],
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_a_legal_form_alone_is_still_a_name() -> None:
    assert name_key("Inc.") == "inc"


def test_aliases_are_learned_from_apposition_but_not_from_descriptions() -> None:
    text = (
        "Casgevy (exagamglogene autotemcel) was approved. Our IMC002 (CLDN18.2 CAR-T) has "
        "been granted designation. The therapy tisagenlecleucel (Kymriah) works. ABC-1, also "
        "known as XYZ-123, was cleared. CTX9 (CD19) is a target, not a name. AB-7 (Zolbrand®; "
        "a CAR-T) is a brand."
    )
    products = ["Casgevy", "IMC002", "Kymriah", "ABC-1", "CTX9", "AB-7"]
    assert sorted(learned_aliases(text, products)) == [
        ("AB-7", "Zolbrand®"),
        ("ABC-1", "XYZ-123"),
        ("Casgevy", "exagamglogene autotemcel"),
        ("Kymriah", "tisagenlecleucel"),
    ]


def test_learning_aliases_takes_time_linear_in_the_article() -> None:
    text = "IMC-1 (" * 20_000 + "IMC-1 (" + "a" * 50_000
    assert learned_aliases(text, ["IMC-1"]) == []


def test_curated_aliases_name_their_display_name() -> None:
    names = curated()
    fda = names.canonical("organisation", name_key("US FDA"))
    assert fda == name_key("U.S. Food and Drug Administration")
    assert names.canonical("organisation", name_key("Food and Drug Administration")) == fda
    assert names.canonical("product", name_key("axi-cel")) == name_key("Yescarta")
    assert names.canonical("product", name_key("FDA")) is None  # name spaces are apart
    own = parse_curated({"products": {"Alpha": ["A-1"]}})
    assert own.display[("product", "a1")] == "Alpha"
