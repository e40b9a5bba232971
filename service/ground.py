"""Ground: locate each milestone's evidence in the text the caller sent.

Runs after validation, which has already checked that every quote aligns. The output's
``evidence`` is the article's own text at ``evidence_span``; ``alignment`` says whether
the model's quote matched it exactly (after normalisation) or fuzzily.
"""

from __future__ import annotations

from schemas import ArticleSummary, EvidenceSpan, Extraction, Milestone
from service.article import PreparedArticle
from service.errors import ExtractionFailed


def ground(extraction: Extraction, context: PreparedArticle) -> ArticleSummary:
    """The grounded summary: every milestone with its evidence span and alignment."""
    original = context.cleaned.original
    milestones = []
    for i, milestone in enumerate(extraction.milestones):
        span = context.locate(milestone.evidence)
        if span is None:  # validation lets no such answer through; refuse rather than guess
            raise ExtractionFailed(
                "a milestone's evidence could not be located in the article",
                [f"milestones.{i}.evidence: not found in the article"],
            )
        fields = milestone.model_dump()
        fields["evidence"] = original[span.start : span.end]
        milestones.append(
            Milestone.model_validate(
                {
                    **fields,
                    "evidence_span": EvidenceSpan(start=span.start, end=span.end),
                    "alignment": span.alignment,
                }
            )
        )
    return ArticleSummary.model_validate(
        {**extraction.model_dump(exclude={"milestones"}), "milestones": milestones}
    )
