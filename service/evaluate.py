"""Evaluate: score summaries against a gold file, per article and overall.

Gold format, JSON Lines, one article per line::

    {"article": "000_x.txt", "published_at": null,
     "milestones": [{"kind": "certification", "key": true,
                     "organisation": ["Immunicum AB", "Immunicum"],
                     "authority": ["European Medicines Agency", "EMA"],
                     "product": "ilixadencel", "date": null, "jurisdiction": "EU"}]}

Each name field is a string, a list of accepted variants, or null for "not checked".
``key`` marks the milestones the article is about (default true).

A predicted milestone matches a gold one when:

- the kinds are equal;
- ``organisation``, ``product`` and ``authority``, where the gold gives them, match one
  accepted variant: equal after normalisation, or one contains the other as whole words
  ("Immunicum" ~ "Immunicum AB"), or both name the same authority in the lexicon
  ("EMA" ~ "European Medicines Agency");
- ``date``, where the gold gives one, is given and agrees at the coarser precision
  ("2025-03" ~ "2025-03-21");
- ``jurisdiction``, where the gold gives one, is equal.

A gold milestone may give ``details`` (schema v2's, with amounts as ``{"value": …,
"currency": …}``): on each matched pair whose gold gives them, every detail the gold
states counts for detail recall (found when the prediction states the same value), and
every detail the prediction states counts for detail precision (right when the gold
states the same value; a detail the gold leaves out is wrong there: the gold's details
are all the article states).

Matching is one to one, greedy, in the gold's order. Precision counts every predicted
milestone (matching a key or another gold milestone); recall is given for all gold
milestones and for key ones. Grounded: the share of predicted milestones whose evidence
is the text at their span. Boilerplate: how many predicted evidence spans overlap lines
the cleaner removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas import Milestone, SummaryRecord
from service.align import normalise
from service.clean import clean
from service.engines.rules.lexicon import load_lexicon
from service.errors import InputError


@dataclass(frozen=True)
class GoldMilestone:
    """An expected milestone and the variants accepted for each field."""

    kind: str
    key: bool
    organisation: tuple[str, ...] | None
    authority: tuple[str, ...] | None
    product: tuple[str, ...] | None
    date: str | None
    jurisdiction: str | None
    details: dict[str, Any] | None = None  # checked when given

    def describe(self) -> str:
        who = self.organisation[0] if self.organisation else "?"
        what = f" {self.product[0]}" if self.product else ""
        return f"{self.kind} {who}{what} {self.date or ''}".strip()


@dataclass(frozen=True)
class GoldArticle:
    article: str
    milestones: tuple[GoldMilestone, ...]


def _variants(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(value) if isinstance(value, list) else (str(value),)


def load_gold(path: Path) -> list[GoldArticle]:
    """Read a gold file, refusing malformed lines with their number."""
    articles = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            milestones = tuple(
                GoldMilestone(
                    kind=m["kind"],
                    key=bool(m.get("key", True)),
                    organisation=_variants(m.get("organisation")),
                    authority=_variants(m.get("authority")),
                    product=_variants(m.get("product")),
                    date=m.get("date"),
                    jurisdiction=m.get("jurisdiction"),
                    details=m.get("details"),
                )
                for m in raw["milestones"]
            )
            articles.append(GoldArticle(raw["article"], milestones))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise InputError(f"{path}:{n}: not a gold line ({error})") from error
    return articles


def _norm(name: str) -> str:
    return normalise(name).stripped.strip(".,;:()[]'\"")


def _contains_words(outer: str, inner: str) -> bool:
    padded = f" {outer} "
    return bool(inner) and f" {inner} " in padded


def same_name(predicted: str | None, accepted: tuple[str, ...] | None) -> bool:
    """Whether a predicted name matches one of the accepted variants."""
    if accepted is None:
        return True
    if predicted is None:
        return False
    lexicon = load_lexicon()
    p = _norm(predicted)
    known = lexicon.authority(predicted)
    for variant in accepted:
        g = _norm(variant)
        if p == g or _contains_words(p, g) or _contains_words(g, p):
            return True
        if known is not None and lexicon.authority(variant) is known:
            return True
    return False


def same_date(predicted: str | None, gold: str | None) -> bool:
    if gold is None:
        return True
    return predicted is not None and (predicted.startswith(gold) or gold.startswith(predicted))


def matches(predicted: Milestone, gold: GoldMilestone) -> bool:
    """The matching rule of the module docstring."""
    return (
        predicted.kind == gold.kind
        and same_name(predicted.organisation, gold.organisation)
        and same_name(predicted.product, gold.product)
        and same_name(predicted.authority, gold.authority)
        and same_date(predicted.date, gold.date)
        and (gold.jurisdiction is None or predicted.jurisdiction == gold.jurisdiction)
    )


def _detail_value(value: Any) -> Any:
    """A detail as compared: an amount by value and currency, a list as a set of names."""
    if isinstance(value, dict):
        return (round(float(value.get("value", 0)), 2), value.get("currency"))
    if isinstance(value, list):
        return frozenset(_norm(str(v)) for v in value)
    return value


def score_details(predicted: Milestone, gold: GoldMilestone) -> tuple[int, int, int, int]:
    """(details the gold states, those the prediction states alike, details the
    prediction states, those the gold states alike) for a matched pair."""
    if gold.details is None:
        return 0, 0, 0, 0
    details = getattr(predicted, "details", None)
    said: dict[str, Any] = details.model_dump(mode="json", exclude_defaults=True) if details else {}
    wanted = {k: v for k, v in gold.details.items() if v not in (None, [], {})}
    found = sum(
        1 for k, v in wanted.items() if k in said and _detail_value(said[k]) == _detail_value(v)
    )
    right = sum(
        1 for k, v in said.items() if k in wanted and _detail_value(wanted[k]) == _detail_value(v)
    )
    return len(wanted), found, len(said), right


@dataclass
class ArticleScore:
    """How one article's summary compares with its gold."""

    article: str
    predicted: int = 0
    gold: int = 0
    gold_key: int = 0
    matched: int = 0
    matched_key: int = 0
    grounded: int = 0
    in_boilerplate: int = 0
    details_gold: int = 0  # details the gold states, on matched milestones
    details_found: int = 0
    details_predicted: int = 0  # details predicted, on matched milestones the gold details
    details_right: int = 0
    missed: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    error: str | None = None


