"""Schema v2 of a milestone summary: v1, and on every milestone its ``details``.

``details`` (``schemas.details.Details``) holds the facts of the milestone's own kind —
which designation, which application, phase and registry ids, how much money in which
round, a deal's terms — each null where the article does not state it, and each stated
value found in the milestone's evidence (checked here, with the reason written for the
model, as v1's checks are).

v1 is a projection of v2: ``to_v1`` drops the details, and what is left is the v1 record
field for field (v1 clients read exactly what they read before).
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import ConfigDict, Field, model_validator

from schemas import v1
from schemas.details import Details, every_field_required, ungrounded, variant_of
from schemas.hashes import schema_hash

SCHEMA_VERSION = "v2"
Version = Literal["v1", "v2"]
VERSIONS: tuple[str, ...] = get_args(Version)


class ExtractedMilestoneV2(v1.ExtractedMilestone):
    """A milestone as the model writes it, with the facts of its kind."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=every_field_required)

    details: Details = Field(
        default_factory=Details,
        description="The facts of the milestone's own kind (which designation, which "
        "application, phase and registry ids, amount and round, a deal's terms, a "
        "facility's type and place): null where the evidence does not state them.",
    )

    def identity(self) -> tuple[str, ...]:
        """What makes two milestones the same milestone: v1's fields, and the variant (a
        designation's type)."""
        return (*super().identity(), variant_of(self.kind, self.details) or "")

    @model_validator(mode="after")
    def _details_in_evidence(self) -> ExtractedMilestoneV2:
        problems = ungrounded(self.details, self.kind, self.evidence)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class ExtractionV2(v1.Extraction):
    """The summary of one article as the model writes it (v2)."""

    milestones: list[ExtractedMilestoneV2] = Field(  # type: ignore[assignment]
        description="The milestones the article states, each with its evidence and details."
    )


class MilestoneV2(v1.Milestone):
    """A grounded milestone (v2): its evidence located in the article, and its details."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=every_field_required)

    details: Details = Field(
        default_factory=Details, description="The facts of the milestone's own kind."
    )

    def identity(self) -> tuple[str, ...]:
        """What makes two milestones the same milestone (see ``ExtractedMilestone``)."""
        return (*super().identity(), variant_of(self.kind, self.details) or "")


class ArticleSummaryV2(v1.ArticleSummary):
    """The grounded summary of one article (v2)."""

    milestones: list[MilestoneV2] = Field(  # type: ignore[assignment]
        description="The milestones the article states, each grounded, with its details."
    )


class SummaryRecordV2(v1.SummaryRecord):
    """One line of JSON Lines output (v2): an article's grounded summary with each
    milestone's details, and how it was made."""

    summary: ArticleSummaryV2 = Field(description="The article's grounded summary.")


def summary_v1(summary: v1.ArticleSummary) -> v1.ArticleSummary:
    """The v1 summary of a v2 one: the same fields, without the milestones' details."""
    data = summary.model_dump(exclude={"milestones": {"__all__": {"details"}}})
    return v1.ArticleSummary.model_validate(data)


def meta_v1(meta: v1.Meta) -> v1.Meta:
    """How a summary was made, as v1 says it: the schema hash is v1's extraction's."""
    if meta.schema_hash == schema_hash(ExtractionV2):
        return meta.model_copy(update={"schema_hash": schema_hash(v1.Extraction)})
    return meta


def to_v1(record: v1.SummaryRecord) -> v1.SummaryRecord:
    """The v1 record of a v2 one: the same fields, without the details, with v1's
    schema hash (byte for byte what v1 gave for the same article)."""
    return v1.SummaryRecord(
        source=record.source, summary=summary_v1(record.summary), meta=meta_v1(record.meta)
    )


def from_v1(record: v1.SummaryRecord) -> SummaryRecordV2:
    """A v1 record read as v2 (a stored summary made before v2): no details stated."""
    return SummaryRecordV2.model_validate(record.model_dump())


def json_in(record: v1.SummaryRecord, version: Version = "v2") -> dict[str, Any]:
    """A record as JSON in ``version``: v2 as it is, v1 its projection."""
    shown = to_v1(record) if version == "v1" else record
    return shown.model_dump(mode="json")


# Named as the schema's other versions name them (the classes carry "V2" so that the
# OpenAPI description, which lists v1's and v2's side by side, tells them apart).
ExtractedMilestone = ExtractedMilestoneV2
Extraction = ExtractionV2
Milestone = MilestoneV2
ArticleSummary = ArticleSummaryV2
SummaryRecord = SummaryRecordV2
