"""The write-up of what the reader found: the headline (the article's own title, never page
chrome), the summary (its news sentences in order), and the organisations and products
it names, each with a role, a modality and targets."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from schemas.checks import TEXT_MAX_CHARS
from service.cues import cued
from service.engines.rules.entities import without_legal_form
from service.engines.rules.page import YEAR, lead_order
from service.engines.rules.sentences import EVIDENCE_MAX_CHARS, Sentence
from service.engines.rules.titles import fits, words
from service.modality import opening_kind
from service.prose import first_word

if TYPE_CHECKING:
    from service.engines.rules.reader import ArticleReader

SUMMARY_TARGET_WORDS = 45
# At most this many products (beyond those the milestones name) and other organisations
# per article: a summary, not an index.
MAX_PRODUCTS = 50
MAX_OTHER_ORGANISATIONS = 50
# A product's modality and targets are read in this many sentences naming it, at most.
PRODUCT_CONTEXT_SENTENCES = 6


# Page chrome a title line never holds: menus, breadcrumbs and tickers, share, login and
# subscription links, labels of other stories ("Read next:", "Stock watch:").
_CHROME = cued(
    r"[|›»▶▲▼]|\s[—–]\s.*\s[—–]\s|[+-]\d+(?:\.\d+)?%|^[^/]{1,40}\s/\s[^/]{1,40}$|"
    r"\b(?:log ?in|sign (?:in|up)|subscribe|register|menu|share|newsletter|cookies?|"
    r"advertisement|home|in this (?:story|article))\b|"
    r"^\s*(?:read next|stock watch|also read|related|tags|trending|most read|more from|"
    r"sponsored|watch|video|photo)\b",
    re.IGNORECASE,
)
# A line that opens with a date or a weekday: a dateline, not a title.
_DATE_LED = cued(
    r"^\s*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|(?:mon|tue|wed|thu|fri|sat|sun)"
    r"[.,]?\s+\d|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|"
    r"\d{4}-\d{2}|(?:date|updated|published|posted)\b)",
    re.IGNORECASE,
)
HEADLINE_WITHIN = 8  # the title is among the article's first lines


def _names_the_news(reader: ArticleReader, text: str) -> bool:
    """Whether a line names an organisation, product or authority of the article."""
    return bool(
        reader.entities.organisations_in(text)
        or reader.entities.products_in(text)
        or reader.lexicon.authorities_in(text)
    )


def _plain_heading(sentence: Sentence, least: int) -> bool:
    """A heading of ``least`` to 20 words that is not page chrome: no menu, breadcrumb,
    ticker, login or label, not a masthead in capitals, not a date line."""
    words = sentence.text.split()
    if not (sentence.is_heading and least <= len(words) <= 20) or _CHROME.search(sentence.text):
        return False
    if len(words) <= 5 and YEAR.search(sentence.text):  # "14 Oct 2023", "Tokyo, 2024-09-20"
        return False
    if _DATE_LED.match(sentence.text):  # "Dec 19 (Reuters) …", "Monday 12 January 2026"
        return False
    letters = [w for w in words if any(c.isalpha() for c in w)]
    capitals = sum(1 for w in letters if w.isupper() and len(w) > 1)
    return not letters or capitals / len(letters) <= 0.6  # not "UK BIOTECH WEEKLY"


_NUMBER_WORDS = (
    "no one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()


def headline(reader: ArticleReader, milestones: list[dict[str, Any]]) -> str:
    """The article's own title, never a line of page chrome: the first plain heading
    above the first paragraph, else a heading among the first lines that names who or
    what the news is about (on a roundup page, its milestones' titles), else the main
    milestone's title, else the first sentence. A headline of our making that the
    article does not bear out (a count, a name it does not use) gives way to the
    article's first sentence: it is checked as a model's would be."""
    return _borne_out(reader, _headline(reader, milestones), 20)


def _borne_out(reader: ArticleReader, made: str, limit: int) -> str:
    """``made``, if the article bears it out as a model's answer is checked; else the
    article's first sentence that passes, else its first word (which always does)."""
    explain = reader.request.prepared.explain_prose
    if explain(made) is None:
        return made
    for sentence in lead_order(reader.news_sentences()) or reader.sentences:
        own = words(sentence.text, limit)
        if explain(own) is None:
            return own
    return first_word(reader.text) or made


def _headline(reader: ArticleReader, milestones: list[dict[str, Any]]) -> str:
    in_order = reader.news_sentences()
    for sentence in in_order:
        if not sentence.is_heading:
            break
        if _plain_heading(sentence, 5):
            return words(sentence.text, 20)
    heads = {name for name in reader.sections if name is not None}
    if len(heads) > 1 and len({m["organisation"] for m in milestones} & heads) > 1:
        # A roundup with no title of its own: its items' news, not one item's head.
        more = len(milestones) - 1
        items = "item" if more == 1 else "items"
        # A count in words: a figure the article does not give would not be its own.
        count = _NUMBER_WORDS[more] if more < len(_NUMBER_WORDS) else str(more)
        return words(f"Roundup: {milestones[0]['title']} and {count} more {items}", 20)
    for sentence in lead_order(in_order)[:HEADLINE_WITHIN]:
        if _plain_heading(sentence, 4) and _names_the_news(reader, sentence.text):
            return words(sentence.text, 20)
    if milestones:  # who, then what and from whom: "Solvaris: Complete response letter …"
        main, title = milestones[0], str(milestones[0]["title"])
        who = without_legal_form(main["organisation"])
        return words(title if who in title else f"{who}: {title}", 20)
    prose = [s for s in lead_order(in_order) if not s.is_heading]
    return words(prose[0].text, 20) if prose else "Article"


def summary(reader: ArticleReader, milestones: list[dict[str, Any]]) -> str:
    chosen: list[str] = []
    for text in [m["evidence"] for m in milestones] + [
        s.text for s in lead_order(reader.news_sentences()) if not s.is_heading
    ]:
        if text not in chosen:
            chosen.append(text)
        if len(" ".join(chosen).split()) >= SUMMARY_TARGET_WORDS:
            break
    # In the article's order (a sentence opening with a condition never first).
    chosen.sort(key=lambda t: (opening_kind(t) is not None, _position(reader.text, t)))
    joined = _RUN_TOGETHER.sub(r"\1 \2", " ".join(chosen))  # "review.The company" → apart
    return _borne_out(reader, words(joined, 80, TEXT_MAX_CHARS) if chosen else "No summary.", 80)


def _position(text: str, sentence: str) -> int:
    found = text.find(sentence)
    return found if found >= 0 else len(text)


# A sentence run into the next without a space, as pages often print them.
_RUN_TOGETHER = cued(r"(?<=[a-z0-9)\]%])([.!?])([A-Z][a-z])")


def organisations(reader: ArticleReader, milestones: list[dict[str, Any]]) -> list[dict[str, str]]:
    roles: dict[str, str] = {}
    for m in milestones:
        if m["authority"]:
            known = reader.lexicon.authority(m["authority"])
            roles.setdefault(m["authority"], known.role if known else "regulator")
        name = m["organisation"]
        if name == m["product"]:
            continue  # no one named: the milestone stands by its product, no organisation
        if m["kind"] == "funding" and reader.lexicon.authority(name):
            roles.setdefault(name, "funder")
        roles.setdefault(name, "academic" if name in reader.entities.academic else "developer")
    named = len(roles)
    for name in reader.entities.organisations:
        if len(roles) - named >= MAX_OTHER_ORGANISATIONS:
            break
        if name in reader.entities.academic:
            roles.setdefault(name, "academic")
        roles.setdefault(name, "partner" if name in reader.entities.listed else "other")
    return [{"name": name, "role": role} for name, role in roles.items() if fits(name)]


def products(reader: ArticleReader, milestones: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The products of the milestones, and others the article names (up to
    ``MAX_PRODUCTS`` in all), in the order the article names them."""
    developers: dict[str, str] = {}
    for m in milestones:
        if m["product"] is not None and m["organisation"] != m["product"]:
            developers.setdefault(m["product"], m["organisation"])
    names = [name for name in reader.entities.products if fits(name)]
    room = MAX_PRODUCTS - sum(1 for name in names if name in developers)
    others = {name for name in names if name not in developers}
    others = set([name for name in names if name in others][: max(0, room)])
    folded = [s.text.casefold() for s in reader.sentences]
    products = []
    for name in names:
        if name not in developers and name not in others:
            continue
        context = _context_of(reader, folded, name)
        made = reader.entities.developers.get(reader.entities.product_key(name))
        developer = developers.get(name) or made or reader.main
        products.append(
            {
                "name": name,
                "modality": _modality_near(reader, name, context),
                "targets": [t for t in _targets_near(reader, name, context) if fits(t)],
                "developer": developer if fits(developer) else None,
            }
        )
    return products


def _context_of(reader: ArticleReader, folded: list[str], name: str) -> str:
    """The first sentences naming a product (``folded``: the sentences case-folded),
    each with the sentence after it; none longer than evidence may be."""
    wanted = name.casefold()
    picked: list[str] = []
    naming = 0
    for i, text in enumerate(folded):
        if wanted not in text or len(text) > EVIDENCE_MAX_CHARS:
            continue
        for s in reader.sentences[i : i + 2]:
            if s.text not in picked and len(s.text) <= EVIDENCE_MAX_CHARS:
                picked.append(s.text)
        naming += 1
        if naming == PRODUCT_CONTEXT_SENTENCES:
            break
    return " ".join(picked)


def _modality_near(reader: ArticleReader, name: str, context: str) -> str:
    at = context.casefold().find(name.casefold())
    near = context[max(0, at - 120) : at + len(name) + 60] if at >= 0 else context
    return reader.lexicon.modality(near) or reader.lexicon.modality(context) or "unknown"


def _targets_near(reader: ArticleReader, name: str, context: str) -> list[str]:
    at = context.casefold().find(name.casefold())
    near = context[max(0, at - 120) : at + len(name) + 60] if at >= 0 else ""
    targets: list[str] = []
    for mention in reader.lexicon.targets_in(near):
        if mention.text not in targets:
            targets.append(mention.text)
    return targets
