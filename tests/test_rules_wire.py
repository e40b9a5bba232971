"""The rules engine on wire copy (issue 15): product codes in every shape, brands glossed
as therapies, a company's name without its legal form, a spin-out's university, one
deal read as one kind; and the wire/ set held at its level."""

from __future__ import annotations

import re

import pytest

from tests.test_evaluate import DATA, run_eval
from tests.test_rules_engine import read


@pytest.mark.parametrize(
    ("sentence", "product"),
    [
        (
            "Xinghai Biotechnology Co., Ltd. said the CDE has cleared the IND for XH19CART.",
            "XH19CART",
        ),
        (
            "Hanbit Bio Co., Ltd. said the MFDS has granted orphan drug designation to HB-NK07.",
            "HB-NK07",
        ),
        ("Daejin Cell Co., Ltd. said the MFDS has cleared the IND for DJ-TIL2.", "DJ-TIL2"),
    ],
)
async def test_codes_of_every_shape_are_products(sentence: str, product: str) -> None:
    (milestone,) = (await read(sentence + "\n")).milestones
    assert milestone.product == product


@pytest.mark.parametrize(
    ("text", "product"),
    [
        (
            "Japan's MHLW has conditionally approved HeartLayer, an autologous skeletal myoblast "
            "sheet developed by Sakura Cell K.K., for heart failure.\n",
            "HeartLayer",
        ),
        (
            "Vireo Bio AG has received marketing authorisation for Lumigene, its lentiviral gene "
            "therapy for cerebral adrenoleukodystrophy, from the European Commission.\n",
            "Lumigene",
        ),
    ],
)
async def test_a_brand_glossed_as_a_therapy_is_a_product(text: str, product: str) -> None:
    summary = await read(text)
    assert product in [p.name for p in summary.products]
    assert summary.milestones and summary.milestones[0].product == product


async def test_a_company_written_without_its_legal_form_is_still_the_company() -> None:
    summary = await read(
        "Halvorsen Pharma completes acquisition of cell therapy company Nexcell\n"
        "Halvorsen Pharma A/S has completed its acquisition of Nexcell AB, a developer of "
        "regulatory T-cell therapies. Nexcell's lead candidate is NXC-100. Nexcell was "
        "founded in 2015.\n"
    )
    assert {m.organisation for m in summary.milestones if m.kind == "acquisition"} <= {
        "Halvorsen Pharma",
        "Halvorsen Pharma A/S",
    }


@pytest.mark.parametrize(
    ("text", "organisation"),
    [
        (  # the first word of a coined name stands for it
            "Mirabel Cell Sciences presented data from its Phase 1 study of MCS-401.\n"
            "Mirabel plans to start a pivotal study of MCS-401 in 2025.\n",
            "Mirabel Cell Sciences",
        ),
        (  # trailing institution words dropped
            "Sakura Cell Therapeutics K.K. won approval for HeartLayer in Japan.\n"
            "Sakura Cell has started commercial supply of HeartLayer in Osaka.\n",
            "Sakura Cell Therapeutics K.K.",
        ),
    ],
)
async def test_a_company_named_by_a_short_form_is_the_whole_company(
    text: str, organisation: str
) -> None:
    summary = await read(text)
    assert summary.milestones
    assert {m.organisation for m in summary.milestones} == {organisation}


async def test_a_generic_first_word_never_stands_for_a_name() -> None:
    summary = await read(
        "Orlena Bio reported data on OB-12 at the American Society of Hematology meeting.\n"
        "Orlena Bio said American regulators have cleared the IND for OB-12.\n"
    )
    assert "American Society of Hematology" not in {m.organisation for m in summary.milestones}


@pytest.mark.parametrize(
    ("sentence", "product"),
    [
        (
            "Seoul Regenix Co., Ltd. dosed the first patient in its Phase 2 trial of SRX-MSC.",
            "SRX-MSC",
        ),
        (
            "The EMA issued Ostara Therapeutics GmbH an ATMP certificate for the quality data "
            "of OST-Cart.",
            "OST-Cart",
        ),
    ],
)
async def test_a_code_of_letters_only_is_a_product_where_a_product_stands(
    sentence: str, product: str
) -> None:
    summary = await read(sentence + "\n")
    assert [p.name for p in summary.products] == [product]


