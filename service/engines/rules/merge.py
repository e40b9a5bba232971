"""One milestone per fact: the statements the reader found merged, each completed by the
others (``merge``), and no two milestones alike (``distinct``)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from service.cues import cued
from service.engines.rules.entities import organisation_key
from service.engines.rules.found import FOLLOW_UP, Found

# At most this many milestones per article: a summary, not an index (and the work per
# article stays linear in its length).
MAX_MILESTONES = 100


def _compatible(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a.startswith(b) or b.startswith(a)


def _same_authority(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two statements may be of one authority's act: either names none, or both
    name one of the same jurisdiction (the FDA's approval is not the MFDS's)."""
    if a["authority"] is None or b["authority"] is None:
        return True
    if a["jurisdiction"] and b["jurisdiction"]:
        return bool(a["jurisdiction"] == b["jurisdiction"])
    return bool(a["authority"].casefold() == b["authority"].casefold())


# The names of one designation: "RMAT designation" is "Regenerative medicine advanced
# therapy designation", "ODD" is "Orphan drug designation"; of one filing: "BLA" is
# "Biologics license application".
_EVENT_KEYS = tuple(
    (re.compile(pattern, re.I), key)
    for pattern, key in (
        (r"orphan|\bODDs?\b", "orphan"),
        (r"fast[- ]?track", "fast track"),
        (r"breakthrough|\bBTDs?\b", "breakthrough"),
        (r"\bRMAT\b|regenerative medicine", "rmat"),
        (r"\bPRIME\b|priority medicine", "prime"),
        (r"sakigake", "sakigake"),
        (r"rare pediatric", "rare pediatric disease"),
        (r"innovation passport|\bILAP\b", "innovation passport"),
        # The filings: a BLA to the FDA is not an MAA to the EMA.
        (r"\bBLAs?\b|biologics? licen[cs]e", "bla"),
        (r"\bsBLAs?\b", "sbla"),
        (r"\bMAAs?\b|marketing authori[sz]ation", "maa"),
        (r"\bs?NDAs?\b|new drug application", "nda"),
        (r"\bINDs?\b|investigational new drug", "ind"),
        (r"\bCTAs?\b|clinical trial application", "cta"),
    )
)


# An amount of money, as a funding's name gives it: "$30 million", "USD186m", "€12.5M".
_AMOUNT = cued(r"(\d[\d,]*(?:\.\d+)?)\s*(million|mn|m|billion|bn|b)\b", re.IGNORECASE)
# The names of events of no particular type: any type is compatible with them.
_GENERIC = frozenset({"designation", "funding", "milestone"})


def _event_key(label: str) -> str | None:
    """What tells two events of a kind apart: a designation's type, a round's amount
    (in millions); None when the label names none (it may be either)."""
    money = _AMOUNT.search(label)
    if money:
        value = float(money.group(1).replace(",", ""))
        unit = money.group(2).lower()
        return f"{value * (1000 if unit.startswith('b') else 1):g}m"
    if label.casefold() in _GENERIC:
        return None
    return next((key for pattern, key in _EVENT_KEYS if pattern.search(label)), label.casefold())


def _same_name(a: Found, b: Found) -> bool:
    """Whether two statements may name one event: same type or amount, or either names
    none, or one is a follow-up of the other ("The funding, which combines a €2.5
    million grant with …" tells of the round stated before)."""
    if not a.distinct_by_name:
        return True
    if FOLLOW_UP.match(a.sentence.text) or FOLLOW_UP.match(b.sentence.text):
        return True
    x, y = _event_key(a.event), _event_key(b.event)
    return x is None or y is None or x == y


def _same_event(a: Found, b: Found) -> bool:
    """Two statements of one fact: same kind, authority, compatible date and status, and, for
    a kind told apart by its name (an orphan drug designation is not an RMAT), the same
    event."""
    return (
        a.kind == b.kind
        and _same_authority(a.fields, b.fields)
        and _compatible(a.fields["date"], b.fields["date"])
        and _same_status(a, b)
        and _same_name(a, b)
    )


