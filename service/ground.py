"""Ground: locate each milestone's evidence in the text the caller sent.

One step for the two times it is needed:

- a fresh extraction (after validation, which has already checked that every quote
  aligns): each evidence is located exactly or fuzzily; ``alignment`` says which.
- a summary made before, served again (from the cache, or reused for a near-duplicate
  of its article): each evidence, being the earlier article's own text, must be found
  again word for word (after normalisation) in this caller's text, or the summary is not
  served at all (None); ``alignment`` stays as it was recorded.

Either way the output's ``evidence`` is the caller's own text at ``evidence_span``
(offsets into the text exactly as sent), so ``text[start:end] == evidence`` always holds.
"""

from __future__ import annotations

from schemas import EvidenceSpan, v1
from schemas.v1 import Extraction
from schemas.v2 import ArticleSummary, Milestone
from service.article import PreparedArticle
from service.errors import ExtractionFailed


def ground(
    found: Extraction | v1.ArticleSummary, article: PreparedArticle, *, again: bool = False
) -> ArticleSummary | None:
    """The grounded summary of ``found`` in ``article`` (schema v2: each milestone with
    the details it was found with, none for an extraction of v1). ``again``: ``found``
    was grounded in an earlier text; None when any of its evidence is not in this one
    word for word."""
    original = article.cleaned.original
    milestones: list[Milestone] = []
    for i, milestone in enumerate(found.milestones):
        span = article.locate(milestone.evidence)
        if span is None or (again and span.alignment != "exact"):
            if again:
                return None
            # Validation lets no such answer through: refuse rather than guess.
            raise ExtractionFailed(
                "a milestone's evidence could not be located in the article",
                [f"milestones.{i}.evidence: not found in the article"],
            )
        placed = {
            "evidence": original[span.start : span.end],
            "evidence_span": EvidenceSpan(start=span.start, end=span.end),
        }
        if isinstance(milestone, Milestone):  # grounded before: its alignment stays
            milestones.append(milestone.model_copy(update=placed))
            continue
        fields = milestone.model_dump() | placed
        if not isinstance(milestone, v1.Milestone):
            fields["alignment"] = span.alignment
        milestones.append(Milestone.model_validate(fields))
    # The rest (an extraction's, or a summary's grounded before) was validated with the
    # article as it stands: kept as is.
    return ArticleSummary.model_construct(
        headline=found.headline,
        summary=found.summary,
        organisations=found.organisations,
        products=found.products,
        milestones=milestones,
    )