async def test_a_letters_only_term_is_not_a_product() -> None:
    summary = await read(
        "Corlan Bio AG dosed the first patient in its Phase 1 trial of CAR-T cells made "
        "under EU-GMP for lymphoma.\n"
    )
    assert not summary.products


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        (
            "Sakura Cell K.K. said it would start commercial supply of HeartLayer in 2025.",
            "planned",
        ),
        ("Sakura Cell K.K. would start commercial supply of HeartLayer if reimbursed.", None),
        ("Sakura Cell K.K. could start commercial supply of HeartLayer in 2025.", None),
    ],
)
async def test_what_a_company_said_it_would_do_is_planned_and_a_could_is_nothing(
    sentence: str, status: str | None
) -> None:
    launches = [m for m in (await read(sentence + "\n")).milestones]
    assert [m.status for m in launches] == ([status] if status else [])


async def test_a_spin_outs_university_is_not_the_company() -> None:
    summary = await read(
        "ThamesGen Ltd said the MHRA has authorised its clinical trial application for TG-204.\n"
        "ThamesGen plans to dose the first patient in 2025.\n"
        "ThamesGen was spun out of the University of Oxford in 2021.\n"
    )
    assert "University of Oxford" not in {m.organisation for m in summary.milestones}


async def test_an_agreement_to_acquire_is_an_acquisition_not_also_a_partnership() -> None:
    summary = await read(
        "Helixa Pharmaceuticals plc has entered into a definitive agreement to acquire "
        "Nordgen ApS for $800 million.\n"
    )
    assert [m.kind for m in summary.milestones] == ["acquisition"]


@pytest.mark.parametrize(
    ("name", "precision", "recall", "key_recall"),
    [("wire", 0.85, 0.9, 0.95), ("test", 0.9, 0.85, 0.9), ("untouched", 0.8, 0.7, 0.8)],
)
def test_the_issue_15_sets_keep_their_level(
    name: str, precision: float, recall: float, key_recall: float
) -> None:
    """A regression guard at issue 15's end (wire first run 0.51 / 0.49 / 0.59, now
    0.90 / 0.97 / 1.00; untouched scored once, at its targets)."""
    report = run_eval(
        str(DATA / f"{name}.gold.jsonl"), "--articles", str(DATA / name), "--engine", "rules"
    )
    overall = report["overall"]
    assert overall["precision"] >= precision and overall["recall"] >= recall
    assert overall["key_recall"] >= key_recall
    assert overall["grounded_share"] == 1.0 and overall["in_boilerplate"] == 0


async def test_an_authority_that_authorised_a_trial_application_cleared_a_trial() -> None:
    (milestone,) = (
        await read(
            "ThamesGen Ltd said the Medicines and Healthcare products Regulatory Agency has "
            "authorised its clinical trial application for TG-204.\n"
        )
    ).milestones
    assert (milestone.kind, milestone.jurisdiction) == ("trial_authorisation", "GB")


async def test_designated_as_an_orphan_drug_is_a_designation() -> None:
    (milestone,) = (
        await read(
            "Hanbit Bio Co., Ltd. said the Ministry of Food and Drug Safety designated HB-NK07, "
            "its NK cell therapy, as an orphan drug for glioblastoma.\n"
        )
    ).milestones
    assert (milestone.kind, milestone.product, milestone.jurisdiction) == (
        "designation",
        "HB-NK07",
        "KR",
    )


CHROME_PAGE = (
    "KOREA BIO DAILY | Login | Register\n"
    "Stock watch: Hanbit Bio 48,300 KRW +6.1%\n"
    "Read next: MFDS fees to rise in 2025\n\n"
    "Hanbit Bio's NK cell therapy gets orphan drug status in Korea\n\n"
    "Seoul, Feb. 12, 2025 -- Hanbit Bio Co., Ltd. said on Wednesday that the Ministry of "
    "Food and Drug Safety designated HB-NK07, its NK cell therapy, as an orphan drug.\n"
)


async def test_the_headline_is_the_articles_title_not_page_chrome() -> None:
    summary = await read(CHROME_PAGE)
    assert summary.headline == "Hanbit Bio's NK cell therapy gets orphan drug status in Korea"


async def test_without_a_title_the_headline_is_the_main_milestone_not_chrome() -> None:
    page = CHROME_PAGE.replace(
        "Hanbit Bio's NK cell therapy gets orphan drug status in Korea\n", ""
    )
    summary = await read(page)
    assert "|" not in summary.headline and "Stock watch" not in summary.headline
    # who, what and which authority
    assert summary.headline == "Hanbit Bio: Orphan drug designation for HB-NK07 from the MFDS"


