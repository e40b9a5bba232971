"""The rules engine on the shapes of real news pages (issue 22), each capability in our own
words: products by brand, INN and gloss; names that are never organisations; roundups
read item by item; the event vocabulary of regulators, wires and trade press; page chrome
kept out of headlines and names; and what is not news about an advanced therapy."""

from __future__ import annotations

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
