"""What boilerplate looks like: the patterns the cleaner reads, kept apart from its logic.

Each pattern is matched against one line, lower-cased: write patterns in lower case.
"""

from __future__ import annotations

import re

# A line matching one of these is boilerplate wherever it stands, if it is no longer
# than STRONG_MAX_WORDS (so a real paragraph that mentions "subscribe" is never dropped).
STRONG: dict[str, tuple[str, ...]] = {
    "advert": (
        r"^\s*(advertisement|advertising|sponsored content|sponsored|paid content|ad)\s*$",
        r"^\s*(story|article) continues (below|after (the )?(ad|advertisement))\s*\.?\s*$",
    ),
    "link": (
        r"^\s*(read|read more|read also|also read|see also|related|related article|"
        r"recommended|more|watch|listen|click here)\s*[:>|\u00bb]",
        r"^\s*click here\b",
    ),
    "subscription": (
        r"^\s*(subscribe|sign up|sign in|log ?in|log out|register)\b.{0,80}$",
        r"\b(subscribe to our newsletter|subscribe now|already a subscriber|"
        r"become a (member|subscriber)|free trial)\b",
        r"\b(paywall|premium content|members only)\b",
    ),
    "login": (
        r"\b(password|verification code|resend (the )?code|spam folder|account email|"
        r"forgot your|6-digit code)\b",
    ),
    "footer": (
        r"\bfollow (us|[\w.&'-]+( [\w.&'-]+){0,3}) on (google news|twitter|x|facebook|linkedin|"
        r"instagram|threads|bluesky|youtube)\b",
        r"^\s*for the latest news\b",
        r"\ball rights reserved\b",
        r"^\s*(©|\(c\)|copyright)\s*\d{4}",
        r"\b(cookie (policy|settings|preferences)|we use cookies|privacy policy|"
        r"terms (and|&) conditions|terms of (use|service))\b",
        r"^\s*(share|share this|share on|print|email this|tweet)\s*(article|story)?\s*:?\s*$",
    ),
}
STRONG_MAX_WORDS = 40

# Words of site navigation. At the top or bottom of a page, a dense block of short lines
# with these is a menu or a login form, and is removed as a whole.
NAVIGATION_CUES = (
    r"^\s*(explore|read|browse|watch|listen|download|view|access|discover|join|find|meet|"
    r"engage|hear|review|understand|stay (informed|updated|up to date|connected)|keep track|"
    r"get the latest|subscribe|sign|log|register|enter your|set a new|search|follow|"
    r"contact|visit our|check your)\b",
    r"\b(subscribe|subscription|newsletters?|magazines?|digital (version|edition)|webinars?|"
    r"podcasts?|videos?|e-?books?|white ?papers?|brochures?|glossary|calendar|events|"
    r"advertis\w*|sponsored|personal data|privacy|terms and conditions|editorial standards|"
    r"press releases|company profiles|searching|log ?in|sign ?(in|up)|password|e-?mail|"
    r"account|verification|menu|contact us|about us|careers)\b",
)
NAVIGATION_MIN_CUES = 3
NAVIGATION_MIN_DENSITY = 0.5

# A heading that opens the legal small print (forward-looking statements, safe harbour,
# disclaimers): it and its paragraphs go, up to the next heading ("About …", "Contact").
DISCLAIMER_HEADING = (
    r"^\s*(forward[- ]looking statements?|cautionary (note|statement)s?( regarding [\w -]+)?|"
    r"safe harbou?r( statement)?|disclaimer|legal notice)\s*:?\s*$",
)
# A paragraph of such small print without its heading.
DISCLAIMER_OPENING = (
    r"^\s*(this (press )?release|this (announcement|document|communication)) (contains|may "
    r"contain|includes) forward[- ]looking\b",
)

# A heading that introduces a list of other stories.
HEADLINE_LIST_HEADING = (
    r"^\s*(related|related (news|articles|stories|content|posts|links|coverage)|"
    r"more (news|stories|from [\w ]+|[\w ]+ coverage)|read next|"
    r"latest (news|stories)|recommended( for you)?|you (may|might) also like|trending( now)?|"
    r"most (read|popular)|popular (stories|now)|top stories|further reading|in other news)"
    r"\s*:?\s*$",
)
HEADLINE_LIST_MIN_LINES = 3

# Lines that are never taken for a headline of another story: they date, sign or
# structure the article itself.
NOT_A_HEADLINE = (
    r"^\s*(published|updated|posted|by|written by|source|photo|image|credit|caption)\b",
    r"^\s*[-*\u2022\u25aa\u25cf\u2013\u2014>]\s",
    r"^\s*\d+[.)]\s",
    r"^\s*(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(tember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?)\.? \d{1,2},? \d{4}\s*$",
)

# A paragraph: a line at least this long is article prose, and bounds the edge regions.
PARAGRAPH_MIN_WORDS = 30


class AnyOf:
    """Where any of some patterns matches a lower-cased line: ``search`` gives the first
    match found, or None.

    The patterns are written in lower case and matched against lower-cased text: that
    keeps the regex engine's first-character optimisation, which IGNORECASE turns off.
    Those anchored at the line's start (``^``) are one regex, the others another: in
    one alternation, the anchored ones turn off the engine's scan for where a match
    can begin, and every line cost about four times as much."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        groups = (
            [p for p in patterns if p.startswith("^")],
            [p for p in patterns if not p.startswith("^")],
        )
        self._regexes = [re.compile("|".join(f"(?:{p})" for p in g)) for g in groups if g]

    def search(self, text: str) -> re.Match[str] | None:
        for regex in self._regexes:
            if (found := regex.search(text)) is not None:
                return found
        return None


def compile_any(patterns: tuple[str, ...]) -> AnyOf:
    """One matcher for where any of ``patterns`` would match a lower-cased line."""
    return AnyOf(patterns)
