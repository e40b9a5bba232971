"""Trigger phrases for every milestone kind, and the wording that sets a status.

Each kind has patterns matched case-insensitively against one sentence. A kind listed in
``SUPERSEDES`` is dropped from a sentence where a more specific kind also matched (an
"IND approval" is a trial authorisation, not a marketing approval).
"""

from __future__ import annotations

import re

_ACT = (
    r"(?:grant(?:ed|s)?|receiv(?:ed|es|ing)|obtain(?:ed|s)|secur(?:ed|es)|award(?:ed|s)?|won|"
    r"achiev(?:ed|es)|earn(?:ed|s)|issu(?:ed|es)|gain(?:ed|s)|been given|got)"
)
_FILING = (
    r"(?:IND|CTA|BLA|sBLA|NDA|sNDA|MAA|PMA|biologics? licen[cs]e application|new drug application|"
    r"marketing authori[sz]ation application|clinical trial application)"
)
_TRIAL_FILING = r"(?:INDs?|investigational new drug|CTAs?|clinical trial application)"

PATTERNS: dict[str, tuple[str, ...]] = {
    "trial_authorisation": (
        rf"\b{_TRIAL_FILING}\b[^.;]{{0,120}}?\b(?:clear(?:ed|ance)|approv(?:ed|als?)|"
        r"authori[sz]ed|implied approval|go-ahead|green light)",
        r"\b(?:clear(?:ed|ance)|approv(?:ed|als?)|authori[sz]ation|go-ahead|green light)\b"
        rf"[^.;]{{0,200}}?\b{_TRIAL_FILING}\b",
        r"\bclinical trial authori[sz]ation\b|\bimplied approval\b",
        r"\b(?:approv(?:al|ed)|clearance|authori[sz]ation|go-ahead)\b[^.;]{0,30}?\b(?:for|of)\s+"
        r"(?:the|a|an|its)?\s*(?:[\w-]+\s+){0,3}?(?:clinical\s+)?(?:trial|study)\b",
    ),
    "regulatory_submission": (
        rf"\b(?:submit(?:ted|s)?|fil(?:ed|es|ing)|submission of)\b[^.;]{{0,80}}?\b{_FILING}\b",
        rf"\b{_FILING}\b[^.;]{{0,40}}?\b(?:was|were|has been|have been)\s+(?:submitted|filed)",
    ),
    "submission_accepted": (
        rf"\b{_FILING}\b[^.;]{{0,80}}?\b(?:accepted|validated|review acceptance)",
        rf"\b(?:accept(?:ed|s)|validat(?:ed|es))\b[^.;]{{0,60}}?\b{_FILING}\b",
        r"\bpriority review\b|\bPDUFA\b",
    ),
    "designation": (
        r"\b(?:orphan[- ]drug|orphan|fast[- ]track|breakthrough(?: therapy)?|RMAT|"
        r"regenerative medicine advanced therapy|PRIME|priority medicines?|rare pediatric disease|"
        r"innovation passport|SAKIGAKE)(?:\s*\([A-Z]{2,6}\))?\s+(?:drug\s+)?(?:designations?|"
        r"status|eligibility)\b",
        r"\bODDs?\b",
    ),
    "committee_opinion": (
        r"\b(?:CHMP|CAT|advisory committee|committee)\b[^.;]{0,80}?\b(?:positive opinion|"
        r"negative opinion|adopted (?:a|an) opinion|recommended|vot(?:ed|e))",
        r"\b(?:positive|negative) (?:CHMP |CAT )?opinion\b",
    ),
    "marketing_approval": (
        rf"\b{_ACT}\b[^.;]{{0,60}}?\b(?:marketing authori[sz]ation|conditional approval|"
        r"accelerated approval|full approval|regulatory approval|approval)\b",
        r"\b(?:has|have|had)\s+(?:also\s+)?approved\b",
        r"\b(?:conditional|accelerated|full|marketing)\s+(?:and\s+[\w-]+\s+)?approval\b",
        r"\b(?:was|were|has been|have been)\s+approved\s+(?:by|in)\b",
    ),
    "regulatory_setback": (
        r"\bcomplete response letter\b|\bCRL\b|\b(?:partial |full )?clinical hold\b|"
        r"\brefus(?:ed|al) to\b|\bnegative opinion\b|\brejected\b|"
        r"\bwithdr(?:ew|awn|awal of)\b[^.;]{0,30}?\b(?:application|MAA|BLA|NDA)",
    ),
    "certification": (
        rf"\b{_ACT}\b[^.;]{{0,100}}?\b(?:certificate|certification|ATMP classification)\b",
        r"\b(?:certificate|certification)\b[^.;]{0,40}?\b(?:was|were|has been|have been)\s+"
        r"(?:granted|issued|awarded)",
    ),
    "manufacturing_authorisation": (
        rf"\b{_ACT}\b[^.;]{{0,80}}?\b(?:manufacturing and import(?:ation)? authori[sz]ation|"
        r"manufacturing authori[sz]ation|import(?:ation)? authori[sz]ation|MIA|"
        r"GMP certifi(?:cate|cation)|manufacturing licen[cs]e|site licen[cs]e|"
        r"establishment licen[cs]e|GMP approval)\b",
        r"\b(?:manufacturing (?:and import(?:ation)? )?(?:authori[sz]ation|licen[cs]e)|MIA|"
        r"GMP certificate|site licen[cs]e)\b[^.;]{0,40}?\b(?:was|were|has been|have been)\s+"
        r"(?:granted|issued|awarded|approved)\b",
    ),
    "trial_start": (
        r"\bfirst (?:patients?|subjects?|participants?)\b[^.;]{0,30}?\b(?:dosed|treated|enrolled|"
        r"randomi[sz]ed|infused)\b",
        r"\b(?:dos(?:ed|e|ing)|enrol(?:l)?(?:ed|s|ing)?|treat(?:ed|s|ing)?|randomi[sz]ed?)\s+"
        r"(?:of\s+)?(?:the\s+)?first (?:patient|subject|participant)",
        r"\bentered\s+(?:a|the|its)?\s*(?:[\w-]+\s+){0,2}(?:trial|study|clinic)\b",
        r"\b(?:initiat|start|commenc|launch|began|begin)\w*\b[^.;]{0,50}?\b(?:trial|study)\b",
        r"\b(?:enrol(?:l)?ment|recruitment)\b[^.;]{0,20}?\b(?:opened|began|begun|started)\b",
    ),
    "clinical_data": (
        r"\b(?:data|results|findings|readout)\b[^.;]{0,100}?\b(?:present(?:ed|s)?|report(?:ed|s)?|"
        r"announc(?:ed|es)|publish(?:ed|es)?|show(?:ed|s|n)|demonstrat(?:ed|es)|reveal(?:ed|s)?)\b",
        r"\b(?:present(?:ed|s)|report(?:ed|s)|announc(?:ed|es)|publish(?:ed|es))\b[^.;]{0,40}?"
        r"\b(?:data|results|findings)\b",
        r"\bdemonstrated\s+(?:\w+\s+){0,2}(?:safety|efficacy|responses?|tolerability)\b",
        r"\b(?:disease control|overall response|objective response|complete response) rate\b",
    ),
    "trial_halted": (
        r"\b(?:paus|halt|suspend|stopp|discontinu|terminat)\w*\b[^.;]{0,60}?\b(?:trial|study|dosing|"
        r"enrol(?:l)?ment)\b",
        r"\b(?:trial|study|dosing|enrol(?:l)?ment)\b[^.;]{0,40}?\b(?:paused|halted|suspended|"
        r"stopped|discontinued|terminated)\b",
    ),
    "funding": (
        r"\b(?:rais(?:ed|es|ing)|secur(?:ed|es)|clos(?:ed|es)|complet(?:ed|es)|receiv(?:ed|es)|"
        r"award(?:ed|s)?|grant(?:ed|s)?|obtain(?:ed|s)|provid(?:ed|es))\b[^.;]{0,80}?\b(?:funding|"
        r"financing|grants?|Series [A-F]\d?|seed round|investment round|IPO|initial public "
        r"offering|public offering|private placement)\b",
        r"\b(?:funding|financing|Series [A-F]\d?|seed) round\b",
        r"\bpric(?:ed|es|ing)\b[^.;]{0,40}?\b(?:initial public offering|IPO|public offering|"
        r"private placement)\b",
        r"\b(?:rais(?:ed|es)|secur(?:ed|es)|award(?:ed|s)?|grant(?:ed|s)?|receiv(?:ed|es))\b"
        r"[^.;]{0,20}?(?:[$\u20ac\u00a3\u00a5]|\b(?:EUR|USD|SEK|CHF|RMB|GBP|DKK|NOK|JPY)\s?)"
        r"\d[\d.,]*\s*(?:million|billion|m|bn)\b",
    ),
    "partnership": (
        r"\b(?:enter(?:ed|s)? into|sign(?:ed|s)?|form(?:ed|s)?|expand(?:ed|s)?|extend(?:ed|s)?|"
        r"renew(?:ed|s)?|struck|inked|announc(?:ed|es))\b[^.;]{0,80}?\b(?:collaboration|partnership|"
        r"alliance|agreement|licen[cs]ing deal|licen[cs]e deal|joint venture|co-development|"
        r"memorandum of understanding)\b",
        r"\b(?:licen[cs]ing|collaboration|partnership|supply|service|manufacturing|research|"
        r"distribution) agreement with\b",
        r"\b(?:partnered|teamed up|collaborat(?:es|ed|ing)) with\b",
    ),
    "acquisition": (
        r"\b(?:acquir(?:ed|es|e|ing)|acquisition of|merg(?:ed|er|es|ing) with|takeover of|"
        r"asset purchase|bought)\b",
    ),
    "facility": (
        r"\b(?:establish(?:ed|es|ing|ment of)?|build(?:s|ing)?|built|construct(?:ed|ing|ion of|s)?|"
        r"open(?:ed|s|ing)?|inaugurat(?:ed|es|ion of)|expand(?:ed|s|ing)?|upgrad(?:ed|es|ing)|"
        r"add(?:ed|s)|broke ground|break(?:s)? ground)\b[^.;]{0,100}?\b(?:facility|facilities|"
        r"cent(?:er|re)|manufacturing site|site|plant|hub|campus|clean ?rooms?|laborator(?:y|ies)|"
        r"headquarters)\b",
        r"\b(?:facility|facilities|cent(?:er|re)|site|plant|hub|campus|laboratory)\b[^.;]{0,60}?"
        r"\b(?:being established|being built|under construction|(?:is|was|has been|will be|"
        r"are|were)\s+(?:established|built|constructed|opened|inaugurated|expanded)|operational|"
        r"(?:is|was) (?:currently )?under ?way|(?:which|that) (?:opened|was opened|was completed))",
    ),
    "commercial_launch": (
        r"\b(?:commercial(?:ly)? (?:launch(?:ed)?|available|availability|shipments?|sales|supply)|"
        r"first commercial "
        r"(?:patient|sale|shipment|order)|reimburs(?:ed|ement)|now available|launch(?:ed|es)?)\b",
        r"\brecommended\b[^.;]{0,80}?\bfor\s+(?:routine\s+)?(?:use|reimbursement|funding)\b",
    ),
    "other": (
        r"\bcompleted (?:patient )?enrol(?:l)?ment\b|\blast patient (?:dosed|enrolled|treated)\b",
        r"\b(?:received|won|awarded)\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,3}(?:award|prize)\b",
    ),
}

