"""The rules engine on the shapes of real news pages (issue 22), each capability in our own
words: products by brand, INN and gloss; names that are never organisations; roundups
read item by item; the event vocabulary of regulators, wires and trade press; page chrome
kept out of headlines and names; and what is not news about an advanced therapy."""

from __future__ import annotations

from datetime import date

import pytest

from tests.test_rules_engine import read

# -- products ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "product"),
    [
        # a known approved product, wherever it stands
        ("Korea's MFDS has approved Kymriah for children with leukaemia.\n", "Kymriah"),
        # a name given as the treatment, then the approval without it
        (
            "Britain's medicines regulator has approved a gene therapy for sickle cell disease.\n"
            "The treatment, Vantrelo, is the first of its kind to be licensed.\n",
            "Vantrelo",
        ),
        # a brand marked as one, with its generic name
        (
            "The TGA approved Orvanta\u00ae (brenocabtagene autoleucel) for lymphoma.\n",
            "Orvanta",
        ),
        # sold under a brand
        (
            "Japan's health ministry approved the stem cell preparation, which will be sold "
            "under the Kairos brand.\n",
            "Kairos",
        ),
        # a name before its modality
        (
            "Halden Bio said the FDA granted Fast Track designation to its NeuraStem cell "
            "therapy for stroke.\n",
            "NeuraStem",
        ),
        # the short form of a cell therapy's INN
        ("The FDA has approved mira-cel, Lysander Bio's CAR-T therapy, for myeloma.\n", "mira-cel"),
        # a name an approval falls on
        ("Health Canada approved Tessaly for spinal muscular atrophy.\n", "Tessaly"),
        # a code of letters before the modality it names
        (
            "Quill Therapeutics said the first patient was dosed in its phase 1 trial of the "
            "QRX CAR-T cell therapy.\n",
            "QRX",
        ),
    ],
)
async def test_a_product_is_read_by_its_brand_its_inn_or_its_gloss(text: str, product: str) -> None:
    summary = await read(text)
    assert product in [p.name for p in summary.products]
    assert summary.milestones and summary.milestones[0].product == product


@pytest.mark.parametrize(
    "text",
    [
        # a platform marked (R) is no product
        "Ferrovia Bio said the FDA cleared the IND for FB-11, made on its Helix\u00ae platform.\n",
        # a company whose name ends like an INN
        "Neurogene Inc. said the FDA granted RMAT designation to NGN-401.\n",
        # a company is never the name an approval falls on
        "The CDSCO approved Bharat CellWorks Pvt Ltd's CAR-T therapy BC-19.\n",
        # the home of a company, before "gene therapy company"
        "ThamesGen Ltd, the Oxford-based gene therapy company, said the MHRA cleared TG-9.\n",
    ],
)
async def test_platforms_companies_and_places_are_not_products(text: str) -> None:
    summary = await read(text)
    names = [p.name for p in summary.products]
    for wrong in ("Helix", "Neurogene", "Bharat", "Oxford-based"):
        assert wrong not in names


# -- authorities ---------------------------------------------------------------------------


async def test_a_regulator_described_by_its_country_is_the_one_the_article_names() -> None:
    summary = await read(
        "Britain's medicines regulator has authorised Vantrelo, a gene therapy for sickle "
        "cell disease.\n"
        "The Medicines and Healthcare products Regulatory Agency (MHRA) said the decision "
        "followed a full review.\n"
    )
    (approval,) = [m for m in summary.milestones if m.kind == "marketing_approval"]
    assert approval.authority == "Medicines and Healthcare products Regulatory Agency"
    assert approval.jurisdiction == "GB" and approval.product == "Vantrelo"


async def test_what_a_reimbursement_body_approves_is_paid_for_not_licensed() -> None:
    summary = await read(
        "Patients in England will benefit after NICE approves Sorvanta, a CAR-T therapy "
        "from Kelvin Bio, for routine use on the NHS.\n"
    )
    assert [m.kind for m in summary.milestones] == ["commercial_launch"]


async def test_two_authorities_acts_on_one_product_are_two_milestones() -> None:
    summary = await read(
        "Korea's MFDS has approved Kymriah for children with leukaemia.\n"
        "Kymriah had received approval from the U.S. Food and Drug Administration in "
        "August 2017.\n"
    )
    approvals = [m for m in summary.milestones if m.kind == "marketing_approval"]
    assert sorted(m.jurisdiction or "" for m in approvals) == ["KR", "US"]


