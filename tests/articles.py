"""Articles written for the tests (not the seeds), with answers a model might give."""

from __future__ import annotations

import copy
from typing import Any

ARTICLE = (
    "Brightwater Cell Therapeutics Ltd today said the Medicines and Healthcare products "
    "Regulatory Agency (MHRA) has approved its Clinical Trial Authorisation for BW-311, an "
    "allogeneic NK cell therapy targeting NKG2D ligands, in relapsed acute myeloid leukaemia.\n"
    "The first patient is expected to be dosed in early 2026.\n"
    "In March 2024 the company raised \u00a340 million in a Series B round led by "
    "Harbour Ventures.\n"
    "Advertisement\n"
)

VALID_ANSWER: dict[str, Any] = {
    "headline": "MHRA approves Brightwater's CTA for NK cell therapy BW-311 in AML",
    "summary": (
        "The MHRA has approved the Clinical Trial Authorisation of Brightwater Cell "
        "Therapeutics for BW-311, an allogeneic NK cell therapy, in relapsed acute myeloid "
        "leukaemia. The first patient is expected to be dosed in early 2026."
    ),
    "organisations": [
        {"name": "Brightwater Cell Therapeutics Ltd", "role": "developer"},
        {"name": "MHRA", "role": "regulator"},
        {"name": "Harbour Ventures", "role": "investor"},
    ],
    "products": [
        {
            "name": "BW-311",
            "modality": "nk_cell",
            "targets": ["NKG2D ligands"],
            "developer": "Brightwater Cell Therapeutics Ltd",
        }
    ],
    "milestones": [
        {
            "kind": "trial_authorisation",
            "status": "achieved",
            "title": "MHRA approves CTA for BW-311",
            "date": None,
            "organisation": "Brightwater Cell Therapeutics Ltd",
            "authority": "Medicines and Healthcare products Regulatory Agency",
            "jurisdiction": "GB",
            "product": "BW-311",
            "indication": "relapsed acute myeloid leukaemia",
            # Curly quotes and case differ from nothing here; white space is collapsed.
            "evidence": (
                "Brightwater Cell Therapeutics Ltd today said the Medicines and Healthcare "
                "products Regulatory Agency (MHRA) has approved its Clinical Trial "
                "Authorisation for BW-311, an allogeneic NK cell therapy targeting NKG2D "
                "ligands, in relapsed acute myeloid leukaemia."
            ),
        },
        {
            "kind": "funding",
            "status": "achieved",
            "title": "GBP 40 million Series B round",
            "date": "2024-03",
            "organisation": "Brightwater Cell Therapeutics",
            "authority": None,
            "jurisdiction": None,
            "product": None,
            "indication": None,
            "evidence": (
                "In March 2024 the company raised \u00a340 million in a Series B round led by "
                "Harbour Ventures."
            ),
        },
    ],
}


def answer(**changes: Any) -> dict[str, Any]:
    """A copy of the valid answer with top-level fields changed."""
    data = copy.deepcopy(VALID_ANSWER)
    data.update(changes)
    return data


def answer_with_milestone(index: int, **changes: Any) -> dict[str, Any]:
    """A copy of the valid answer with one milestone's fields changed."""
    data = copy.deepcopy(VALID_ANSWER)
    data["milestones"][index].update(changes)
    return data