# A kind listed here is taken only from a sentence that also matches its pattern.
REQUIRES: dict[str, re.Pattern[str]] = {
    "clinical_data": re.compile(
        r"\b(?:patients?|participants?|(?<!non-)(?<!pre)clinical (?:trials?|stud(?:y|ies)|data)|"
        r"efficacy|responses?|survival|remission|IIT|phase \w+)\b",
        re.IGNORECASE,
    ),
}
NOT_IN_MATCH: dict[str, re.Pattern[str]] = {
    "clinical_data": re.compile(r"\b(?:non-?clinical|pre-?clinical)\b", re.IGNORECASE),
    # "recommending approval" is a committee's opinion, not the approval.
    "marketing_approval": re.compile(r"\brecommend\w*\s+(?:\w+\s+){0,4}$", re.IGNORECASE),
}

# A sentence's clauses: a milestone's date is looked for in its own clause.
CLAUSE = re.compile(r",\s+(?:and|but|while|followed by|whereas)\b|;\s")

# When the key kind matches a sentence, the listed kinds are not taken from it too.
SUPERSEDES: dict[str, tuple[str, ...]] = {
    "trial_authorisation": ("marketing_approval", "certification", "submission_accepted"),
    "submission_accepted": ("regulatory_submission",),
    "designation": ("marketing_approval", "certification"),
    "manufacturing_authorisation": ("certification", "marketing_approval"),
    "regulatory_setback": ("trial_halted", "marketing_approval"),
    "trial_start": ("commercial_launch", "facility"),
    "facility": ("commercial_launch",),
    "certification": ("marketing_approval",),
    "funding": ("certification", "marketing_approval"),
}