WEEKDAYS = re.compile(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b")
DATE_OR_CHROME = re.compile(
    r"\b(?:19|20)\d\d\b|\b(?:log ?in|subscribe|cookies?|menu|share|newsletter)\b", re.I
)


@pytest.mark.parametrize("name", ["wire", "test", "heldout", "fresh", "final", "untouched"])
async def test_no_name_holds_a_date_a_weekday_or_page_chrome(name: str) -> None:
    for path in sorted((DATA / name).glob("*.txt")):
        summary = await read(path.read_text(encoding="utf-8"))
        names = [n for m in summary.milestones for n in (m.organisation, m.product, m.authority)]
        names += [o.name for o in summary.organisations] + [p.name for p in summary.products]
        bad = [n for n in names if n and (WEEKDAYS.search(n) or DATE_OR_CHROME.search(n))]
        assert bad == [], path.name


HEADLINE_CHROME = re.compile(
    r"[|▲▼›»]|\b(?:log ?in|sign (?:in|up)|subscribe|cookies?|menu|share this|newsletter|"
    r"advertisement|skip to|read next|related)\b",
    re.I,
)


@pytest.mark.parametrize("name", ["wire", "test", "heldout", "fresh", "final", "untouched"])
async def test_no_headline_comes_from_page_chrome(name: str) -> None:
    for path in sorted((DATA / name).glob("*.txt")):
        headline = (await read(path.read_text(encoding="utf-8"))).headline
        assert not HEADLINE_CHROME.search(headline), (path.name, headline)


@pytest.mark.parametrize(
    "page",
    [
        "Member news this week\n\n"
        "Larkspur Bio\nLarkspur Bio Inc. raised $40 million in a Series A financing.\n\n"
        "Quintal Gene\nThe FDA granted orphan drug designation to QG-12 for Fabry disease.\n",
        "In brief\n\n"
        "Larkspur Bio: Larkspur Bio Inc. raised $40 million in a Series A financing.\n\n"
        "Quintal Gene: The FDA granted orphan drug designation to QG-12 for Fabry disease.\n",
    ],
    ids=["headings", "name-colon"],
)
async def test_a_roundup_items_organisation_is_not_carried_into_the_next(page: str) -> None:
    found = {m.kind: m.organisation for m in (await read(page)).milestones}
    assert found["funding"].startswith("Larkspur Bio")
    assert found["designation"] == "Quintal Gene"


async def test_a_roundup_without_a_title_is_headed_by_its_news_not_one_items_name() -> None:
    page = (
        "Larkspur Bio\nLarkspur Bio Inc. raised $40 million in a Series A financing.\n\n"
        "Quintal Gene\nThe FDA granted orphan drug designation to QG-12 for Fabry disease.\n"
    )
    headline = (await read(page)).headline
    assert (
        headline
        == "Roundup: $40 million Series A financing for Larkspur Bio Inc. and one more item"
    )


async def test_an_article_with_one_story_keeps_its_main_organisation() -> None:
    text = (
        "Larkspur Bio wins orphan status\n\n"
        "Larkspur Bio Inc. said the FDA granted orphan drug designation to LB-7.\n"
        "The company also raised $40 million in a Series A financing.\n"
    )
    assert {m.organisation for m in (await read(text)).milestones} == {"Larkspur Bio Inc."}


@pytest.mark.parametrize(
    "top",
    [
        "Acme wins FDA approval\n\n14 Oct 2023\n\n",
        "Acme wins FDA approval\nPublished: Oct. 14, 2023\n",
    ],
)
async def test_a_date_line_under_the_headline_is_the_publication_date(top: str) -> None:
    summary = await read(top + "Acme Bio AG said the FDA today approved AB-101 for lymphoma.\n")
    assert [m.date for m in summary.milestones] == ["2023-10-14"]


async def test_a_wire_dateline_is_the_publication_date() -> None:
    summary = await read(
        "BOSTON, Oct. 14, 2023 (GLOBE NEWSWIRE) -- Acme Bio AG today announced that the FDA "
        "has approved AB-101 for lymphoma.\n"
    )
    assert [m.date for m in summary.milestones] == ["2023-10-14"]


async def test_a_date_inside_a_sentence_is_not_taken_for_the_publication_date() -> None:
    summary = await read(
        "Acme Bio AG said the FDA cleared its IND for AB-101 on 3 May 2021.\n"
        "Acme Bio AG said today the FDA has approved AB-101 for lymphoma.\n"
    )
    approval = next(m for m in summary.milestones if m.kind == "marketing_approval")
    assert approval.date is None


async def test_summary_sentences_run_together_on_the_page_are_set_apart() -> None:
    summary = await read(
        "Acme Bio AG said the FDA has approved AB-101 for lymphoma after a priority review."
        "The company plans to launch AB-101 in 2026.\n"
    )
    assert "review. The company" in summary.summary and "review.The" not in summary.summary


async def test_summary_sentences_come_in_the_articles_order() -> None:
    text = (
        "Acme Bio AG is a cell therapy company based in Basel.\n"
        "Acme Bio raised $50 million in a Series B financing in 2023.\n"
        "Acme Bio said the FDA has approved AB-101 for lymphoma.\n"
    )
    summary = (await read(text)).summary
    places = [summary.find(p) for p in ("is a cell therapy", "raised $50", "has approved")]
    present = [p for p in places if p >= 0]
    assert len(present) >= 2 and present == sorted(present)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Acme Bio AG said the FDA approved AB-101 for lymphoma in March 2024.\n", ["AB-101"]),
        (
            "The European Commission approved Lumigene, a gene therapy from Vireo Bio AG.\n",
            ["Lumigene"],
        ),
        ("FDA approved therapies for lymphoma include several CAR-Ts, Acme Bio AG said.\n", []),
    ],
)
async def test_an_authority_that_approved_a_product_in_the_simple_past(
    text: str, found: list[str]
) -> None:
    milestones = (await read(text)).milestones
    assert [m.product for m in milestones if m.kind == "marketing_approval"] == found


