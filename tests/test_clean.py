"""The cleaner: boilerplate lines go, every sentence of the article stays, offsets map back."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.clean import clean

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed(prefix: str) -> str:
    [path] = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def removed_lines(text: str) -> list[str]:
    return [r.line for r in clean(text).removed]


def kept_lines(text: str) -> list[str]:
    return [line for line in clean(text).text.splitlines() if line.strip()]


def test_the_unrelated_headline_list_at_the_end_of_000_is_removed() -> None:
    text = seed("000")
    removed = removed_lines(text)
    assert len(removed) == 12
    assert removed[0] == "Natera submits Signatera CDx PMA to FDA for bladder cancer use"
    assert removed[-1].startswith("Akeso secures NMPA review acceptance")
    assert {r.reason for r in clean(text).removed} == {"headline_list"}


def test_the_read_line_and_the_regional_news_footer_in_003_are_removed() -> None:
    removed = clean(seed("003")).removed
    assert [(r.reason, r.line[:24]) for r in removed] == [
        ("link", "READ:\u00a0 Johnson & Johnson"),
        ("footer", "For the latest news on e"),
    ]


def test_the_site_navigation_and_login_text_in_002_are_removed() -> None:
    text = seed("002")
    removed = removed_lines(text)
    assert removed[0] == "Explore recent issues of Contract Pharma covering key industry trends."
    assert "What are you searching for?" in removed
    assert removed[-5:] == [
        "Enter your account email.",
        "A verification code was sent to your email, Enter the 6-digit code sent to your mail.",
        "Didn't get the code? Check your spam folder or resend code",
        "Set a new password for signing in and accessing your data.",
        "Your Password has been Updated !",
    ]
    # The article's deck, date and byline stand between the menu and the body: kept.
    assert kept_lines(text)[:3] == [
        "Will focus on advanced therapy medicinal product development.",
        "May 30, 2023",
        "By: Anthony Vecchione",
    ]


def test_the_advertisement_lines_in_001_are_removed() -> None:
    assert removed_lines(seed("001")) == ["Advertisement", "Advertisement"]


def test_an_article_without_boilerplate_is_left_alone() -> None:
    assert removed_lines(seed("004")) == []


# Every line of each seed that is the article itself: its title, body, quotes, subheadings,
# captions, datelines and "About" sections. None of these may be removed.
BODY_STARTS = {
    "000": [
        "The European Medicines Agency (EMA) has granted",
        "Ilixadencel is",
        "ATMP certif",
        "At the end of an evaluation",
        "An ATMP certificate is not essential",
    ],
    "001": [
        "New ATMP center at Lund University",
        "Lund University is establishing",
        "Advanced Therapy Medicinal Products (ATMP) are",
        "\u201cWe want to contribute",
        "At the forefront of stem cell",
        "A crucial factor",
        "\u201cAs a leading university",
        "ATMP-relevant research",
        "The manufacturing process needs",
        "Many ATMPs have sprung",
        "\u201cThe complexity of ATMP",
        "Featured photo of",
        "Published: June 28, 2023",
    ],
    "002": ["Will focus on", "May 30, 2023", "By: Anthony Vecchione", "Vinnova, Sweden"],
    "003": [
        "Alcura Secures MIA License",
        "Cencora",
        "CONSHOHOCKEN, PA",
        "Alcura will import",
        "\u201cManaging ATMPs",
        "According to the Alliance",
        "Alcura offers various",
        "\u201cThe growing pipeline",
        "To further support the CGT sector",
    ],
    "004": [
        "[Shanghai, Suzhou, Chengdu, China, March 21, 2025]",
        "Epithelial cell adhesion",
        "In the poster presentations",
        "The clearance of this additional IND",
        "Dr. Minmin Sun",
        "About Immunofoco",
        "Immunofoco has pioneered",
        "Disclaimer:",
    ],
}


@pytest.mark.parametrize("prefix", sorted(BODY_STARTS))
def test_every_line_of_the_article_body_is_kept_byte_for_byte(prefix: str) -> None:
    text = seed(prefix)
    cleaned = clean(text)
    original_lines = text.splitlines()
    for start in BODY_STARTS[prefix]:
        [line] = [line for line in original_lines if line.startswith(start)]
        assert line in cleaned.text.splitlines(), f"{prefix}: dropped {line[:60]!r}"
        assert not cleaned.in_boilerplate(text.index(line), text.index(line) + len(line))


@pytest.mark.parametrize("prefix", sorted(BODY_STARTS))
def test_every_cleaned_offset_maps_back_to_the_same_character(prefix: str) -> None:
    text = seed(prefix)
    cleaned = clean(text)
    for i, ch in enumerate(cleaned.text):
        assert text[cleaned.to_original(i)] == ch
    assert cleaned.to_original_span(0, len(cleaned.text))[0] == cleaned.to_original(0)


def test_removed_lines_are_recorded_with_their_original_offsets() -> None:
    text = "Advertisement\nAcme Bio raised $10 million in a seed round.\nAdvertisement"
    cleaned = clean(text)
    assert cleaned.text == "Acme Bio raised $10 million in a seed round.\n"
    first, last = cleaned.removed
    assert text[first.start : first.end] == "Advertisement\n"
    assert text[last.start : last.end] == "Advertisement"
    assert cleaned.in_boilerplate(0, 5) and not cleaned.in_boilerplate(14, 20)


def test_short_one_sentence_paragraphs_are_all_kept() -> None:
    text = (
        "Acme Bio doses first patient\n"
        "Acme Bio dosed the first patient in its Phase 1 trial.\n"
        "The trial will enrol 30 patients.\n"
        "Results are expected in 2026.\n"
        "The company is based in Basel.\n"
    )
    assert removed_lines(text) == []


def test_a_closing_list_introduced_by_a_colon_is_the_articles_own() -> None:
    text = (
        "Acme Bio announced three milestones on Monday, each the result of years of work by "
        "its research teams in Basel and Boston, and each reviewed by its board:\n"
        "FDA clearance of the IND for AB-101\n"
        "Orphan drug designation for AB-102\n"
        "First patient dosed with AB-103\n"
    )
    assert removed_lines(text) == []


def test_a_related_news_heading_and_its_headlines_are_removed_mid_page() -> None:
    text = (
        "Acme Bio raised $10 million in a seed round.\n"
        "Related news\n"
        "Beta Corp opens a plant in Ohio\n"
        "Gamma Inc names a new CEO\n"
        "The round was led by Delta Ventures.\n"
    )
    assert removed_lines(text) == [
        "Related news",
        "Beta Corp opens a plant in Ohio",
        "Gamma Inc names a new CEO",
    ]


def test_a_long_paragraph_mentioning_subscriptions_is_not_boilerplate() -> None:
    line = (
        "The company said its subscription model for gene therapy payments, under which "
        "insurers pay a yearly fee, would be offered to every health system in the country "
        "from next year, and that you can sign up for its investor newsletter."
    )
    assert removed_lines(line) == []


def test_windows_and_old_mac_line_endings_are_kept_exactly() -> None:
    text = "Advertisement\r\nAcme Bio raised funds.\r\nIt will hire.\rAdvertisement\r\n"
    cleaned = clean(text)
    assert cleaned.text == "Acme Bio raised funds.\r\nIt will hire.\r"


def test_boilerplate_is_recognised_through_invisible_characters() -> None:
    text = (
        "Acme Bio AG raised $5 million in a Series A financing round led by Delta Ventures, "
        "the company said on Tuesday, to fund its first clinical trial next year.\n"
        "Sub\u200bscribe to our news\u00adletter\n"
    )
    assert removed_lines(text) == ["Sub\u200bscribe to our news\u00adletter"]


def test_a_bulleted_or_numbered_list_under_a_related_heading_is_removed() -> None:
    text = (
        "Acme Bio said the FDA approved AB-101 for lymphoma.\n\n"
        "Related\n- Acme raises $210 million in follow-on offering\n"
        "- CAR-T makers bet on earlier lines of therapy\n\n"
        "Most read\n1. NICE backs cell therapy for myeloma\n"
        "2. Cambridge start-up lands seed round\n"
    )
    kept = clean(text).text
    assert "AB-101" in kept
    assert "210 million" not in kept and "seed round" not in kept


def test_forward_looking_small_print_is_removed_up_to_the_next_section() -> None:
    text = (
        "Acme Bio said the FDA approved AB-101 for lymphoma.\n\n"
        "Forward-Looking Statements\n"
        "This release contains forward-looking statements about the timing of commercial "
        "availability. Actual results may differ.\n\n"
        "About Acme Bio\n"
        "Acme Bio is a cell therapy company in Basel.\n\n"
        "This press release contains forward-looking statements within the meaning of the law.\n"
    )
    kept = clean(text).text
    assert "approved AB-101" in kept and "About Acme Bio" in kept and "is a cell therapy" in kept
    assert "forward-looking" not in kept.lower() and "commercial availability" not in kept