async def test_two_designations_of_one_product_are_two_milestones() -> None:
    summary = await read(
        "Orlen Gene said the EMA has granted PRIME status to OG-12.\n"
        "OG-12 received an orphan-drug tag from the EMA in March 2022.\n"
        "The PRIME designation follows early data from the Phase 1 trial.\n"
    )
    designations = [m for m in summary.milestones if m.kind == "designation"]
    assert len(designations) == 2
    assert {m.date for m in designations} == {None, "2022-03"}


# -- who and what --------------------------------------------------------------------------


async def test_the_therapy_named_before_is_what_it_stands_for() -> None:
    summary = await read(
        "Tarsis Bio develops TB-77, an allogeneic CAR-T therapy, and TB-90.\n"
        "The company said TB-90 is in preclinical testing.\n"
        "Separately, TB-77 moved into the clinic last year.\n"
        "The drug has been granted orphan drug designation by the FDA.\n"
    )
    (designation,) = [m for m in summary.milestones if m.kind == "designation"]
    assert designation.product == "TB-77"


async def test_a_company_reporting_a_clause_reached_it() -> None:
    summary = await read(
        "Clinical-stage company Orrin Cell Ltd has told investors that all patients in the "
        "first cohort of its ORC-1 trial completed the 28-day window without dose-limiting "
        "toxicities.\n"
    )
    (data,) = summary.milestones
    assert data.kind == "clinical_data" and data.organisation == "Orrin Cell Ltd"


async def test_a_partner_named_before_a_company_does_not_take_its_milestone() -> None:
    summary = await read(
        "Velmar partner Ostrava Bio gets EMA nod for its stem cell product OB-3.\n"
        "Ostrava Bio is a Czech biotech company.\n"
    )
    assert summary.milestones and summary.milestones[0].organisation == "Ostrava Bio"


@pytest.mark.parametrize(
    "text",
    [
        # named often, as the disease of a page is
        "Kessler's Disease is a rare disorder of the nerves. Kessler's Disease has no cure.\n"
        "The trial enrolled patients with Kessler's Disease who had received two therapies.\n"
        "Arden Cell Therapeutics said the FDA granted Fast Track designation to AC-5 for "
        "Kessler's Disease.\n",
    ],
)
async def test_an_eponymous_disease_is_no_organisation(text: str) -> None:
    summary = await read(text)
    assert "Kessler" not in [o.name for o in summary.organisations]


# -- roundups and listings -----------------------------------------------------------------

NUMBERED_ROUNDUP = (
    "Weekly gene therapy digest\n"
    "1. Marvel Bio Halts Development of Retinal Gene Therapy MB-40\n"
    "Marvel Bio said the decision followed a portfolio review.\n"
    "2. First Patient Dosed With Kestra's Allogeneic CAR-T\n"
    "Kestra Therapeutics said the first patient was dosed in its Phase 1 trial of KT-19.\n"
    "3. Oravex Was Approved in Canada\n"
    "Oravex was approved by Health Canada in June 2024 for lymphoma.\n"
)


async def test_a_numbered_roundup_is_read_item_by_item() -> None:
    summary = await read(NUMBERED_ROUNDUP)
    found = {m.kind: m for m in summary.milestones}
    assert found["trial_halted"].organisation == "Marvel Bio"
    assert found["trial_halted"].product == "MB-40"
    assert found["trial_start"].organisation.startswith("Kestra")
    # an item naming no company does not take another item's (nor the page's main one)
    approval = found["marketing_approval"]
    assert approval.product == "Oravex" and approval.organisation == "Oravex"


async def test_a_listing_item_takes_the_company_its_paragraph_names() -> None:
    page = (
        "Regenerative medicine news\n\n"
        "Vector money\n\nCountry\nUnited States\n\n"
        "Pellam Bio Inc, based in Boston, has raised $80 million in a Series A financing "
        "round.\n\n"
        "Safety probe ends\n\nCountry\nNetherlands\n\n"
        "A new company with capsid technology, has launched with $60 million in venture "
        "financing. Torvane Biotherapeutics Inc is based on work at a Dutch university.\n\n"
        "Trials paused\n\nCountry\nGermany\n\n"
        "Haldor Gene AG announced the temporary suspension of two gene therapy trials.\n"
    )
    summary = await read(page)
    by_kind: dict[str, list[str]] = {}
    for m in summary.milestones:
        by_kind.setdefault(m.kind, []).append(m.organisation)
    assert sorted(by_kind["funding"]) == ["Pellam Bio Inc", "Torvane Biotherapeutics Inc"]
    assert by_kind["trial_halted"] == ["Haldor Gene AG"]