def _same_status(a: Found, b: Found) -> bool:
    """A plan is not the act done ("submits a BLA" and "plans to submit an MAA" are two
    milestones); an act under way may be either (a centre planned, then being built, is
    one); a headline's wording is looser than its body's ("after negative CHMP vote" over
    "indicated it would adopt a negative opinion"): one statement of it either way."""
    if a.sentence.is_heading or b.sentence.is_heading:
        return True
    return {a.fields["status"], b.fields["status"]} != {"planned", "achieved"}


def _same_milestone(a: Found, b: Found) -> bool:
    return (
        _same_event(a, b)
        and a.product_key == b.product_key  # "Yescarta" and "axi-cel" are one product
        and same_organisation(a.fields["organisation"], b.fields["organisation"])
    )


def same_organisation(a: str, b: str) -> bool:
    """ "SeoulCell Therapeutics" and "SeoulCell Therapeutics Co., Ltd." are one, as are
    "Corvalis Genetics" and "Corvalis Genetics, Inc.", and "Kiyomi Pharma" and "Kiyomi
    Pharmaceutical Co., Ltd." (``organisation_key``)."""
    x, y = (" " + " ".join(n.casefold().replace(",", " ").split()) + " " for n in (a, b))
    return x in y or y in x or organisation_key(a) == organisation_key(b)


def _completed(base: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """``base`` with what it lacks taken from another statement of the same milestone:
    the authority (with its jurisdiction), the indication, the product, a more precise date. A
    jurisdiction read from a place is not carried over: it belongs to its own sentence."""
    merged = dict(base)
    if merged["authority"] is None and other["authority"] is not None:
        merged["authority"] = other["authority"]
        merged["jurisdiction"] = other["jurisdiction"] or merged["jurisdiction"]
    merged["indication"] = merged["indication"] or other["indication"]
    merged["product"] = merged["product"] or other["product"]
    if other["date"] and (not merged["date"] or len(other["date"]) > len(merged["date"])):
        merged["date"] = other["date"]
    return merged


def merge(found: list[Found]) -> list[dict[str, Any]]:
    """One milestone per kind, product, organisation and compatible date: its first
    statement that names who reached it, in the body rather than a title, completed by
    the others' authority, jurisdiction, indication and more precise date. A statement
    naming no product joins the one milestone of its kind and organisation that names
    one ("signs manufacturing agreement" over "… agreement to produce VGT-7"), when
    there is exactly one. At most ``MAX_MILESTONES``, the first the article states."""
    kept: list[Found] = []
    for item in found:
        at = next((i for i, k in enumerate(kept) if _same_milestone(k, item)), None)
        if at is None:
            at = _only_other_statement(kept, item)
        if at is None:
            if len(kept) < MAX_MILESTONES:
                kept.append(item)
            continue
        base, other = kept[at], item
        if (other.explicit, not other.sentence.is_heading, bool(other.fields["product"])) > (
            base.explicit,
            not base.sentence.is_heading,
            bool(base.fields["product"]),
        ):
            base, other = other, base
        kept[at] = replace(base, fields=_completed(base.fields, other.fields))
    return [k.fields for k in kept]


def _only_other_statement(kept: list[Found], item: Found) -> int | None:
    """The one kept milestone ``item`` states again with or without its product: same
    kind, organisation and compatible date, one of the two naming no product."""
    matches = [
        i
        for i, k in enumerate(kept)
        if _same_event(k, item)
        and (k.fields["product"] is None) != (item.fields["product"] is None)
        and same_organisation(k.fields["organisation"], item.fields["organisation"])
    ]
    if len(matches) != 1:
        return None
    same_kind = [i for i, k in enumerate(kept) if k.kind == item.kind]
    if len(same_kind) == 1:
        return matches[0]
    # Among several of its kind, a statement whose organisation the article gave only
    # by inference (its main one, a product's maker) is the one with that organisation.
    return matches[0] if not (kept[matches[0]].explicit and item.explicit) else None


def distinct(milestones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, ...]] = set()
    kept = []
    for m in milestones:
        key = tuple(
            (m[k] or "").casefold()
            for k in ("kind", "product", "organisation", "authority", "date")
        )
        if key not in seen:
            seen.add(key)
            kept.append(m)
    return kept
