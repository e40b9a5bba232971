"""What a summary page shows, computed from the record and its text: the article cut into
segments (each covered by the evidence of some milestones, or removed by the cleaner,
or plain), and a card per milestone. Pure data: the templates render it, escaped.

Cutting is linear in the text plus the spans: the boundaries of every span are sorted
once, and each segment knows the milestones covering it, so overlapping evidence shows
as segments marked for several milestones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schemas import MILESTONE_KINDS, Milestone, SummaryRecord
from schemas.v1 import KIND_FAMILIES
from service.clean import clean

# A kind's badge writes its name (never colour alone); its family (``KIND_FAMILIES`` in
# the schema) gives its colour.
STATUS_LABELS = {"achieved": "Achieved", "in_progress": "In progress", "planned": "Planned"}


def kind_label(kind: str) -> str:
    """A kind as people write it: "Trial authorisation"."""
    return kind.replace("_", " ").capitalize()


def kind_group(kind: str) -> str:
    return KIND_FAMILIES.get(kind, "other")


KINDS = [(kind, kind_label(kind)) for kind in MILESTONE_KINDS]


@dataclass(frozen=True)
class Segment:
    """A stretch of the article: ``text[start:end]``, the milestones (numbered from 1)
    whose evidence covers it, and whether the cleaner removed it (and why)."""

    start: int
    text: str
    milestones: tuple[int, ...] = ()
    removed: str | None = None
    first_of: tuple[int, ...] = ()  # the milestones whose evidence begins here

    @property
    def kind_class(self) -> str:
        return "multi" if len(self.milestones) > 1 else ""


@dataclass(frozen=True)
class Card:
    """A milestone as a card: its number, fields, and how it was found."""

    number: int
    milestone: Milestone
    label: str
    group: str
    status: str
    fuzzy: bool
    in_boilerplate: bool

    @property
    def kind(self) -> str:
        return self.milestone.kind

    @property
    def fields(self) -> list[tuple[str, str]]:
        m = self.milestone
        shown = [
            ("Organisation", m.organisation),
            ("Authority", m.authority),
            ("Jurisdiction", m.jurisdiction),
            ("Product", m.product),
            ("Indication", m.indication),
            ("Date", m.date),
        ]
        return [(name, value) for name, value in shown if value]


@dataclass(frozen=True)
class SummaryView:
    """Everything a summary page shows."""

    id: str | None
    record: SummaryRecord
    text: str | None
    segments: list[Segment]
    cards: list[Card]
    removed: int  # lines the cleaner removed
    meta: list[tuple[str, str]]
    subjects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def degraded(self) -> bool:
        return self.record.meta.degraded


def build_view(
    summary_id: str | None,
    record: SummaryRecord,
    text: str | None,
    subjects: list[dict[str, Any]] | None = None,
) -> SummaryView:
    """The page's data for a summary and the text its spans refer to (CPU work linear in
    the text: run it off the event loop for a long one)."""
    milestones = record.summary.milestones
    removals = clean(text).removed if text else ()
    spans = [
        (m.evidence_span.start, m.evidence_span.end)
        if text is not None and m.evidence_span.end <= len(text)
        else None
        for m in milestones
    ]
    cards = [
        Card(
            number=n,
            milestone=m,
            label=kind_label(m.kind),
            group=kind_group(m.kind),
            status=STATUS_LABELS.get(m.status, m.status),
            fuzzy=m.alignment == "fuzzy",
            in_boilerplate=_overlaps(spans[n - 1], [(r.start, r.end) for r in removals]),
        )
        for n, m in enumerate(milestones, start=1)
    ]
    segments = cut(text, spans, [(r.start, r.end, r.reason) for r in removals]) if text else []
    return SummaryView(
        id=summary_id,
        record=record,
        text=text,
        segments=segments,
        cards=cards,
        removed=len(removals),
        meta=meta_rows(record),
        subjects=subjects or [],
    )


def _overlaps(span: tuple[int, int] | None, ranges: list[tuple[int, int]]) -> bool:
    return span is not None and any(a < span[1] and span[0] < b for a, b in ranges)


def cut(
    text: str,
    spans: list[tuple[int, int] | None],
    removals: list[tuple[int, int, str]],
) -> list[Segment]:
    """The text in segments at every boundary of a span or a removed line. ``spans[i]``
    is milestone i+1's evidence (None: not in this text)."""
    events: list[tuple[int, int, int, str | None]] = []  # (offset, +1 open / -1 close, who)
    for i, span in enumerate(spans, start=1):
        if span is not None and span[0] < span[1]:
            events += [(span[0], 1, i, None), (span[1], -1, i, None)]
    for start, end, reason in removals:
        if start < end:
            events += [(start, 1, 0, reason), (end, -1, 0, reason)]
    events.sort(key=lambda e: (e[0], e[1]))
    bounds = sorted({0, len(text), *(e[0] for e in events)})
    open_milestones: dict[int, None] = {}  # insertion-ordered set
    removed_open: list[str] = []
    segments: list[Segment] = []
    k = 0
    for a, b in zip(bounds, bounds[1:], strict=False):
        beginning: list[int] = []
        while k < len(events) and events[k][0] == a:
            _, step, who, why = events[k]
            if who == 0:
                if step > 0:
                    removed_open.append(why or "")
                elif (why or "") in removed_open:
                    removed_open.remove(why or "")
            elif step > 0:
                open_milestones[who] = None
                beginning.append(who)
            else:
                open_milestones.pop(who, None)
            k += 1
        if a < b:
            segments.append(
                Segment(
                    start=a,
                    text=text[a:b],
                    milestones=tuple(sorted(open_milestones)),
                    removed=removed_open[-1] if removed_open else None,
                    first_of=tuple(sorted(beginning)),
                )
            )
    return segments


def meta_rows(record: SummaryRecord) -> list[tuple[str, str]]:
    """How the summary was made, as label and value."""
    meta = record.meta
    rows = [("Engine", meta.engine)]
    if meta.model:
        rows.append(("Model", meta.model))
    rows += [
        ("Prompt", meta.prompt_version),
        ("Answers", str(meta.attempts)),  # schema v1 names them attempts
        ("HTTP requests", str(meta.requests)),
        (
            "Tokens",
            f"{meta.usage.total_tokens:,} ({meta.usage.prompt_tokens:,} in, "
            f"{meta.usage.completion_tokens:,} out)",
        ),
        ("Latency", f"{meta.latency_ms:,.0f} ms"),
        ("Cached", "yes" if meta.cached else "no"),
        ("Made", meta.created_at),
    ]
    if meta.degraded:
        rows.append(("Degraded", meta.degraded_reason or "the fallback engine answered"))
    return rows