async def test_an_article_with_subheadings_is_no_roundup() -> None:
    page = (
        "Orvik Cell treats first patients with its in-house CAR-T\n\n"
        "Doctors at Orvik Cell Center have treated the first patients with a CAR-T therapy "
        "made in the hospital.\n\n"
        "Making the cells\n\n"
        "The cells are made at the Lund Manufacturing Institute next to the ward.\n\n"
        "What comes next\n\n"
        "The Lund Manufacturing Institute plans to treat 20 more patients.\n"
    )
    summary = await read(page)
    (start,) = [m for m in summary.milestones if m.kind == "trial_start"]
    assert start.organisation == "Orvik Cell Center"


# -- what is not news of this field --------------------------------------------------------


async def test_a_page_about_no_advanced_therapy_states_no_milestone() -> None:
    summary = await read(
        "Dermavia's Lotrel cream achieves marketing approval in Switzerland\n"
        "12 March 2025 - Swissmedic has approved Lotrel, a topical cream for eczema.\n"
        "Read more\n"
        "Swissmedic authorises a new flu vaccine\n"
        "4 March 2025 - The agency approved the vaccine for adults.\n"
    )
    assert summary.milestones == []


async def test_a_roundup_item_about_no_advanced_therapy_states_none() -> None:
    summary = await read(
        "1. Harlow Pharma Wins Approval for Its Migraine Tablet\n"
        "The FDA approved Harlow Pharma's tablet HP-20 for migraine.\n"
        "2. Sennet Bio's CAR-T Gets Orphan Drug Designation\n"
        "The FDA granted orphan drug designation to Sennet Bio's CAR-T therapy SB-4.\n"
    )
    assert [m.kind for m in summary.milestones] == ["designation"]


async def test_what_a_designation_is_is_not_a_milestone() -> None:
    summary = await read(
        "Nolan Gene said the EMA granted PRIME status to NG-8 for a rare liver disease.\n"
        "PRIME designation is provided to medicines that target an unmet medical need.\n"
        "Developers are provided with scientific advice and accelerated assessment.\n"
    )
    assert [m.kind for m in summary.milestones] == ["designation"]


@pytest.mark.parametrize(
    "text",
    [
        "Brightwell Cell (Korea) raised ~$4.5 million in Series A funding for its CAR-T "
        "cell therapy.\n",
        "Mossgate Bio (Nasdaq: MOSS) secured nearly $12 million in Series A to develop its "
        "NK cell therapy.\n",
    ],
)
async def test_a_company_named_with_an_aside_in_brackets_raised_the_money(text: str) -> None:
    (funding,) = (await read(text)).milestones
    assert funding.kind == "funding" and funding.organisation in text.split(" (")[0]


async def test_a_rounds_title_takes_the_amount_stated_not_its_conversion() -> None:
    summary = await read(
        "Gene therapy start-up Larkspur Bio has raised US$60 million (S$80.5 million) "
        "through a series B round led by Harbour Capital.\n"
    )
    (funding,) = summary.milestones
    assert funding.title.startswith("US$60 million")


async def test_a_decision_still_to_come_or_only_asked_for_is_no_milestone() -> None:
    summary = await read(
        "Tarrow Bio said it completed its rolling BLA submission to the FDA for TB-31.\n"
        "In the next 60 days the FDA will decide whether to accept the application for "
        "review and set a PDUFA action date.\n"
        "The application included a request for priority review.\n"
    )
    assert [m.kind for m in summary.milestones] == ["regulatory_submission"]


async def test_a_filing_s_the_company_is_no_organisation_and_no_deal_is_with_itself() -> None:
    summary = await read(
        "On May 3, 2024, the Company entered into a worldwide license agreement for its "
        "AAV capsid platform with Orrin Pharma AG (\u201cOrrin\u201d).\n"
    )
    (deal,) = summary.milestones
    assert deal.kind == "partnership" and deal.organisation != "Company"
    assert "Company" not in [o.name for o in summary.organisations]
    assert " and Orrin" not in deal.title


@pytest.mark.parametrize(
    "text",
    [
        "Fernhill Biologics said it has signed a ten-year lease agreement to build out a "
        "viral vector manufacturing facility in Leeds.\n",
        "China-based Kanto Cell has announced construction of a new cGMP facility in Osaka "
        "for the manufacture of cell therapy products.\n",
    ],
)
async def test_a_plant_leased_or_announced_to_be_built_is_planned_and_no_deal(text: str) -> None:
    summary = await read(text)
    assert [(m.kind, m.status) for m in summary.milestones] == [("facility", "planned")]


async def test_a_milestone_only_its_authority_names_is_titled_from_it_not_for_it() -> None:
    summary = await read(
        "On 4 June, the European Commission authorised a gene therapy medicine for a rare "
        "muscle disease.\n"
    )
    (approval,) = summary.milestones
    assert approval.title == "Marketing approval from the European Commission"


