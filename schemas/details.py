"""A milestone's own facts, typed (schema v2's ``details``), and how each reads in text.

Every milestone kind has facts of its own that analysts ask about: which designation,
which application, which phase and registered trial, how much money in which round,
what a deal is worth. ``Details`` holds them, each null where the article does not state
it. The parsers below (amounts with their currencies and magnitudes, registry ids,
phases) and the wording of each category serve twice: the validators check that every
stated value is in the milestone's evidence (a value it does not state is refused, with
the reason fed back to the model on a re-ask), and the rules engine reads the values
from the same text with the same code.

Every pattern here is linear in the text's length: bounded repeats, no nested ones.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.checks import Name, parse_partial_date

DesignationType = Literal[
    "orphan_drug", "fast_track", "breakthrough_therapy", "rmat", "prime",
    "priority_medicine", "sakigake", "innovation_passport", "rare_pediatric_disease",
    "accelerated_assessment", "other",
]  # fmt: skip
ApplicationType = Literal["ind", "cta", "bla", "nda", "maa", "supplemental", "other"]
ReviewType = Literal["priority", "standard", "accelerated", "rolling"]
Phase = Literal["preclinical", "1", "1/2", "2", "2/3", "3", "4"]
Pathway = Literal["full", "conditional", "accelerated", "exceptional", "time_limited"]
SetbackType = Literal[
    "complete_response_letter", "clinical_hold", "refusal", "withdrawal", "revocation", "other"
]
RoundType = Literal[
    "seed", "series_a", "series_b", "series_c", "series_d", "series_e", "grant", "ipo",
    "placement", "debt", "other",
]  # fmt: skip
FacilityType = Literal["manufacturing", "research", "clinical", "other"]

# -- how each category reads in text ---------------------------------------------------
# Each value's wording, matched case-insensitively within one sentence (``other`` has
# none: it is what is left when the kind is stated and its type is not one of these).

WORDING: dict[str, dict[str, str]] = {
    "designation": {
        "orphan_drug": r"\borphan(?:[- ]drug)?\b|(?-i:\bODDs?\b)|\bmedicinal products? for rare",
        "fast_track": r"\bfast[- ]track",
        "breakthrough_therapy": r"\bbreakthrough(?:[- ]therapy)?\b|\bbtd\b",
        "rmat": r"\brmat\b|regenerative medicine advanced therapy",
        "prime": r"(?-i:\bPRIME\b)|priority medicines? scheme",
        "priority_medicine": r"\bpriority medicine\b",
        "sakigake": r"\bsakigake\b",
        "innovation_passport": r"\binnovation passport\b|\bilap\b",
        "rare_pediatric_disease": r"\brare pa?ediatric disease\b|\brpd\b",
        "accelerated_assessment": r"\baccelerated assessment\b",
    },
    "application": {
        "supplemental": r"\bs(?:bla|nda)\b|\bsupplemental\b|\btype ii variation\b",
        "ind": r"(?-i:\bINDs?\b)|investigational new drug",
        "cta": r"(?-i:\bCTAs?\b)|clinical trial (?:applications?|authori[sz]ations?)\b",
        "bla": r"\bblas?\b|biologics? licen[cs]e applications?",
        "nda": r"\bndas?\b|new drug applications?",
        "maa": r"\bmaas?\b|marketing authori[sz]ation applications?",
    },
    "review": {
        "priority": r"\bpriority review\b",
        "standard": r"\bstandard review\b",
        "accelerated": r"\baccelerated (?:assessment|review)\b",
        "rolling": r"\brolling (?:review|submission)\b",
    },
    "pathway": {
        "conditional": r"\bconditional(?:ly)?\b",
        "accelerated": r"\baccelerated approval\b",
        "exceptional": r"\bexceptional circumstances\b",
        "time_limited": r"\btime[- ]limited\b",
        "full": r"\bfull (?:approval|marketing authori[sz]ation)\b|\bstandard approval\b",
    },
    "setback": {
        "complete_response_letter": r"\bcomplete response letter\b|\bcrl\b",
        "clinical_hold": r"\bclinical hold\b|\bon hold\b|\bhold on\b",
        "refusal": r"\brefus(?:ed|al)\b|\brejected?\b|\bnegative opinion\b",
        "withdrawal": r"\bwithdr[ae]w(?:n|al)?\b",
        "revocation": r"\brevok(?:ed|es)\b|\brevocation\b|\bcancell?(?:ed|ation)\b|\bsuspend",
    },
    "round": {
        "seed": r"\bseed\b|\bpre-seed\b",
        "series_a": r"\bseries a\b",
        "series_b": r"\bseries b\b",
        "series_c": r"\bseries c\b",
        "series_d": r"\bseries d\b",
        "series_e": r"\bseries [e-h]\b",
        "grant": r"\bgrant(?:s|ed)?\b|\baward(?:ed|s)?\b",
        "ipo": r"(?-i:\bIPO\b)|initial public offering|\blisting on\b",
        "placement": r"\bplacements?\b|\bprivate offering\b|(?-i:\bPIPE\b)",
        "debt": r"\bdebt\b|\bloans?\b|\bcredit facility\b|\bconvertible notes?\b",
    },
    "facility": {
        "manufacturing": r"\bmanufactur\w*|\bproduction\b|\bgmp\b|\bplant\b",
        "research": r"\bresearch\b|\br&d\b|\blaborator(?:y|ies)\b|\blab\b",
        "clinical": r"\bclinic(?:al)?\b|\bhospital\b|\btreatment cent",
    },
}  # fmt: skip
_WORDING = {
    field: {value: re.compile(pattern, re.I) for value, pattern in values.items()}
    for field, values in WORDING.items()
}


def stated_values(field: str, text: str) -> list[str]:
    """The values of a category (``designation``, ``round`` …) that ``text`` words,
    in the order of ``WORDING``."""
    return [value for value, pattern in _WORDING[field].items() if pattern.search(text)]


def states(field: str, value: str, text: str) -> bool:
    """Whether ``text`` words ``value`` of ``field`` (``other`` needs no wording)."""
    pattern = _WORDING.get(field, {}).get(value)
    return pattern is None or pattern.search(text) is not None


# -- money -----------------------------------------------------------------------------

# Currency signs and codes, as articles write them, to ISO 4217.
CURRENCY_SIGNS = {
    "us$": "USD", "u.s.$": "USD", "usd": "USD", "$": "USD", "a$": "AUD", "au$": "AUD",
    "aud": "AUD", "c$": "CAD", "ca$": "CAD", "cad": "CAD", "s$": "SGD", "sgd": "SGD",
    "hk$": "HKD", "hkd": "HKD", "nz$": "NZD", "nzd": "NZD", "€": "EUR", "eur": "EUR",
    "£": "GBP", "gbp": "GBP", "¥": "JPY", "jpy": "JPY", "rmb": "CNY", "cny": "CNY",
    "yuan": "CNY", "chf": "CHF", "sek": "SEK", "nok": "NOK", "dkk": "DKK", "krw": "KRW",
    "₩": "KRW", "inr": "INR", "₹": "INR", "rs": "INR", "brl": "BRL", "r$": "BRL",
    "ils": "ILS", "₪": "ILS", "twd": "TWD", "nt$": "TWD",
}  # fmt: skip
_MAGNITUDES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "crore": 1e7, "lakh": 1e5,
}  # fmt: skip
_SIGN = (
    r"(?P<sign>US\$|U\.S\.\$|A\$|AU\$|C\$|CA\$|S\$|HK\$|NZ\$|NT\$|R\$|\$|€|£|¥|₩|₹|₪"
    r"|(?:USD|EUR|GBP|JPY|RMB|CNY|CHF|SEK|NOK|DKK|KRW|INR|AUD|CAD|SGD|HKD|NZD|BRL|ILS|TWD|Rs)"
    r"\.?\s?)"
)


def _number(tag: str) -> str:
    return rf"(?P<number{tag}>\d{{1,3}}(?:,\d{{3}}){{1,4}}|\d{{1,9}}(?:\.\d{{1,4}})?)"


def _magnitude(tag: str) -> str:
    return (
        rf"(?:\s?(?P<magnitude{tag}>thousand|million|billion|trillion|crore|lakh|mn|mln|bn"
        r"|[mbk])\b)"
    )


_AFTER_CODE = r"(?:\s(?P<code>USD|EUR|GBP|JPY|RMB|CNY|CHF|SEK|NOK|DKK|KRW|INR|AUD|CAD|SGD|yuan)\b)"
# "$85 million", "€12m", "S$114.8m", "RMB 200 million"; or "200 million yuan".
AMOUNT = re.compile(
    rf"(?<![\w$€£¥])(?:{_SIGN}{_number('')}{_magnitude('')}?"
    rf"|{_number('_')}{_magnitude('_')}?{_AFTER_CODE})",
    re.I,
)


class Amount(BaseModel):
    """An amount of money as the article states it: its value, its currency (ISO 4217)
    and its words ("$85 million"), which the milestone's evidence must hold."""

    model_config = ConfigDict(extra="forbid")

    value: float = Field(ge=0, description="The amount in units of the currency: 85000000.")
    currency: str = Field(description="ISO 4217 code: USD, EUR, GBP, CNY, JPY, SGD …")
    stated: str = Field(
        min_length=1, max_length=60, description="The amount as the article writes it."
    )

    @field_validator("currency")
    @classmethod
    def _iso_4217(cls, value: str) -> str:
        if value not in set(CURRENCY_SIGNS.values()):
            raise ValueError(
                f"currency {value!r} is not an ISO 4217 code the articles use (USD, EUR, "
                "GBP, CNY, JPY, CHF, SGD …)"
            )
        return value


