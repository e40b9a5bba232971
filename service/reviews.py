"""Editors' reviews of a summary, and the gold set they make.

A review is an editor's whole judgement of one summary at a time: a verdict on every
milestone (correct or wrong), corrections to the fields of a correct one, and the
milestones the engine missed, each with its evidence selected in the article. The
latest review of a summary is its current one. ``gold_line`` turns a reviewed summary
into a line of the gold format ``milestones eval`` reads, so a newsroom's corrections
become its evaluation set.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schemas import EvidenceSpan, SummaryRecord
from schemas.v1 import ExtractedMilestone, MilestoneKind, Status
from service.errors import InvalidRequest
from service.validate import describe_errors

if TYPE_CHECKING:
    from service.store import Store

Verdict = Literal["correct", "wrong"]
# The fields of a milestone an editor can correct (the evidence is the article's words).
Editable = Literal[
    "kind",
    "status",
    "title",
    "date",
    "organisation",
    "authority",
    "jurisdiction",
    "product",
    "indication",
]
EDITABLE: tuple[str, ...] = get_args(Editable)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MilestoneVerdict(_Strict):
    """What an editor says of one milestone of the summary."""

    index: int = Field(ge=0, description="The milestone's place in summary.milestones (0-based).")
    verdict: Verdict = Field(description="correct (with any edits) or wrong (not in gold).")
    edits: dict[Editable, str | None] | None = Field(
        default=None,
        description="Corrected fields of a correct one, by name: a field left out is "
        "unchanged, null clears it; the result must be a valid milestone.",
    )


class AddedMilestone(_Strict):
    """A milestone the engine missed, with its evidence selected in the article."""

    kind: MilestoneKind = Field(description="What kind of milestone.")
    status: Status = Field(default="achieved", description="As the article states it.")
    title: str = Field(min_length=1, description="What happened, in a few words.")
    date: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD.")
    organisation: str = Field(min_length=1, description="Who reached the milestone.")
    authority: str | None = Field(default=None, description="The regulator or funder.")
    jurisdiction: str | None = Field(default=None, description="ISO 3166-1 alpha-2, or EU.")
    product: str | None = Field(default=None, description="The product concerned.")
    indication: str | None = Field(default=None, description="The disease or use.")
    evidence_span: EvidenceSpan = Field(
        description="Where the evidence stands in the summary's text: text[start:end]."
    )


class ReviewIn(_Strict):
    """A review: a verdict on every milestone, and the milestones the engine missed."""

    verdicts: list[MilestoneVerdict] = Field(
        description="One verdict for each milestone of the summary, by index."
    )
    added: list[AddedMilestone] = Field(
        default_factory=list, description="Milestones the engine missed."
    )
    note: str | None = Field(default=None, max_length=2000, description="A remark, if any.")

    @model_validator(mode="after")
    def _one_verdict_each(self) -> ReviewIn:
        indexes = [v.index for v in self.verdicts]
        if len(indexes) != len(set(indexes)):
            raise ValueError("a milestone has two verdicts: give one verdict per index")
        return self


class ReviewPublic(ReviewIn):
    """A stored review: who gave it and when."""

    id: int = Field(description="The review's number.")
    summary_id: str = Field(description="The summary reviewed.")
    reviewer: str = Field(description="The name of the API key it was given with.")
    created_at: datetime = Field(description="When it was given.")


def check(review: ReviewIn, record: SummaryRecord, text: str | None) -> None:
    """InvalidRequest listing what does not fit the summary: a verdict for every milestone
    and none other; corrected and added milestones valid by the schema; an added one's
    evidence a non-empty span of the summary's text."""
    errors: list[str] = []
    count = len(record.summary.milestones)
    given = {v.index for v in review.verdicts}
    if given != set(range(count)):
        missing = sorted(set(range(count)) - given)
        extra = sorted(given - set(range(count)))
        errors.append(
            f"verdicts: give one for each of the {count} milestones (index 0 to {count - 1})"
            + (f"; missing {missing}" if missing else "")
            + (f"; no milestone {extra}" if extra else "")
        )
    for i, milestone in enumerate(reviewed(review, record, text, errors)):
        problem = _schema_problem(milestone)
        if problem:
            errors.append(f"milestone {i}: {problem}")
    if errors:
        raise InvalidRequest("the review does not fit the summary: " + "; ".join(errors), errors)


def reviewed(
    review: ReviewIn, record: SummaryRecord, text: str | None, errors: list[str] | None = None
) -> list[dict[str, Any]]:
    """The milestones the review says the article states: the correct ones with their
    corrections, then the added ones with their evidence."""
    found: list[dict[str, Any]] = []
    milestones = record.summary.milestones
    for verdict in sorted(review.verdicts, key=lambda v: v.index):
        if verdict.verdict != "correct" or verdict.index >= len(milestones):
            continue
        fields = milestones[verdict.index].model_dump(include={*EDITABLE, "evidence"})
        for name, value in (verdict.edits or {}).items():
            fields[name] = value
        found.append(fields)
    for n, added in enumerate(review.added):
        span = added.evidence_span
        if text is None or not 0 <= span.start < span.end <= len(text):
            if errors is not None:
                where = "the article text was not kept" if text is None else "out of the text"
                errors.append(f"added {n}: evidence_span {span.start}:{span.end} is {where}")
            continue
        fields = added.model_dump(include=set(EDITABLE))
        found.append(fields | {"evidence": text[span.start : span.end]})
    return found


def _schema_problem(fields: dict[str, Any]) -> str | None:
    try:
        ExtractedMilestone.model_validate(fields)
    except ValidationError as error:
        return "; ".join(describe_errors(error, "milestone"))
    return None


def gold_line(article: str, record: SummaryRecord, review: ReviewIn, text: str) -> dict[str, Any]:
    """The gold line of a reviewed summary, its article in the file ``article``. Every
    milestone the review keeps is a key one; a name is matched as the editor wrote it."""

    def variants(name: str | None) -> list[str] | None:
        return [name] if name else None

    return {
        "article": article,
        "milestones": [
            {
                "kind": m["kind"],
                "key": True,
                "organisation": variants(m["organisation"]),
                "authority": variants(m.get("authority")),
                "product": variants(m.get("product")),
                "date": m.get("date"),
                "jurisdiction": m.get("jurisdiction"),
            }
            for m in reviewed(review, record, text)
        ],
    }


def export_gold(store: Store, out: Path, articles: Path) -> tuple[int, list[str]]:
    """Write every summary's current review as a gold line to ``out``, and the text its
    spans refer to as ``articles/<summary id>.txt``; (lines written, summaries skipped
    because their text was not kept)."""
    from service.store.summaries import parsed_record

    articles.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    written, skipped = 0, []
    with out.open("w", encoding="utf-8") as gold:
        for current in store.reviews.latest():
            stored = store.summaries.get_by_id(current.summary_id)
            record = parsed_record(stored.record) if stored else None
            if stored is None or record is None or stored.text is None:
                skipped.append(current.summary_id)
                continue
            name = f"{current.summary_id}.txt"
            (articles / name).write_text(stored.text, encoding="utf-8")
            review = ReviewIn.model_validate_json(current.body)
            line = gold_line(name, record, review, stored.text)
            gold.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += 1
    return written, skipped