async def test_responses_counted_with_a_share_in_brackets_are_clinical_data() -> None:
    summary = await read(
        "In the phase 1 study of Corvane Therapeutics' CV-19 CAR-T cells, 14 of the 16 "
        "patients (87.5%) had a response, and nine achieved stringent complete remission.\n"
    )
    assert [m.kind for m in summary.milestones] == ["clinical_data"]


async def test_a_trigger_reads_across_a_decimal_point() -> None:
    summary = await read(
        "Harlow Gene opened a 1.5 million square foot cell therapy manufacturing facility "
        "in Ohio.\n"
    )
    assert [m.kind for m in summary.milestones] == ["facility"]


async def test_an_inn_its_first_word_and_its_cel_form_are_one_product() -> None:
    summary = await read(
        "Korea accepts torvacabtagene application\n"
        "Halberd Cell said Korea's MFDS has formally accepted its biologics license "
        "application for torvacabtagene autoleucel in relapsed myeloma.\n"
        "Torva-cel was filed on data from the phase 2 TORCH-2 study.\n"
    )
    accepted = [m for m in summary.milestones if m.kind == "submission_accepted"]
    assert len(accepted) == 1 and accepted[0].product == "torvacabtagene autoleucel"


async def test_an_approval_issued_that_paves_the_way_for_a_launch_is_no_launch() -> None:
    summary = await read(
        "The first regulatory approval of a base-edited therapy, Brevana (tolbagene "
        "autotemcel), was issued by the MHRA, paving the way for the launch in the UK of "
        "a new treatment for a blood disorder.\n"
    )
    assert [(m.kind, m.product) for m in summary.milestones] == [("marketing_approval", "Brevana")]


async def test_a_prize_won_by_the_inventors_of_a_tool_is_no_milestone() -> None:
    summary = await read(
        "Orrin Bio's Brevana is the first licensed therapy to use base editing, for which "
        "its inventors were awarded the Breakthrough Prize in 2024.\n"
    )
    assert [m.kind for m in summary.milestones if m.kind == "other"] == []


@pytest.mark.parametrize(
    "text",
    [
        "Japan approves Kairova, a cell therapy for heart failure from Osaka Cell.\n",
        "Britain has authorised Brevana, a gene therapy that aims to cure a blood "
        "disorder, the country's medicines regulator said.\n",
    ],
)
async def test_a_country_approving_approved_and_a_plan_of_the_therapy_is_the_therapy_s(
    text: str,
) -> None:
    (approval,) = (await read(text)).milestones
    assert (approval.kind, approval.status) == ("marketing_approval", "achieved")


async def test_a_regulator_s_name_written_short_of_a_word_is_the_regulator() -> None:
    summary = await read(
        "The Medicines and Healthcare Regulatory Agency (MHRA) said it approved Brevana, "
        "a gene therapy for a blood disorder.\n"
    )
    assert "Medicines and Healthcare Regulatory Agency" not in [
        o.name for o in summary.organisations if o.role != "regulator"
    ]
    assert summary.milestones[0].authority in ("MHRA", "Medicines and Healthcare Regulatory Agency")


async def test_a_programme_released_from_a_hold_and_ok_d_to_restart_has_no_setback() -> None:
    summary = await read(
        "FDA frees Halden Bio's AAV gene therapy HB-9 from clinical hold, as its haemophilia "
        "programme gets OK to restart\n"
    )
    assert summary.milestones == []


async def test_a_buyer_with_its_ticker_in_brackets_is_the_buyer() -> None:
    summary = await read(
        "Halvard Pharma (LSE: HVD) has agreed to acquire Nasdaq-listed Quell Cell "
        "Therapeutics for $900 million to gain its CAR-T pipeline. Quell's shares jumped "
        "40% on the news.\n"
    )
    (deal,) = summary.milestones
    assert deal.organisation == "Halvard Pharma"
    assert deal.title == "Acquisition of Quell Cell Therapeutics by Halvard Pharma"


async def test_the_subject_of_a_relative_clause_acted_in_it() -> None:
    summary = await read(
        "Orlen Sciences is growing its cell therapy unit by acquiring Boston-based Norvik "
        "Cell Labs for up to $400 million. Norvik Cell Labs works on switchable CAR-T "
        "cells.\n"
        "The deal comes a year after the FDA approved a CAR-T therapy from Tessaline Bio, "
        "which Orlen acquired in May for $2.1 billion.\n"
    )
    deals = [m for m in summary.milestones if m.kind == "acquisition"]
    assert deals and all(m.title.endswith("by Orlen Sciences") for m in deals)