@pytest.mark.parametrize(
    "text",
    [
        "Harbor Lane Ventures led a $40 million Series A investment in Larkspur Bio Inc.\n",
        "Novo Holdings invested $30 million in Larkspur Bio Inc. to fund its Phase 1 trial.\n",
        "Larkspur Bio Inc. raised $40 million in a Series A round led by Harbor Lane Ventures.\n",
    ],
)
async def test_the_funded_company_reached_a_funding_milestone_not_its_investor(text: str) -> None:
    milestones = (await read(text)).milestones
    assert [(m.kind, m.organisation) for m in milestones] == [("funding", "Larkspur Bio Inc.")]


async def test_an_authorisation_stated_as_a_noun_phrase_is_an_approval() -> None:
    (milestone,) = (
        await read(
            "The authorisation of Lumigene by the MHRA makes Vireo Bio AG the first company to "
            "sell a gene therapy for ALD in the UK.\n"
        )
    ).milestones
    assert (milestone.kind, milestone.product, milestone.jurisdiction) == (
        "marketing_approval",
        "Lumigene",
        "GB",
    )


def test_a_kinds_needed_words_never_hide_one_of_its_triggers() -> None:
    """The cheap word test before a kind's patterns: on every sentence of every article
    we hold, no pattern matches where the test said it could not."""
    from service.cues import fold
    from service.engines.rules.lexicon import load_lexicon
    from service.engines.rules.sentences import split_sentences

    lexicon = load_lexicon()
    kinds = [k for k in lexicon.kinds if k.needs]
    paths = [*DATA.parent.parent.joinpath("seeds").glob("*.txt"), *DATA.glob("*/*.txt")]
    checked = 0
    for path in paths:
        for sentence in split_sentences(path.read_text(encoding="utf-8")):
            lowered = fold(sentence.text)
            let_in = {k.name for k in lexicon.kinds_in(lowered)}
            for kind in kinds:
                if any(p.search(sentence.text) for p in kind.patterns):
                    assert kind.may_be_in(lowered), (kind.name, sentence.text)
                    assert kind.name in let_in
                    checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        (
            "Orlena Bio said it intends to resubmit the application in 2025.",
            "regulatory_submission",
        ),
        (
            "Orlena Bio plans to file a clinical trial application in Austria.",
            "regulatory_submission",
        ),
        (
            "Orlena Bio is preparing a clinical trial application for submission to the PEI.",
            "regulatory_submission",
        ),
        (
            "Proceeds will fund a Phase 1 trial of OB-12, which the company expects to start "
            "in late 2025.",
            "trial_start",
        ),
        ("Orlena Bio plans to make the therapy available at 20 hospitals.", "commercial_launch"),
        (
            "NICE has published guidance recommending Orlena Bio's OB-12 for routine NHS use.",
            "commercial_launch",
        ),
        (
            "The approval was based on the ZEPHYR-2 study, in which 86% of patients responded.",
            "clinical_data",
        ),
        ("The project is supported by a $5 million grant from the state.", "funding"),
    ],
)
async def test_wire_wordings_of_each_kind_are_read(sentence: str, kind: str) -> None:
    summary = await read("Orlena Bio Inc. develops OB-12.\n" + sentence + "\n")
    assert kind in [m.kind for m in summary.milestones]
    [found] = [m for m in summary.milestones if m.kind == kind]
    assert found.organisation in ("Orlena Bio Inc.", "Orlena Bio")  # as the sentence names it