def score_article(
    gold: GoldArticle, record: SummaryRecord | None, text: str | None
) -> ArticleScore:
    """Score one article; a missing record counts every gold milestone as missed."""
    score = ArticleScore(gold.article, gold=len(gold.milestones))
    score.gold_key = sum(m.key for m in gold.milestones)
    predicted = list(record.summary.milestones) if record else []
    score.predicted = len(predicted)
    cleaned = clean(text) if text is not None else None
    for m in predicted:
        span = m.evidence_span
        if text is not None and text[span.start : span.end] == m.evidence:
            score.grounded += 1
        if cleaned is not None and cleaned.in_boilerplate(span.start, span.end):
            score.in_boilerplate += 1
    free = list(range(len(predicted)))
    for g in gold.milestones:
        hit = next((i for i in free if matches(predicted[i], g)), None)
        if hit is None:
            score.missed.append(("key: " if g.key else "") + g.describe())
            continue
        free.remove(hit)
        score.matched += 1
        score.matched_key += g.key
        stated, found, said, right = score_details(predicted[hit], g)
        score.details_gold += stated
        score.details_found += found
        score.details_predicted += said
        score.details_right += right
    score.unmatched = [
        f"{predicted[i].kind} {predicted[i].organisation} {predicted[i].date or ''}".strip()
        for i in free
    ]
    return score


@dataclass
class EvalReport:
    """Scores per article, and the overall figures."""

    articles: list[ArticleScore]

    def _sum(self, name: str) -> int:
        return sum(int(getattr(a, name)) for a in self.articles)

    @staticmethod
    def _ratio(part: int, whole: int) -> float | None:
        return round(part / whole, 3) if whole else None

    def overall(self) -> dict[str, Any]:
        predicted, matched = self._sum("predicted"), self._sum("matched")
        return {
            "articles": len(self.articles),
            "predicted": predicted,
            "gold": self._sum("gold"),
            "gold_key": self._sum("gold_key"),
            "matched": matched,
            "precision": self._ratio(matched, predicted),
            "recall": self._ratio(matched, self._sum("gold")),
            "key_recall": self._ratio(self._sum("matched_key"), self._sum("gold_key")),
            "grounded_share": self._ratio(self._sum("grounded"), predicted),
            "in_boilerplate": self._sum("in_boilerplate"),
            "failed": sum(a.error is not None for a in self.articles),
            "details_gold": self._sum("details_gold"),
            "detail_precision": self._ratio(
                self._sum("details_right"), self._sum("details_predicted")
            ),
            "detail_recall": self._ratio(self._sum("details_found"), self._sum("details_gold")),
        }

    def per_article(self) -> list[dict[str, Any]]:
        return [
            {
                "article": a.article,
                "predicted": a.predicted,
                "gold": a.gold,
                "matched": a.matched,
                "precision": self._ratio(a.matched, a.predicted),
                "recall": self._ratio(a.matched, a.gold),
                "key_recall": self._ratio(a.matched_key, a.gold_key),
                "in_boilerplate": a.in_boilerplate,
                "missed": a.missed,
                "unmatched": a.unmatched,
                **({"error": a.error} if a.error else {}),
            }
            for a in self.articles
        ]


def evaluate(
    gold: list[GoldArticle],
    records: Iterable[SummaryRecord],
    articles_dir: Path | None,
    errors: dict[str, str] | None = None,
) -> EvalReport:
    """Score ``records`` (matched to gold by file name) against ``gold``."""
    by_name = {Path(r.source or "").name: r for r in records}
    scores = []
    for g in gold:
        path = (articles_dir / g.article) if articles_dir else None
        text = path.read_text(encoding="utf-8") if path and path.is_file() else None
        score = score_article(g, by_name.get(g.article), text)
        if g.article not in by_name:
            score.error = (errors or {}).get(g.article, "no summary for this article")
        scores.append(score)
    return EvalReport(scores)


def read_records(path: Path) -> list[SummaryRecord]:
    """JSON Lines records as ``milestones summarise --json`` writes them."""
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(SummaryRecord.model_validate_json(line))
            except ValueError as error:
                raise InputError(f"{path}:{n}: not a summary record ({error})") from error
    return records