async def test_a_first_patient_of_a_kind_administered_a_therapy_starts_its_trial() -> None:
    summary = await read(
        "Harlow Biologics said the first paediatric patient has been administered HB-4, "
        "its AAV gene therapy, in the phase 1/2 HALO trial.\n"
    )
    assert [m.kind for m in summary.milestones] == ["trial_start"]


async def test_a_clinical_trial_application_accepted_by_a_regulator_authorises_a_trial() -> None:
    summary = await read(
        "The MHRA has accepted a clinical trial application from Lyra Optics for the "
        "phase 1/2 SIGHT study of its gene therapy LO-7.\n"
    )
    assert [m.kind for m in summary.milestones] == ["trial_authorisation"]


async def test_approval_from_a_regulator_to_begin_a_trial_is_not_its_start() -> None:
    summary = await read(
        "Oxley Bio said it had gained approval from the FDA to begin a phase 1 trial of its "
        "lentiviral gene therapy OX-3.\n"
    )
    assert [m.kind for m in summary.milestones] == ["trial_authorisation"]


async def test_a_product_the_regulator_describes_then_names_is_that_product() -> None:
    summary = await read(
        "On 3 March 2021, orphan designation was granted by the European Commission to "
        "Vantor Cell Ltd for allogeneic cord blood cells expanded ex vivo (also known as "
        "CordVex) for the treatment of aplastic anaemia.\n"
    )
    (designation,) = summary.milestones
    assert designation.product == "CordVex"


async def test_a_regulator_approving_an_orphan_application_is_no_licence() -> None:
    summary = await read(
        "EMA Approves Orphan Application for Larch Bio's Tissue-Engineered Trachea\n"
        "Larch Bio said the EMA has granted orphan designation to its tissue-engineered "
        "trachea implant LT-1 for tracheal stenosis.\n"
    )
    assert [m.kind for m in summary.milestones] == ["designation"]


@pytest.mark.parametrize(
    "text",
    [
        "Kestrel Bio said the first commercial patient has been infused with Velocel, its "
        "CAR-T cell therapy, at a treatment centre in Munich.\n",
        "Kestrel Bio reported that the first patients were treated with commercial Velocel, "
        "its CAR-T cell therapy, in the quarter.\n",
        "Kestrel Bio launched its CAR-T cell therapy Velocel in the United States on Monday.\n",
    ],
)
async def test_patients_treated_commercially_mark_a_launch_not_a_trial(text: str) -> None:
    assert [m.kind for m in (await read(text)).milestones] == ["commercial_launch"]


async def test_a_market_authorisation_issued_is_an_approval() -> None:
    summary = await read(
        "The CDSCO has issued market authorisation to Kaveri Cell's CAR-T cell therapy "
        "KaveriCAR, paving the way for its commercial launch in the country.\n"
    )
    assert [m.kind for m in summary.milestones] == ["marketing_approval"]


async def test_an_application_for_marketing_approval_is_a_filing_not_an_approval() -> None:
    summary = await read(
        "Osaka Regenix filed an application for marketing approval of its iPSC-derived "
        "cell product OR-5 with the PMDA in March.\n"
    )
    assert [m.kind for m in summary.milestones] == ["regulatory_submission"]


async def test_a_filing_made_and_another_planned_are_two_milestones() -> None:
    summary = await read(
        "Autor Cell Therapeutics submitted a BLA for its CAR-T therapy AC-3 in adults with "
        "leukaemia.\nAutor Cell Therapeutics also plans to submit an MAA for AC-3 in the "
        "first half of 2027.\n"
    )
    filings = sorted(
        (m.status, m.authority) for m in summary.milestones if m.kind == "regulatory_submission"
    )
    assert [status for status, _ in filings] == ["achieved", "planned"]


async def test_a_therapy_intended_to_treat_a_disease_was_granted_its_designation() -> None:
    summary = await read(
        "Solano Bio's SB-212, an AAV gene therapy intended to treat Friedreich ataxia, has "
        "been granted fast track designation by the FDA.\n"
    )
    assert [(m.kind, m.status) for m in summary.milestones] == [("designation", "achieved")]


async def test_a_hold_on_one_programme_and_an_ind_cleared_for_another_are_both_read() -> None:
    summary = await read(
        "The FDA has placed a clinical hold on Quarry Bio's Fabry gene therapy QB-310 while "
        "also clearing the company's IND for its retinal gene therapy QB-150.\n"
    )
    assert sorted(m.kind for m in summary.milestones) == [
        "regulatory_setback",
        "trial_authorisation",
    ]