async def test_the_company_opening_the_lead_is_the_main_organisation_not_its_funder() -> None:
    summary = await read(
        "Arcadia Cell Manufacturing breaks ground on $200 million facility\n"
        "Arcadia Cell Manufacturing on Wednesday broke ground on a cell therapy "
        "manufacturing plant in Durham. The facility is expected to be operational in 2027.\n"
        "The project is supported by a $5 million grant from the North Carolina "
        "Biotechnology Center.\n"
    )
    assert {m.organisation for m in summary.milestones} == {"Arcadia Cell Manufacturing"}
    assert sorted(m.kind for m in summary.milestones) == ["facility", "funding"]


async def test_a_heading_without_the_product_and_the_body_with_it_are_one_milestone() -> None:
    summary = await read(
        "Northbridge Biologics signs manufacturing agreement with Vireo Gene Therapies\n"
        "Northbridge Biologics Ltd has signed a multi-year agreement with Vireo Gene "
        "Therapies to produce supplies of Vireo's gene therapy VGT-7.\n"
    )
    [deal] = summary.milestones
    assert (deal.kind, deal.product) == ("partnership", "VGT-7")
    assert "Vireo Gene Therapies" in deal.title


async def test_a_listed_subject_announcing_an_authoritys_act_is_the_first_named() -> None:
    [m] = (
        await read(
            "Orlena Bio Inc. and Kestrel Oncology Inc. announced that the FDA granted fast "
            "track designation to OB-12.\n"
        )
    ).milestones
    assert (m.kind, m.organisation, m.authority) == ("designation", "Orlena Bio Inc.", "FDA")


async def test_approval_of_a_manufacturing_facility_is_no_marketing_approval() -> None:
    [m] = (
        await read(
            "Orlena Bio Inc. develops OB-12.\n"
            "The MHRA approved the company's new manufacturing facility in Stevenage.\n"
        )
    ).milestones
    assert (m.kind, m.product) == ("manufacturing_authorisation", None)


async def test_a_trial_start_carries_no_authority_even_beside_one() -> None:
    summary = await read(
        "Orlena Bio Inc. develops OB-12.\n"
        "Following FDA clearance of the IND, Orlena Bio dosed the first patient in March 2025.\n"
    )
    found = {m.kind: m.authority for m in summary.milestones}
    assert found == {"trial_authorisation": "FDA", "trial_start": None}


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "The CHMP recommended granting a marketing authorisation for OB-12.",
            "Positive opinion for OB-12 from the CHMP",
        ),
        (
            "NICE has published guidance recommending Orlena Bio's OB-12 for routine NHS use.",
            "Recommendation for use of OB-12 from NICE",
        ),
        (
            "Japan's Ministry of Health, Labour and Welfare has conditionally approved OB-12.",
            "Conditional approval for OB-12 from the MHLW",
        ),
    ],
)
async def test_a_title_names_the_specific_event_and_its_authority_plainly(
    text: str, title: str
) -> None:
    summary = await read("Orlena Bio Inc. develops OB-12.\n" + text + "\n")
    assert [m.title for m in summary.milestones] == [title]


@pytest.mark.parametrize(
    ("sentence", "kind", "title"),
    [
        (
            "Quanta Bio today announced the closing of a $50 million Series A financing.",
            "funding",
            "$50 million Series A financing for Quanta Bio",
        ),
        (
            "Quanta Bio entered into an exclusive license agreement with Kyoto Gene K.K. for "
            "KG-9 in Asia.",
            "partnership",
            "License agreement between Quanta Bio and Kyoto Gene K.K. for KG-9",
        ),
        (
            "Quanta Bio has completed enrolment in its Phase 3 trial of QB-7.",
            "other",
            "Enrolment completed for QB-7",
        ),
    ],
)
async def test_press_release_wordings_are_read_and_titled(
    sentence: str, kind: str, title: str
) -> None:
    [m] = (await read(sentence + "\n")).milestones
    assert (m.kind, m.title) == (kind, title)


async def test_a_lifted_clinical_hold_is_no_setback() -> None:
    summary = await read("The U.S. FDA has lifted the clinical hold on Quanta Bio's QB-7 trial.\n")
    assert summary.milestones == []
