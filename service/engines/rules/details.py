"""A milestone's details, as the rules read them from its evidence and its title.

Every value comes from the milestone's own evidence, read with the parsers and wordings
the validators check it by (``schemas.details``): an amount with its currency, the round,
who led it; registry ids, the phase, the patients; which designation, application,
review, pathway or setback. A category the evidence words several ways is taken from the
title first (it names the event: "Orphan drug designation for …"), else left null: a
detail is never guessed.
"""

from __future__ import annotations

import re

from schemas.details import (
    KIND_FIELDS,
    WORDING,
    Amount,
    Details,
    amounts_in,
    patients_in,
    phases_in,
    registry_ids_in,
    stated_values,
)
from service.cues import cued

# Who led a round: "led by Delta Ventures", "co-led by Orbit Capital and Helix Fund".
_LED_BY = cued(
    r"\b(?:co-)?led by (?:the\s+)?(?P<names>[A-Z][\w&.'’-]*(?:\s+(?:[A-Z][\w&.'’-]*|of|and|&))"
    r"{0,8})"
)
_SPLIT_NAMES = re.compile(r"\s+(?:and|&)\s+|,\s*")
# A deal's upfront payment and its total: "$50 million upfront", "an upfront payment of
# $50 million"; "up to $1.2 billion", "worth $300 million", "a total of $1 billion".
_UPFRONT_AFTER = re.compile(r"^\s*(?:in\s+)?(?:cash\s+)?up[- ]?front\b", re.I)
_UPFRONT_BEFORE = re.compile(r"\bup[- ]?front (?:payment|fee|cash)?\s*(?:of\s+)?$", re.I)
_TOTAL_BEFORE = re.compile(
    r"\b(?:up to|worth|valued at|total(?:ling|ing)?(?: of)?|a total of|aggregate(?: of)?)"
    r"\s+(?:approximately\s+|about\s+|nearly\s+)?$",
    re.I,
)
_LIFTED = cued(
    r"\blift(?:ed|s)?\b|\bremoved? the (?:clinical )?hold\b"
    r"|\bhold (?:was|has been) (?:lifted|removed)",
    re.I,
)
_AROUND = 40  # characters read either side of an amount for what it is


def _one(field: str, evidence: str, title: str) -> str | None:
    """The value of a category the title words, else the evidence's only one."""
    named = stated_values(field, title)
    if len(named) == 1:
        return named[0]
    stated = stated_values(field, evidence)
    if len(stated) == 1:
        return stated[0]
    if named and stated:  # the title narrows the evidence's several to those it names
        both = [value for value in stated if value in named]
        return both[0] if len(both) == 1 else None
    return None


def _deal_amounts(evidence: str, amounts: list[Amount]) -> tuple[Amount | None, Amount | None]:
    upfront = total = None
    for amount in amounts:
        at = evidence.find(amount.stated)
        before = evidence[max(0, at - _AROUND) : at]
        after = evidence[at + len(amount.stated) : at + len(amount.stated) + _AROUND]
        if upfront is None and (_UPFRONT_AFTER.search(after) or _UPFRONT_BEFORE.search(before)):
            upfront = amount
        elif total is None and _TOTAL_BEFORE.search(before):
            total = amount
    return upfront, total


def _investors(evidence: str) -> list[str]:
    found = _LED_BY.search(evidence)
    if found is None:
        return []
    names = [n.strip(" .,;") for n in _SPLIT_NAMES.split(found.group("names"))]
    return [n for n in names if n and n[0].isupper() and n not in ("The", "A")][:20]


def details_of(kind: str, evidence: str, title: str = "") -> Details:
    """The details of a milestone of ``kind``, read from its evidence (and title)."""
    fields = KIND_FIELDS.get(kind, ())
    values: dict[str, object] = {}
    for field in fields:
        if field in WORDING:
            values[field] = _one(field, evidence, title)
    if "phase" in fields:
        phases = phases_in(evidence)
        values["phase"] = phases[0] if len(phases) == 1 else None
    if "registry_ids" in fields:
        values["registry_ids"] = registry_ids_in(evidence)[:10]
    if "patients" in fields:
        counts = patients_in(evidence)
        values["patients"] = counts[0] if len(counts) == 1 else None
    if "lifted" in fields:
        values["lifted"] = True if _LIFTED.search(evidence) else None
    amounts = amounts_in(evidence) if {"amount", "upfront"} & set(fields) else []
    if "amount" in fields and amounts:
        values["amount"] = amounts[0]
    if "investors" in fields:
        values["investors"] = _investors(evidence)
    if "upfront" in fields:
        values["upfront"], values["total"] = _deal_amounts(evidence, amounts)
    return Details.model_validate({k: v for k, v in values.items() if v is not None})
