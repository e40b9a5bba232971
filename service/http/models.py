"""What the HTTP API takes and returns, named by role."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas import ArticleSummary, Meta


class SummaryCreate(BaseModel):
    """An article to summarise, as JSON. (A text/plain body is the text alone.)"""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The article as published: plain text, any boilerplate.")
    published_at: date | None = Field(
        default=None,
        description="Publication date (or date-time), ISO 8601. Resolves 'today' and "
        "bounds the dates of achieved milestones.",
    )
    url: str | None = Field(default=None, max_length=2048)
    source: str | None = Field(default=None, max_length=512)
    id: str | None = Field(default=None, max_length=256, description="The caller's id.")

    @field_validator("published_at", mode="before")
    @classmethod
    def _date_of_datetime(cls, value: Any) -> Any:
        if isinstance(value, str) and "T" in value:
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            except ValueError:
                return value
        return value


class SummaryPublic(BaseModel):
    """An article's grounded summary, its id, and how it was made."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="The summary's id (GET /v1/summaries/{id}).")
    article_id: str | None = Field(description="The caller's id for the article, if sent.")
    source: str | None
    summary: ArticleSummary
    meta: Meta


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