COMPILED: dict[str, tuple[re.Pattern[str], ...]] = {
    kind: tuple(re.compile(p, re.IGNORECASE) for p in patterns)
    for kind, patterns in PATTERNS.items()
}

# Wording just before a trigger that makes the sentence a generality, a wish or a denial.
NOT_A_FACT = re.compile(
    r"\b(?:may|might|could|can|would|should|must|not|no|never|if|whether|sought to|seek(?:s|ing)? "
    r"to|hope(?:s|d)? to|help(?:s)?|such as|like|pending|unless|"
    r"awaiting)\b[^.;]*$",
    re.IGNORECASE,
)
IN_PROGRESS = re.compile(
    r"\b(?:is|are|am)\s+(?:\w+\s+)?(?:establishing|building|constructing|setting up|developing|"
    r"preparing)\b|\bunder ?way\b|\bunder construction\b|\bongoing\b|\bbeing (?:established|"
    r"built|constructed)\b|\bcurrently\b",
    re.IGNORECASE,
)
PLANNED = re.compile(
    r"\bwill\b|\bplan(?:s|ned)? to\b|\bexpect(?:s|ed)? to\b|\bintend(?:s|ed)? to\b|\baim(?:s|ed)? "
    r"to\b|\bset to\b|\bscheduled\b|\banticipat\w+\b|\bupcoming\b|\bnext year\b|\bto be\b|"
    r"\bprepar(?:es|ing) to\b|\bis to\b",
    re.IGNORECASE,
)


def status_of(window: str) -> str:
    """achieved, in_progress or planned, from the wording around a trigger."""
    if IN_PROGRESS.search(window):
        return "in_progress"
    if PLANNED.search(window):
        return "planned"
    return "achieved"