def amounts_in(text: str) -> list[Amount]:
    """Every amount of money ``text`` states, in order."""
    found = []
    for match in AMOUNT.finditer(text):
        sign = (match.group("sign") or match.group("code") or "").strip().rstrip(".").lower()
        currency = CURRENCY_SIGNS.get(sign.replace(" ", ""))
        if currency is None:
            continue
        number = float((match.group("number") or match.group("number_")).replace(",", ""))
        magnitude = (match.group("magnitude") or match.group("magnitude_") or "").lower()
        value = number * _MAGNITUDES.get(magnitude, 1.0)
        found.append(Amount(value=value, currency=currency, stated=match.group().strip()))
    return found


# -- trials ----------------------------------------------------------------------------

# Trial registries' ids: ClinicalTrials.gov, EudraCT, the EU's CTIS, China, Japan, India,
# ISRCTN, Australia and New Zealand, Korea.
REGISTRY_ID = re.compile(
    r"(?<![\w-])(?:NCT\d{8}|\d{4}-\d{6}-\d{2}(?:-\d{2})?|ChiCTR-?[A-Z]{0,4}-?\d{6,12}"
    r"|jRCT[a-z]?\d{10}|CTRI/\d{4}/\d{2,3}/\d{6}|ISRCTN\d{8}|ACTRN\d{14}|KCT\d{7})(?![\w-])"
)


