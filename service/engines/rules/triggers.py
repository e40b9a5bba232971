"""The wording around a trigger: what makes it no fact, and what sets its status.

The triggers themselves, for every milestone kind, are data (``data/kinds.json``, read
with the rest of the lexicon); these rules hold for every kind alike.
"""

from __future__ import annotations

import re

from service.cues import cued
from service.engines.rules.memo import remembered

# A sentence's clauses: a milestone's date is looked for in its own clause.
CLAUSE = cued(
    r",\s+(?:and|but|while|followed by|whereas)\b|;\s"
    r"|\s+and\s+(?=(?:is|are|was|were|has|have|had|will|now|then)\s)"
    r"|\s+as\s+(?=(?:it|they|we|the company)\s)"
)

# Wording just before a trigger that makes the sentence a generality, a wish or a denial
# ("may" in lower case only: "18 May" is a date).
# "would" after "it", "they", "the company" reports a plan ("said it would start
# commercial supply"): planned (``PLANNED``), not denied.
_HEDGES = (
    r"(?-i:may)|might|could|can|(?<!it )(?<!they )(?<!company )(?<!firm )would|should|must|if|"
    r"whether|sought to|seek(?:s|ing)? to|hope(?:s|d)? to|help(?:s)?|such as|like|pending|"
    r"unless|awaiting|when (?:it|they|we|the company) (?:files?|submits?|applies|seeks?)"
)
# A question before a trigger in its clause, however far: "the FDA will decide whether to
# accept the BLA for review and set an action date" states neither.
OPEN_QUESTION = cued(r"\b(?:whether|if or when)\b", re.IGNORECASE)
NOT_A_FACT = cued(rf"\b(?:{_HEDGES}|not|no|never)\b[^.;]*$", re.IGNORECASE)
# For the kinds whose news a negation may be part of ("no dose-limiting toxicities"):
# the hedges, and "not" or "never" (which still deny: "had not responded").
HEDGED = cued(rf"\b(?:{_HEDGES}|not|never)\b[^.;]*$", re.IGNORECASE)
# A sentence that says what a designation or a scheme is, not what happened: "PRIME is
# provided to medicines that target an unmet need", "Developers are given advice".
GENERIC = cued(
    r"^(?:the\s+|an?\s+)?(?:[\w-]+\s+){0,3}?(?:designations?|status|schemes?|programmes?|"
    r"programs?|pathways?|approvals?|developers|sponsors|companies|manufacturers|applicants|"
    r"medicines|products|therapies|drugs|treatments)\s+(?:\w+\s+)?(?:is|are|can be|may be)\s+"
    r"(?:\w+\s+)?(?:provided|given|granted|offered|awarded|intended|reserved|eligible)\b",
    re.IGNORECASE,
)
# What follows a trigger when it names a programme, not an event of one: "the FDA launched
# its RMAT designation programme" (the authority its own subject).
SCHEME_AFTER = cued(
    r"[\s)]*(?:[\w-]+\s+){0,2}?(?:program(?:me)?s?|schemes?|pathways?|frameworks?|"
    r"initiatives?|guidance|policy|policies)\b",
    re.IGNORECASE,
)
IN_PROGRESS = cued(
    r"\b(?:is|are|am)\s+(?:\w+\s+)?(?:establishing|building|constructing|setting up|developing|"
    r"preparing)\b|\bunder ?way\b|\bunder construction\b|\bongoing\b|\bbeing (?:established|"
    r"built|constructed)\b|\bcurrently\b",
    re.IGNORECASE,
)
PLANNED = cued(
    r"\bwill\b|\bwould\b|\bplan(?:s|ned)? to\b|\bexpect(?:s|ed)? to\b|"
    r"\b(?:intend(?:s|ed)?|aim(?:s|ed)?) to\b(?!\s+(?:treat|cure|address|target|prevent|restore|"
    r"reduce|improve|correct|replace|deliver|halt|slow|reverse)\b)|\bset to\b|\bscheduled\b|"
    r"\banticipat\w+\b|\bupcoming\b|\bnext year\b|"
    r"\bto be\b|\bprepar(?:es|ing) to\b|\bis to\b|\blets?\s+(?:us|them|it|the company)\b|"
    r"\b(?:enabl|allow)(?:e|es|ing)?\s+(?:us|them|it|the company)\s+to\b|\bplots?\b|"
    r"\beye(?:s|ing)\b|\bmulls?\b|\bweighs\b|\bintent(?:ion)?\s+(?:of|to)\b|\bimminent\b|"
    r"\babout to\b|\bpoised to\b|\bon track to\b|\blikely to\b|"
    r"\bto\s+build(?:[- ]?out)?\b|\bannounc\w*\s+(?:the\s+)?construction\b",
    re.IGNORECASE,
)


