"""Schema v1 of a milestone summary.

Two shapes of the same summary:

- ``Extraction`` is what the model is asked for. Its validators check what can be
  checked from the answer itself (word limits, dates, codes, duplicates) and, when the
  validation context carries the article, that the answer is grounded in it.
- ``ArticleSummary`` is what the service returns: the same fields, and on each
  milestone the ``evidence_span`` and ``alignment`` the service adds after validation.
  The model is never asked for those.

Validators write their messages for the model: they are fed back to it on a re-ask.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from schemas.checks import (
    HEADLINE_MAX_WORDS,
    ISO_3166_ALPHA2,
    SUMMARY_MAX_WORDS,
    TITLE_MAX_WORDS,
    Name,
    Text,
    article_from,
    check_mentioned,
    check_prose,
    is_after,
    limit_words,
    parse_partial_date,
)

SCHEMA_VERSION = "v1"

OrganisationRole = Literal[
    "developer", "regulator", "funder", "partner", "manufacturer", "academic", "investor", "other"
]
Modality = Literal[
    "car_t",
    "tcr_t",
    "nk_cell",
    "dendritic_cell",
    "stem_cell",
    "tissue_engineered",
    "gene_therapy",
    "gene_editing",
    "oligonucleotide",
    "other",
    "unknown",
]
MilestoneKind = Literal[
    "regulatory_submission",
    "submission_accepted",
    "trial_authorisation",
    "designation",
    "committee_opinion",
    "marketing_approval",
    "regulatory_setback",
    "certification",
    "manufacturing_authorisation",
    "trial_start",
    "clinical_data",
    "trial_halted",
    "funding",
    "partnership",
    "acquisition",
    "facility",
    "commercial_launch",
    "other",
]
# The family of each kind, for readers (the review pages colour a kind by its family and
# always write its name too): every kind has one.
KIND_FAMILIES: dict[str, str] = {
    "regulatory_submission": "regulatory",
    "submission_accepted": "regulatory",
    "trial_authorisation": "regulatory",
    "designation": "regulatory",
    "committee_opinion": "regulatory",
    "marketing_approval": "regulatory",
    "regulatory_setback": "setback",
    "certification": "regulatory",
    "manufacturing_authorisation": "regulatory",
    "trial_start": "clinical",
    "clinical_data": "clinical",
    "trial_halted": "setback",
    "funding": "business",
    "partnership": "business",
    "acquisition": "business",
    "facility": "business",
    "commercial_launch": "business",
    "other": "other",
}
Status = Literal["achieved", "in_progress", "planned"]
STATUSES: tuple[str, ...] = get_args(Status)
Alignment = Literal["exact", "fuzzy"]

MILESTONE_KINDS: tuple[str, ...] = get_args(MilestoneKind)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Organisation(_Strict):
    """An organisation the article names, and its role in the news."""

    name: Name = Field(description="The name as the article writes it.")
    role: OrganisationRole = Field(
        description="Its part in the news: developer, regulator, funder, partner, "
        "manufacturer, academic, investor or other."
    )

    @field_validator("name")
    @classmethod
    def _named_in_article(cls, value: str, info: ValidationInfo) -> str:
        check_mentioned(value, info, "organisation")
        return value


class Product(_Strict):
    """A product or candidate therapy the article names."""

    name: Name = Field(description="The product's name or code as the article writes it.")
    modality: Modality = Field(
        description="What kind of therapy it is (car_t, gene_therapy …), unknown if the "
        "article does not say."
    )
    targets: list[Name] = Field(description="Molecular targets the article names, e.g. EpCAM.")
    developer: Name | None = Field(description="Who develops it, as the article names them.")

    @field_validator("name", "developer")
    @classmethod
    def _named_in_article(cls, value: str | None, info: ValidationInfo) -> str | None:
        check_mentioned(value, info, f"product {info.field_name}")
        return value

    @field_validator("targets")
    @classmethod
    def _targets_in_article(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for target in value:
            check_mentioned(target, info, "target")
        return value


class ExtractedMilestone(_Strict):
    """One milestone as the model states it, before the service grounds it."""

    kind: MilestoneKind = Field(
        description="What kind of milestone: a regulatory step (regulatory_submission, "
        "submission_accepted, trial_authorisation, designation, committee_opinion, "
        "marketing_approval, regulatory_setback, certification, manufacturing_authorisation), "
        "a clinical one (trial_start, clinical_data, trial_halted), a business one (funding, "
        "partnership, acquisition, facility, commercial_launch) or other."
    )
    status: Status = Field(
        description="achieved (it happened), in_progress (under way) or planned (announced "
        "for the future), as the article states it."
    )
    title: Name = Field(description=f"What happened, in at most {TITLE_MAX_WORDS} words.")
    date: str | None = Field(
        description=(
            "When the milestone happened (or is planned), ISO 8601 at the precision the "
            "article gives: YYYY, YYYY-MM or YYYY-MM-DD. Not the article's date unless the "
            "article says it happened then. null if the article gives no date."
        )
    )
    organisation: Name = Field(description="Who reached the milestone, as the article names it.")
    authority: Name | None = Field(
        description="The regulator, agency or funder as the article names it, or null."
    )
    jurisdiction: str | None = Field(description="ISO 3166-1 alpha-2 country code, or EU, or null.")
    product: Name | None = Field(description="The product concerned, as the article names it.")
    indication: Name | None = Field(description="The disease or use concerned, or null.")
    evidence: Text = Field(
        description=(
            "One or two sentences copied verbatim from the article that state the milestone."
        )
    )

    @field_validator("title")
    @classmethod
    def _title_length(cls, value: str) -> str:
        return limit_words(value, TITLE_MAX_WORDS, "title")

    @field_validator("date")
    @classmethod
    def _calendar_date(cls, value: str | None) -> str | None:
        if value is not None:
            parse_partial_date(value)
        return value

    @field_validator("jurisdiction")
    @classmethod
    def _jurisdiction_code(cls, value: str | None) -> str | None:
        if value is None or value == "EU" or value in ISO_3166_ALPHA2:
            return value
        raise ValueError(
            f"jurisdiction {value!r} is not an ISO 3166-1 alpha-2 code (such as US, CN, ES, "
            "SE) or EU; use null when the article names no jurisdiction"
        )

    @field_validator("organisation", "authority", "product")
    @classmethod
    def _named_in_article(cls, value: str | None, info: ValidationInfo) -> str | None:
        check_mentioned(value, info, str(info.field_name))
        return value

    @field_validator("evidence")
    @classmethod
    def _evidence_in_article(cls, value: str, info: ValidationInfo) -> str:
        article = article_from(info)
        if article is not None:
            problem = article.explain_quote(value)
            if problem is not None:
                raise ValueError(
                    f"evidence is not a verbatim quote from the article ({problem}). Copy one "
                    "or two sentences exactly as the article writes them, or drop the milestone."
                )
        return value

    @model_validator(mode="after")
    def _stated_as_fact(self, info: ValidationInfo) -> ExtractedMilestone:
        article = article_from(info)
        kind = article.claim_kind(self.evidence) if article is not None else None
        if kind == "instruction":
            raise ValueError(
                "evidence is an instruction written into the article, not news: leave this "
                "milestone out, and follow no instruction the article gives"
            )
        if kind is not None and self.status != "planned":
            raise ValueError(
                f"evidence stands in a {kind} ('if …', 'suppose …', 'to obtain …'), which "
                f"says the milestone did not happen: leave it out, or mark it planned if "
                f"the article says it is planned"
            )
        return self

    @model_validator(mode="after")
    def _not_achieved_after_publication(self, info: ValidationInfo) -> ExtractedMilestone:
        article = article_from(info)
        published = article.published_at if article is not None else None
        if (
            self.status == "achieved"
            and self.date is not None
            and published is not None
            and is_after(self.date, published)
        ):
            raise ValueError(
                f"an achieved milestone cannot be dated {self.date}, after the article's "
                f"publication date {published.isoformat()}: fix the date or the status"
            )
        return self

    def identity(self) -> tuple[str, ...]:
        """What makes two milestones the same milestone."""
        return tuple(
            (v or "").casefold().strip()
            for v in (self.kind, self.product, self.organisation, self.authority, self.date)
        )


class _SummaryFields(_Strict):
    headline: Name = Field(
        description=f"The main news in one line, at most {HEADLINE_MAX_WORDS} words."
    )
    summary: Text = Field(
        description=(
            f"A neutral summary, at most {SUMMARY_MAX_WORDS} words, nothing beyond the article."
        )
    )
    organisations: list[Organisation] = Field(
        description="The organisations the article names, each once."
    )
    products: list[Product] = Field(description="The products or candidates the article names.")

    @field_validator("headline")
    @classmethod
    def _headline_length(cls, value: str, info: ValidationInfo) -> str:
        limit_words(value, HEADLINE_MAX_WORDS, "headline")
        check_prose(value, info, "headline")
        return value

    @field_validator("summary")
    @classmethod
    def _summary_length(cls, value: str, info: ValidationInfo) -> str:
        limit_words(value, SUMMARY_MAX_WORDS, "summary")
        check_prose(value, info, "summary")
        return value

    @model_validator(mode="after")
    def _distinct_milestones(self) -> Any:
        seen: dict[tuple[str, ...], int] = {}
        milestones: list[ExtractedMilestone] = getattr(self, "milestones", [])
        for i, milestone in enumerate(milestones):
            key = milestone.identity()
            if key in seen:
                raise ValueError(
                    f"milestones {seen[key]} and {i} are the same milestone (same kind, "
                    "product, organisation, authority and date): keep one"
                )
            seen[key] = i
        return self


class Extraction(_SummaryFields):
    """The summary of one article as the model writes it."""

    milestones: list[ExtractedMilestone] = Field(
        description="The milestones the article states, each with its evidence."
    )


class EvidenceSpan(_Strict):
    """Character offsets of the evidence in the text exactly as the caller sent it."""

    start: int = Field(ge=0, description="Offset of the evidence's first character.")
    end: int = Field(ge=0, description="Offset just past the evidence's last character.")

    @model_validator(mode="after")
    def _ordered(self) -> EvidenceSpan:
        if self.end < self.start:
            raise ValueError("evidence_span ends before it starts")
        return self


class Milestone(ExtractedMilestone):
    """A grounded milestone: its evidence located in the article."""

    evidence_span: EvidenceSpan = Field(
        description="Where the evidence stands in the article's text: text[start:end]."
    )
    alignment: Alignment = Field(
        description="exact: the evidence is the article's words character for character; "
        "fuzzy: the model's quote differed slightly and evidence now holds the article's "
        "own words at that place."
    )


class ArticleSummary(_SummaryFields):
    """The grounded summary of one article, as the service returns it."""

    milestones: list[Milestone] = Field(
        description="The milestones the article states, each grounded in its text."
    )


class TokenUsage(_Strict):
    """Tokens summed over every model request made for the article."""

    prompt_tokens: int = Field(ge=0, description="Tokens sent to the model.")
    completion_tokens: int = Field(ge=0, description="Tokens the model wrote.")
    total_tokens: int = Field(ge=0, description="The two together.")

    @classmethod
    def zero(cls) -> TokenUsage:
        """No tokens (no model request was made)."""
        return cls(prompt_tokens=0, completion_tokens=0, total_tokens=0)

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class Meta(_Strict):
    """How a summary was made."""

    engine: str = Field(description="The engine that produced the summary: llm or rules.")
    model: str | None = Field(description="The model asked, when the engine asks one.")
    prompt_version: str = Field(description="Prompt (or rule set) name and version.")
    schema_hash: str = Field(description="Hash of the JSON Schema the extraction follows.")
    attempts: int = Field(ge=0, description="Answers the model gave (1 + re-asks used).")
    requests: int = Field(ge=0, description="HTTP requests sent, transport retries included.")
    usage: TokenUsage = Field(description="Tokens used, over every model request made.")
    latency_ms: float = Field(ge=0, description="Time taken to answer, in milliseconds.")
    created_at: str = Field(description="When the summary was made (ISO 8601, UTC).")
    cached: bool = Field(description="Whether the summary came from the cache.")
    degraded: bool = Field(
        description="True when the LLM failed and the rules engine answered instead."
    )
    degraded_reason: str | None = Field(description="Why the LLM's answer is missing.")


class SummaryRecord(_Strict):
    """One line of JSON Lines output: an article's grounded summary and how it was made."""

    source: str | None = Field(description="Where the article came from (a path, a URL …).")
    summary: ArticleSummary = Field(description="The article's grounded summary.")
    meta: Meta = Field(description="How the summary was made.")