def registry_ids_in(text: str) -> list[str]:
    """The trial registry ids ``text`` names, in order, each once."""
    return list(dict.fromkeys(REGISTRY_ID.findall(text)))


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
PHASE = re.compile(
    r"\bphase\s?(?P<a>iv|iii|ii|i|[1-4])(?:[ab]\b)?(?:\s?[/-]\s?(?:phase\s?)?"
    r"(?P<b>iii|ii|i|[1-4])(?:[ab]\b)?)?\b|\b(?P<pre>pre-?clinical)\b",
    re.I,
)
PHASES: tuple[str, ...] = get_args(Phase)


def phases_in(text: str) -> list[str]:
    """The trial phases ``text`` states ("Phase I/II" is 1/2; "Phase 2b" is 2), in
    order, each once; phases no schema value names (4/5) are left out."""
    found = []
    for match in PHASE.finditer(text):
        if match.group("pre"):
            found.append("preclinical")
            continue
        first = _ROMAN.get(match.group("a").lower(), match.group("a"))
        second = match.group("b")
        phase = f"{first}/{_ROMAN.get(second.lower(), second)}" if second else first
        if phase in PHASES:
            found.append(phase)
    return list(dict.fromkeys(found))


PATIENTS = re.compile(
    r"\b(?P<n>\d{1,3}(?:,\d{3})?|\d{1,6})\s+(?:adult\s+|paediatric\s+|pediatric\s+)?"
    r"(?:patients|participants|subjects|children|adults)\b",
    re.I,
)


