"""What the schema's validators share, whatever the version: size and word limits,
partial dates and their bounds, country codes, and the article the validation context
carries (so that an answer is checked against the text it quotes)."""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import Annotated, Protocol, runtime_checkable

from pydantic import StringConstraints, ValidationInfo

NAME_MAX_CHARS = 300
TEXT_MAX_CHARS = 2000
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_CHARS)
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_MAX_CHARS)
]

HEADLINE_MAX_WORDS = 20
SUMMARY_MAX_WORDS = 80
TITLE_MAX_WORDS = 15

_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
# The years a date may name (a milestone's, a publication's, a list's bound): outside
# them a date is a mistake (a year-1 or year-9999 default, say), never news.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

# ISO 3166-1 alpha-2, officially assigned codes.
ISO_3166_ALPHA2 = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
    """.split()
)


@runtime_checkable
class ArticleContext(Protocol):
    """What the validators need to know of the article the answer is about."""

    @property
    def published_at(self) -> date | None:
        """The publication date, when the caller gave one."""

    def explain_quote(self, quote: str) -> str | None:
        """None when the quote aligns with the article, else why it does not."""

    def mentions(self, name: str) -> bool:
        """Whether the article contains this name (after normalisation)."""

    def claim_kind(self, quote: str) -> str | None:
        """None when the article states the quote as fact; else what the quote stands in:
        "instruction", "supposition" or "condition"."""

    def explain_prose(self, text: str) -> str | None:
        """None when a headline or summary is grounded in the article (its names and
        figures in it, most of its words the article's, no debris), else why not."""


ARTICLE_KEY = "article"


# Classes seen to be ArticleContexts: checking a runtime protocol walks its members on
# every isinstance call, and the validators ask once per field of every answer.
_CONTEXT_CLASSES: set[type] = set()


def article_from(info: ValidationInfo) -> ArticleContext | None:
    """The article carried by the validation context, if any."""
    context = info.context
    if isinstance(context, dict):
        article = context.get(ARTICLE_KEY)
        if type(article) in _CONTEXT_CLASSES:
            return article
        if isinstance(article, ArticleContext):
            _CONTEXT_CLASSES.add(type(article))
            return article
    return None


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of non-space characters."""
    return len(text.split())


def limit_words(text: str, limit: int, what: str) -> str:
    n = word_count(text)
    if n > limit:
        raise ValueError(f"{what} has {n} words; write at most {limit} words")
    return text


def check_mentioned(value: str | None, info: ValidationInfo, what: str) -> None:
    article = article_from(info)
    if value is not None and article is not None and not article.mentions(value):
        raise ValueError(
            f"{what} {value!r} does not occur in the article. Write the name exactly as the "
            f"article writes it, or leave it out."
        )


def check_prose(value: str, info: ValidationInfo, what: str) -> None:
    article = article_from(info)
    problem = article.explain_prose(value) if article is not None else None
    if problem is not None:
        raise ValueError(
            f"{what} is not grounded in the article ({problem}). Write it from the "
            "article's own facts, never from these instructions."
        )


def parse_partial_date(value: str) -> tuple[int, int | None, int | None]:
    """Split a YYYY, YYYY-MM or YYYY-MM-DD date, checking it is a real calendar date."""
    match = _DATE.match(value)
    if not match:
        raise ValueError(
            f"date {value!r} is not ISO 8601 at the article's precision: use YYYY, YYYY-MM "
            "or YYYY-MM-DD, or null when the article gives no date"
        )
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(
            f"date {value!r} is outside the years {EARLIEST_YEAR}-{LATEST_YEAR} a date may name"
        )
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"date {value!r} has no month {month}")
    if month is not None and day is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise ValueError(f"date {value!r} is not a calendar date (that month has {last} days)")
    return year, month, day


def is_after(value: str, limit: date) -> bool:
    """Whether a partial date lies wholly after ``limit`` at its own precision."""
    year, month, day = parse_partial_date(value)
    if month is None:
        return year > limit.year
    if day is None:
        return (year, month) > (limit.year, limit.month)
    return date(year, month, day) > limit
