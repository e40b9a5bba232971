"""What the HTTP API takes and returns, named by role."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas import v2
from schemas.v1 import ArticleSummary, Meta, SummaryRecord
from schemas.v2 import Version, meta_v1, summary_v1
from service.calls import Outcome
from service.inputs import ArticleInput


def one_line_name(value: str) -> str:
    """A name as given, stripped; ValueError for one holding a control character (NUL, a
    line break, DEL …), which would break a page's or a feed's line."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("a name holds no control characters (NUL, line breaks …)")
    return value.strip()


class SummaryCreate(ArticleInput):
    """An article to summarise, as JSON: exactly one of ``text``, ``html`` and ``ninjs``.
    (A text/plain, text/html or application/ninjs+json body is that alone.)"""


class JobCreate(SummaryCreate):
    """An article to summarise in the background, as JSON: a summary's fields, and the
    URL to send the outcome to. (With a text, HTML or ninjs body, pass
    ``?callback_url=`` instead.)"""

    callback_url: str | None = Field(
        default=None,
        max_length=2048,
        description="https URL that receives the outcome, signed per Standard Webhooks.",
    )


class Subject(BaseModel):
    """A tag a CMS can store, in the shape of an IPTC ninjs subject."""

    name: str = Field(description="The organisation's or product's name, or the kind.")
    type: str = Field(description="organisation, product or milestone_kind.")
    code: str = Field(description="A stable code: milestones:<type>:<slug>.")
    creator: str = Field(description="Who tagged it: this service and its engine.")


class SummaryPublic(BaseModel):
    """An article's grounded summary, its id, and how it was made."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        description="The summary's id (GET /v1/summaries/{id}); null for a degraded answer "
        "(the rules engine's, when the model failed), which is not stored."
    )
    article_id: str | None = Field(description="The caller's id for the article, if sent.")
    source: str | None = Field(description="Where the article came from, as the caller said.")
    text: str | None = Field(
        default=None,
        description="The text extracted from HTML or ninjs, which evidence_span refers to.",
    )
    summary: ArticleSummary = Field(description="The article's grounded summary.")
    subjects: list[Subject] = Field(default_factory=list, description="Tags for the CMS.")
    meta: Meta = Field(description="How the summary was made: engine, model, cost, time.")


class SummaryPublicV2(SummaryPublic):
    """An article's grounded summary in schema v2 (each milestone with its details), its
    id, and how it was made."""

    summary: v2.ArticleSummary = Field(
        description="The article's grounded summary, each milestone with its details."
    )


def public_of(
    record: SummaryRecord,
    id: str | None,
    article_id: str | None,
    text: str | None = None,
    version: Version = "v1",
) -> SummaryPublic:
    """A summary as the API of ``version`` answers it: /v2 as it is, /v1 its projection
    (byte for byte what v1 answered)."""
    if version == "v2" and isinstance(record.summary, v2.ArticleSummary):
        summary: ArticleSummary = record.summary
        meta = record.meta
        model: type[SummaryPublic] = SummaryPublicV2
    else:
        summary, meta, model = summary_v1(record.summary), meta_v1(record.meta), SummaryPublic
    return model(
        id=id, article_id=article_id, source=record.source, text=text, summary=summary,
        subjects=subjects_of(summary, meta), meta=meta,
    )  # fmt: skip


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.casefold()).split())


def subjects_of(summary: ArticleSummary, meta: Meta) -> list[Subject]:
    """ninjs-compatible tags: the organisations, products and milestone kinds."""
    creator = f"milestones/{meta.engine}"
    found: dict[str, Subject] = {}
    named = [(o.name, "organisation") for o in summary.organisations]
    named += [(p.name, "product") for p in summary.products]
    named += [(m.kind, "milestone_kind") for m in summary.milestones]
    for name, kind in named:
        code = f"milestones:{kind}:{_slug(name)}"
        found.setdefault(code, Subject(name=name, type=kind, code=code, creator=creator))
    return list(found.values())


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str = Field(description="The kind of problem: /problems/<slug>, stable for code.")
    title: str = Field(description="The kind of problem, for people.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong this time, and what to do about it.")
    errors: list[str] | None = Field(
        default=None, description="Each error, when there are several (invalid fields …)."
    )


class DeliveryPublic(BaseModel):
    """One attempt at delivering a job's webhook."""

    attempt: int = Field(description="1 for the first delivery, then 2, 3 …")
    attempted_at: datetime = Field(description="When the attempt was made.")
    status_code: int | None = Field(description="What the receiver answered, if it did.")
    error: str | None = Field(description="Why the attempt failed (null: delivered).")
    duration_ms: float = Field(description="How long the attempt took.")