async def test_a_title_case_heading_naming_no_one_is_told_by_its_body() -> None:
    summary = await read(
        "Around the Helix: Company Updates\n\n"
        "1. Danon Disease Gene Therapy Granted RMAT Designation by FDA\n\n"
        "Halberd Pharmaceuticals' HP-501, an AAV9 gene therapy for Danon disease, has "
        "received regenerative medicine advanced therapy designation from the FDA.\n"
    )
    (designation,) = summary.milestones
    assert designation.organisation == "Halberd Pharmaceuticals"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        (
            "Tarrow Bio will present updated data from the phase 1 study of its CAR-T "
            "therapy TB-7 at a congress in December.\n",
            "planned",
        ),
        (
            "Tarrow Bio said its AAV gene therapy TB-9 failed to meet the primary endpoint "
            "of the phase 3 trial.\n",
            "achieved",
        ),
        (
            "Eight of ten patients treated with Tarrow Bio's CAR-T therapy TB-7 remained in "
            "remission at 12 months.\n",
            "achieved",
        ),
    ],
)
async def test_data_to_come_a_missed_endpoint_and_remissions_are_clinical_data(
    text: str, status: str
) -> None:
    summary = await read(text)
    assert [(m.kind, m.status) for m in summary.milestones] == [("clinical_data", status)]


async def test_a_trial_an_authorisation_is_given_to_start_has_not_started() -> None:
    summary = await read(
        "The FDA gave Orlen Cell an IND clearance to start a phase 1 trial of OC-5 in lupus.\n"
    )
    assert [(m.kind, m.status) for m in summary.milestones] == [("trial_authorisation", "achieved")]


async def test_an_authority_launching_a_programme_grants_no_one_anything() -> None:
    summary = await read(
        "Three years ago the FDA launched its RMAT designation programme for regenerative "
        "medicines.\nSince then dozens of companies have applied.\n"
    )
    assert summary.milestones == []


async def test_a_product_described_as_commercially_available_is_no_launch() -> None:
    summary = await read(
        "The approval of Kymriah, a commercially available CAR-T treatment abroad, by the "
        "MFDS is expected soon, Seoul Pharma said.\n"
    )
    assert "commercial_launch" not in [m.kind for m in summary.milestones]


# -- who, when ------------------------------------------------------------------------------


async def test_two_companies_granted_one_designation_each_have_their_own() -> None:
    summary = await read(
        "The CDE said that Tarvo Biotech Co., Ltd's CAR-T cell therapy and Novartis' "
        "Zolgensma have been awarded breakthrough therapy designations.\n"
    )
    found = sorted((m.organisation, m.product or "") for m in summary.milestones)
    assert found == [("Novartis", "Zolgensma"), ("Tarvo Biotech Co.", "")]


async def test_a_trials_name_is_no_organisation() -> None:
    summary = await read(
        "Novartis said the global Phase III SUMMIT study of OAV101 was initiated in China "
        "in April.\n"
    )
    (start,) = summary.milestones
    assert start.kind == "trial_start" and start.organisation == "Novartis"
    assert "SUMMIT" not in [o.name for o in summary.organisations]


async def test_each_clause_keeps_its_own_date() -> None:
    summary = await read(
        "Harvex was approved by the FDA in December 2022 and is now available to patients "
        "in an early access programme.\n",
        published_at=date(2023, 9, 15),
    )
    dates = {m.kind: m.date for m in summary.milestones}
    assert dates["marketing_approval"] == "2022-12"
    assert dates["commercial_launch"] != "2022-12"


async def test_an_authority_that_acted_last_year_approved() -> None:
    summary = await read(
        "Hale Cell Pty Ltd said the announcement comes after the TGA last year approved the "
        "use of its CAR-T therapy HC-19 in Australia.\n",
        published_at=date(2021, 2, 12),
    )
    (approval,) = summary.milestones
    assert approval.kind == "marketing_approval" and approval.date == "2020"