# An intention at the head of a sentence governs the acts it lists ("The company intends
# to use the funds to accelerate its trials and expand its facilities"), unless a verb of
# what was done comes between.
_INTENTION = cued(
    r"\b(?:intends?|plans?|aims?|expects?|seeks?|hopes?|wants?)\s+to\b|\bwill\b", re.I
)
_DONE_BETWEEN = cued(r"\b(?:has|have|had|was|were|did)\b|\b(?-i:[a-z])\w*ed\s+(?!to\b)", re.I)


# A stop inside a sentence is no sentence's end ("U.S. FDA", "Co., Ltd.", "Dr. Lee", a
# decimal point: "$1.2 billion", "(90.9%)"): the triggers' "[^.;]" spans read across it
# as the trigger scan sees it (a middle dot, the same length, so offsets hold; the
# triggers' numbers take it as a decimal point). A final stop stays.
_INNER_STOP = cued(r"\.")
_FINAL = frozenset(".!?\"'\u201d\u2019)]")


def _without_final(sentence: str) -> str:
    """``sentence`` without the stops, quotes, brackets and spaces that end it (read
    from the end: linear in what is taken off)."""
    end = len(sentence)
    while end and (sentence[end - 1] in _FINAL or sentence[end - 1].isspace()):
        end -= 1
    return sentence[:end]


INNER_STOP = "\u00b7"


@remembered
def inner_stops(sentence: str) -> str:
    """``sentence`` with its inner stops written as ``INNER_STOP`` (linear: the final
    stops are found once)."""
    body = _without_final(sentence)
    if "." not in body:
        return sentence
    return _INNER_STOP.sub(INNER_STOP, body) + sentence[len(body) :]


# A plan told of a thing in a relative clause is the thing's, not the act's: "Britain has
# authorised a gene therapy that aims to cure …", "received BTD, which will speed …".
_RELATIVE_BEFORE = cued(r"\b(?:that|which|who)\s+$", re.IGNORECASE)


def status_of(window: str, before: str = "") -> str:
    """achieved, in_progress or planned, from the wording around a trigger (``window``),
    or an intention before it in its sentence (``before``) that governs it."""
    if IN_PROGRESS.search(window):
        return "in_progress"
    if any(not _RELATIVE_BEFORE.search(window, 0, m.start()) for m in PLANNED.finditer(window)):
        return "planned"
    intentions = list(_INTENTION.finditer(before))
    if intentions and not _DONE_BETWEEN.search(before, intentions[-1].end()):
        return "planned"
    return "achieved"


# Where a clause breaks for reading its subject: "that", a semicolon, a dash, a colon (not
# one inside brackets: "AstraZeneca (LSE: AZN) has agreed …").
_CLAUSE_BREAK = cued(
    r"(?:\bthat\b|;|\s[\u2014\u2013-]\s|:(?![^():]{0,30}\))|\bwhile\b|\bwhereas\b)"
)


@remembered
def break_ends(sentence: str) -> list[int]:
    """Where each clause break in the sentence ends, in order."""
    found = [m.end() for m in _CLAUSE_BREAK.finditer(sentence)]
    return sorted(found + [m.end() for m in CLAUSE.finditer(sentence)])


@remembered
def clauses(sentence: str) -> list[tuple[int, int]]:
    cuts = [0, *(m.start() for m in CLAUSE.finditer(sentence)), len(sentence)]
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a] or [(0, len(sentence))]


def clause_of(clauses: list[tuple[int, int]], at: int) -> int:
    return next((i for i, (a, b) in enumerate(clauses) if a <= at < b), len(clauses) - 1)
