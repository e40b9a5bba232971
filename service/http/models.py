"""What the HTTP API takes and returns, named by role."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas import ArticleSummary, Meta


class SummaryCreate(BaseModel):
    """An article to summarise, as JSON: exactly one of ``text``, ``html`` and ``ninjs``.
    (A text/plain, text/html or application/ninjs+json body is that alone.)"""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        default=None, description="The article as published: plain text, any boilerplate."
    )
    html: str | None = Field(default=None, description="The article's HTML page.")
    ninjs: dict[str, Any] | None = Field(
        default=None, description="An IPTC ninjs document (1.x, 2.x or 3.x)."
    )
    published_at: date | None = Field(
        default=None,
        description="Publication date (or date-time), ISO 8601. Resolves 'today' and "
        "bounds the dates of achieved milestones.",
    )
    url: str | None = Field(default=None, max_length=2048)
    source: str | None = Field(default=None, max_length=512)
    id: str | None = Field(default=None, max_length=256, description="The caller's id.")

    @model_validator(mode="after")
    def _one_body(self) -> SummaryCreate:
        given = [name for name in ("text", "html", "ninjs") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "send exactly one of text, html and ninjs"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @field_validator("published_at", mode="before")
    @classmethod
    def _date_of_datetime(cls, value: Any) -> Any:
        if isinstance(value, str) and "T" in value:
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            except ValueError:
                return value
        return value


class Subject(BaseModel):
    """A tag a CMS can store, in the shape of an IPTC ninjs subject."""

    name: str
    type: str = Field(description="organisation, product or milestone_kind.")
    code: str = Field(description="A stable code: milestones:<type>:<slug>.")
    creator: str = Field(description="Who tagged it: this service and its engine.")


class SummaryPublic(BaseModel):
    """An article's grounded summary, its id, and how it was made."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The summary's id (GET /v1/summaries/{id}).")
    article_id: str | None = Field(description="The caller's id for the article, if sent.")
    source: str | None
    text: str | None = Field(
        default=None,
        description="The text extracted from HTML or ninjs, which evidence_span refers to.",
    )
    summary: ArticleSummary
    subjects: list[Subject] = Field(default_factory=list, description="Tags for the CMS.")
    meta: Meta


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

    type: str
    title: str
    status: int
    detail: str
    errors: list[str] | None = None


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}