# -- more of the event vocabulary ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "Norland Cell Ltd has been granted a Manufacturers' Authorisation by the MHRA for "
            "the production of cell-based medicines for clinical trials.\n",
            "manufacturing_authorisation",
        ),
        (
            "Sable Therapeutics said its Leeds centre has received a licence from the MHRA that "
            "lets it manufacture advanced therapies at scale.\n",
            "manufacturing_authorisation",
        ),
        (
            "Tamsin Bio announced that the CHMP and CAT have granted access to the EMA's PRIME "
            "scheme for TB-CTL in post-transplant lymphoma.\n",
            "designation",
        ),
        (
            "Hospital Sant Rafel is developing HSR-01, a CAR-T product. In March 2022, it was "
            "granted eligibility to PRIME.\n",
            "designation",
        ),
        (
            "The European Medicines Agency has recommended that a marketing authorisation be "
            "given to Cartova, a cell-based cartilage repair treatment from Ostwald Bio.\n",
            "committee_opinion",
        ),
        (
            "The approval by the Central Drugs Standard Control Organisation (CDSCO) of "
            "Bharacel, a CAR-T cell therapy from Indus Cell Ltd, in May 2024 was a first.\n",
            "marketing_approval",
        ),
        (
            "The FDA announced a trial hold on Ferro Gene's FG-2 gene therapy after two "
            "participants developed leukaemia.\n",
            "regulatory_setback",
        ),
        (
            "Aravel Biologics gets CDSCO nod for first-in-human trial of its NK cell therapy "
            "AV-3.\n",
            "trial_authorisation",
        ),
        (
            "Westbrook Cancer Institute said the FDA has sent a 'safe to proceed' letter for "
            "its investigational new drug application for the WB-7 CAR-T therapy.\n",
            "trial_authorisation",
        ),
    ],
)
async def test_the_wording_of_regulators_and_trade_press_is_read(text: str, kind: str) -> None:
    summary = await read(text)
    assert kind in [m.kind for m in summary.milestones], summary.milestones


async def test_a_plan_to_apply_is_planned_and_a_heading_that_plots_one_too() -> None:
    summary = await read(
        "Heartline Plots European Conditional Approval For Its Heart Cell Product\n"
        "Heartline Cell Ltd says it now plans to begin applying for a conditional marketing "
        "authorisation for HL-10, its allogeneic stem cell therapy.\n"
    )
    assert summary.milestones
    assert {m.status for m in summary.milestones} == {"planned"}


async def test_two_names_of_one_company_are_one_organisation() -> None:
    summary = await read(
        "Kiyomi Pharma and Altair Gene sign iPSC therapy pact\n"
        "Kiyomi Pharmaceutical Co., Ltd. and Altair Gene Inc. have entered into a strategic "
        "collaboration to develop iPSC-derived cell therapies.\n"
    )
    assert [m.kind for m in summary.milestones] == ["partnership"]


@pytest.mark.parametrize(
    ("text", "not_an_organisation"),
    [
        (
            "TOKYO, July 31, 2024--(BUSINESS WIRE)--Sanko Bio Co., Ltd. said the MHLW approved "
            "SK-3. Sanko Bio distributes its news through Business Wire. Business Wire said so. "
            "Business Wire again.\n",
            "Business Wire",
        ),
        (
            "Kestrel Gene said SK-9 is now reimbursed in Ontario. Patients in Ontario benefit. "
            "Doctors in Ontario agree.\n",
            "Ontario",
        ),
        (
            "Pavo Bio said the product is made under the Advanced Therapies Regulation and the "
            "MHRA approved PB-2 under the Advanced Therapies Regulation.\n",
            "Advanced Therapies Regulation",
        ),
    ],
)
async def test_wires_places_and_laws_are_no_organisations(
    text: str, not_an_organisation: str
) -> None:
    summary = await read(text)
    assert not_an_organisation not in [o.name for o in summary.organisations]
    assert not_an_organisation not in [m.organisation for m in summary.milestones]


# -- page chrome ---------------------------------------------------------------------------

CHROME_PAGE = (
    "date 2024-06-28 Tarvik Pharmaceuticals, Inc. said the FDA has granted RMAT designation "
    "to TV-301, its gene therapy for Danon disease.\n"
    "By Morgan Hale\n"
    "Vial of the cell suspension (Photo: Business Wire)\n"
    "Shares of TRVK.O rose 4% on the news.\n"
    "The company had completed the trial in 2017.Orvale Life Sciences said it would follow.\n"
    "\u00a9 2024 Dow Jones & Company, Inc. All rights reserved.\n"
)


async def test_datelines_bylines_captions_tickers_and_copyright_give_no_names() -> None:
    summary = await read(CHROME_PAGE)
    names = [o.name for o in summary.organisations] + [m.organisation for m in summary.milestones]
    assert "Tarvik Pharmaceuticals, Inc." in names
    for chrome in ("2024-06-28", "Morgan Hale", "Business Wire", "TRVK.O", "Dow Jones", "2017"):
        assert not [n for n in names if chrome in n], (chrome, names)
    assert "Orvale Life Sciences" in names  # a sentence run on after "2017." is still read