class WebhookPublic(BaseModel):
    """Where a job's webhook delivery stands, and its log."""

    state: Literal["pending", "delivered", "failed"] = Field(
        description="pending (not yet delivered; retried), delivered, or failed (the "
        "attempts are spent)."
    )
    attempts: int = Field(description="Delivery attempts made so far.")
    next_attempt_at: datetime | None = Field(
        default=None, description="When the next attempt is due, while pending."
    )
    log: list[DeliveryPublic] = Field(default_factory=list, description="Every attempt.")


class ModelCallPublic(BaseModel):
    """One model request from the call log (``MILESTONES_CALL_LOG``)."""

    number: int = Field(description="1 for the first answer, 2 … for each re-ask.")
    at: datetime = Field(description="When it was sent.")
    model: str | None = Field(description="The model asked.")
    prompt_version: str = Field(description="The prompt version sent.")
    outcome: Outcome = Field(
        description="valid; invalid (re-asked, or the extraction failed); incomplete (cut "
        "off); transport_error (no answer after the transport's retries); no_answer."
    )
    answer: str | None = Field(description="The raw answer (cut beyond the log's limit).")
    errors: list[str] = Field(description="Its validation errors, as fed back to the model.")
    feedback: str | None = Field(description="What the next request told the model.")
    status: int | None = Field(description="HTTP status of the last try.")
    tries: int = Field(description="HTTP requests: 1 plus transport retries.")
    waited_s: float = Field(description="Backoff and Retry-After waited between tries.")
    retry_after_s: float | None = Field(description="The last Retry-After asked for.")
    prompt_tokens: int = Field(description="Tokens of the request, as the provider counted.")
    completion_tokens: int = Field(description="Tokens of the answer, as the provider counted.")
    latency_ms: float = Field(description="From sending to the answer, retries included.")


class JobPublic(BaseModel):
    """A job: its status, and when it has ended, the summary or the problem."""

    id: str = Field(description="The job's id (GET /v1/jobs/{id}).")
    status: Literal["queued", "running", "succeeded", "failed"] = Field(
        description="queued, running, then succeeded (see result) or failed (see problem)."
    )
    created_at: datetime = Field(description="When the job was accepted.")
    started_at: datetime | None = Field(default=None, description="When its last run began.")
    finished_at: datetime | None = Field(default=None, description="When it ended.")
    attempts: int = Field(description="Runs so far (a transient failure is retried).")
    callback_url: str | None = Field(
        default=None, description="Where the outcome is sent (Standard Webhooks)."
    )
    result: SummaryPublic | None = Field(default=None, description="When succeeded.")
    problem: Problem | None = Field(default=None, description="When failed.")
    webhook: WebhookPublic | None = Field(
        default=None, description="The webhook's delivery (jobs with a callback URL)."
    )
    model_calls: list[ModelCallPublic] | None = Field(
        default=None,
        description="GET /v1/jobs/{id} only: the model requests its runs made, from the "
        "call log, oldest first (none when the engine asks no model, or the log is off).",
    )


class WebhookEvent(BaseModel):
    """The body of a webhook: ``job.succeeded`` or ``job.failed``, and the job."""

    type: Literal["job.succeeded", "job.failed"] = Field(description="What happened to the job.")
    timestamp: datetime = Field(description="When the event was sent.")
    data: JobPublic = Field(description="The job, as GET /v1/jobs/{id} shows it.")


class Health(BaseModel):
    """Whether the service is up (healthz) or ready to serve (readyz)."""

    status: str = Field(description="ok (up) or ready.")
    checks: dict[str, str] = Field(
        default_factory=dict, description="readyz: the store's and the engine's state."
    )