def patients_in(text: str) -> list[int]:
    """The numbers of patients ``text`` states ("enrolled 120 patients")."""
    return [int(m.group("n").replace(",", "")) for m in PATIENTS.finditer(text)]


# -- the details -----------------------------------------------------------------------


def every_field_required(schema: dict[str, Any]) -> None:
    """A JSON Schema whose every property is required (null or empty stands for not
    stated), as strict structured outputs ask: the defaults serve Python callers."""
    schema["required"] = list(schema.get("properties", {}))


class Details(BaseModel):
    """A milestone's own facts, by its kind (``KIND_FIELDS`` says which a kind may
    hold); each null, or empty, where the article does not state it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=every_field_required)

    designation: DesignationType | None = Field(
        default=None, description="Which designation (designation)."
    )
    application: ApplicationType | None = Field(
        default=None,
        description="Which application (submissions, their acceptance, trial "
        "authorisations, setbacks): ind, cta, bla, nda, maa, supplemental or other.",
    )
    review: ReviewType | None = Field(
        default=None, description="The review it gets (submissions and their acceptance)."
    )
    target_date: str | None = Field(
        default=None,
        description="The action date (PDUFA or other) the article gives, YYYY[-MM[-DD]].",
    )
    phase: Phase | None = Field(default=None, description="The trial's phase (trials).")
    registry_ids: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="The trial's registry ids as the article writes them (NCT…, EudraCT, "
        "CTIS, ChiCTR…, jRCT…, CTRI/…, ISRCTN…).",
    )
    patients: int | None = Field(
        default=None, ge=0, description="How many patients the trial enrols or treated."
    )
    pathway: Pathway | None = Field(
        default=None, description="The approval's pathway (approvals, committee opinions)."
    )
    setback: SetbackType | None = Field(default=None, description="Which setback.")
    lifted: bool | None = Field(
        default=None, description="true when the setback (a clinical hold) is lifted."
    )
    amount: Amount | None = Field(default=None, description="The money raised (funding).")
    round: RoundType | None = Field(default=None, description="The funding round.")
    investors: list[Name] = Field(
        default_factory=list, max_length=20, description="Who invested, as named (funding)."
    )
    counterparty: Name | None = Field(
        default=None, description="The other party of a deal (partnership, acquisition)."
    )
    upfront: Amount | None = Field(default=None, description="A deal's upfront payment.")
    total: Amount | None = Field(default=None, description="A deal's total value, up to.")
    facility: FacilityType | None = Field(default=None, description="Which facility.")
    location: Name | None = Field(
        default=None, description="Where the facility stands, as the article names it."
    )

    @field_validator("target_date")
    @classmethod
    def _calendar_date(cls, value: str | None) -> str | None:
        if value is not None:
            parse_partial_date(value)
        return value

    @field_validator("registry_ids")
    @classmethod
    def _registry_ids(cls, values: list[str]) -> list[str]:
        for value in values:
            if not REGISTRY_ID.fullmatch(value):
                raise ValueError(
                    f"registry id {value!r} is not one of a trial registry (NCT01234567, "
                    "2023-501234-12-00, ChiCTR2300012345, jRCT1234567890, …)"
                )
        return values

    def stated(self) -> dict[str, object]:
        """The fields that hold a value."""
        return {
            name: value
            for name, value in self
            if value is not None and value != [] and value is not False
        }


SUBMISSIONS = ("application", "review", "target_date")
TRIALS = ("phase", "registry_ids", "patients")
DEALS = ("counterparty", "upfront", "total")
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "designation": ("designation",),
    "regulatory_submission": SUBMISSIONS,
    "submission_accepted": SUBMISSIONS,
    "trial_authorisation": ("application", *TRIALS),
    "trial_start": TRIALS,
    "clinical_data": TRIALS,
    "trial_halted": ("setback", "lifted", *TRIALS),
    "marketing_approval": ("application", "pathway"),
    "committee_opinion": ("application", "pathway"),
    "regulatory_setback": ("setback", "lifted", "application"),
    "funding": ("amount", "round", "investors"),
    "partnership": DEALS,
    "acquisition": DEALS,
    "facility": ("facility", "location"),
    "manufacturing_authorisation": ("facility", "location"),
    "certification": (),
    "commercial_launch": (),
    "other": (),
}


# The detail that tells two milestones (and two events) of one kind, subject, authority
# and date apart: a Fast Track and an orphan drug designation of one product are two.
VARIANTS = {"designation": "designation", "regulatory_setback": "setback"}


def variant_of(kind: str, details: Details) -> str | None:
    """The value of the detail that tells milestones of ``kind`` apart, if stated."""
    field = VARIANTS.get(kind)
    value = getattr(details, field) if field else None
    return str(value) if value is not None else None


def ungrounded(details: Details, kind: str, evidence: str) -> list[str]:
    """Why ``details`` do not fit a milestone of ``kind`` whose evidence is ``evidence``:
    a field its kind does not hold, or a value the evidence does not state. Empty when
    they fit. (Written for the model: fed back to it on a re-ask.)"""
    problems: list[str] = []
    allowed = KIND_FIELDS.get(kind, ())
    folded = " ".join(evidence.split()).casefold()
    for name, value in details.stated().items():
        if name not in allowed:
            holds = ", ".join(allowed) or "no details"
            problems.append(f"details.{name}: a {kind} milestone holds {holds}; leave it null")
            continue
        if name in WORDING and not states(name, str(value), evidence):
            problems.append(
                f"details.{name}: the evidence does not say {value!r}; use what it says, "
                "other, or null"
            )
        elif name in ("amount", "upfront", "total") and isinstance(value, Amount):
            if " ".join(value.stated.split()).casefold() not in folded:
                problems.append(
                    f"details.{name}: {value.stated!r} is not in the evidence; copy the "
                    "amount as the evidence writes it, or null"
                )
        elif name == "registry_ids":
            missing = [i for i in details.registry_ids if i.casefold() not in folded]
            if missing:
                problems.append(f"details.registry_ids: {missing[0]!r} is not in the evidence")
        elif name == "phase" and value not in phases_in(evidence):
            problems.append(
                f"details.phase: the evidence does not state phase {value}; null if no phase"
            )
        elif name == "patients" and value not in patients_in(evidence):
            problems.append(f"details.patients: the evidence does not state {value} patients")
        elif name in ("investors", "counterparty", "location"):
            names: list[object] = value if isinstance(value, list) else [value]
            absent = [n for n in names if " ".join(str(n).split()).casefold() not in folded]
            if absent:
                problems.append(f"details.{name}: {absent[0]!r} is not in the evidence")
    return problems