@pytest.mark.parametrize(
    "first_line",
    [
        "date 2019-05-23 Photo : Yonhap News",
        "Dec 19 European Medicines Agency",
        "Monday 12 January 2026",
        "National / Science & Health",
        "Business | Health | Cell therapy",
    ],
)
async def test_a_headline_never_comes_from_a_dateline_a_credit_or_a_breadcrumb(
    first_line: str,
) -> None:
    summary = await read(
        first_line + "\n"
        "Corvik Bio wins orphan drug designation for its CAR-T therapy CB-12\n"
        "Corvik Bio said the FDA granted orphan drug designation to CB-12 for glioma.\n"
    )
    assert summary.headline.startswith("Corvik Bio wins orphan drug designation")


async def test_biology_terms_are_no_organisations() -> None:
    summary = await read(
        "The MFDS approved Yescarta for B-cell lymphoma. B-cell lymphoma is common. "
        "Primary mediastinal B-cell lymphoma is rarer.\n"
    )
    assert "B-cell" not in [o.name for o in summary.organisations]
    assert summary.milestones and summary.milestones[0].organisation != "B-cell"


# -- makers, counts and paragraphs ---------------------------------------------------------


async def test_a_product_s_maker_named_after_it_reached_its_milestones() -> None:
    summary = await read(
        "Two cell therapies won approval in Japan this week.\n"
        "Corvana (developed by Meridel Pharma and Oskari Bio) is a neural cell product "
        "for Parkinson's disease.\n"
        "Lumivex, developed by Fondazione Arvena, is a corneal cell sheet.\n"
        "Both products received conditional, time-limited approval from the MHLW.\n"
    )
    approvals = {(m.product, m.organisation) for m in summary.milestones}
    assert approvals == {("Corvana", "Meridel Pharma"), ("Lumivex", "Fondazione Arvena")}
    assert {"Meridel Pharma", "Oskari Bio", "Fondazione Arvena"} <= {
        o.name for o in summary.organisations
    }
    assert {p.name: p.developer for p in summary.products}["Lumivex"] == "Fondazione Arvena"


async def test_a_count_that_is_not_the_article_s_products_reaches_none_of_them() -> None:
    summary = await read(
        "Corvana is made by Meridel Pharma. Lumivex is made by Oskari Bio. Tessaly is "
        "made by Arden Cell.\n"
        "Both products received approval from the MHLW in March 2025.\n"
    )
    assert [m.product for m in summary.milestones] == [None]


async def test_a_sentence_naming_no_product_is_about_its_paragraph_s() -> None:
    summary = await read(
        "Japan approved two cell therapies on 3 March 2025.\n"
        "Corvana (developed by Meridel Pharma) is a neural cell product. Its trial "
        "enrolled nine patients. No serious adverse events were observed, and six patients "
        "showed improvements in motor symptoms.\n"
        "Lumivex (developed by Oskari Bio) is a heart cell sheet for heart failure.\n"
    )
    data = [m for m in summary.milestones if m.kind == "clinical_data"]
    assert [(m.product, m.organisation) for m in data] == [("Corvana", "Meridel Pharma")]


async def test_a_coined_name_in_capitals_is_the_known_product() -> None:
    summary = await read("KYMRIAH received approval from the TGA for lymphoma in 2024.\n")
    assert summary.milestones[0].product == "KYMRIAH"


async def test_a_product_standing_for_no_one_named_is_not_an_organisation() -> None:
    summary = await read("The European Commission approved Strimvelis in May 2016.\n")
    assert summary.milestones[0].product == "Strimvelis"
    assert "Strimvelis" not in [o.name for o in summary.organisations]


# -- regulators and dates ------------------------------------------------------------------


async def test_a_country_s_regulators_are_its_regulator() -> None:
    summary = await read(
        "Ostevia, a cell therapy for knee arthritis, made news in 2019 when Danish "
        "regulators cleared its use.\n"
    )
    (approval,) = summary.milestones
    assert (approval.kind, approval.authority, approval.jurisdiction, approval.date) == (
        "marketing_approval",
        "Danish regulators",
        "DK",
        "2019",
    )


async def test_a_committee_for_human_use_recommends_no_use() -> None:
    summary = await read(
        "The approval followed a positive opinion recommending approval of Lumivex from "
        "the Committee for Medicinal Products for Human Use in June 2024.\n"
    )
    assert "commercial_launch" not in [m.kind for m in summary.milestones]


async def test_the_date_that_opens_a_sentence_outweighs_one_in_an_aside() -> None:
    summary = await read(
        "On 3 March 2025, Japan's health ministry granted the first approvals of Corvana "
        "by Meridel Pharma \u2014 a field in development since 2006.\n"
    )
    assert summary.milestones[0].date == "2025-03-03"


async def test_a_span_s_start_is_no_milestone_s_date() -> None:
    summary = await read(
        "Meridel Pharma, in business since 2006, received approval for Corvana from the PMDA.\n"
    )
    assert summary.milestones[0].date is None
