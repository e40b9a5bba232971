"""What the index answers with: articles, milestones, events and timelines (the shapes
of the list endpoints, the exports and the pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from schemas.v1 import EvidenceSpan


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IndexedArticle(_Out):
    """A stored summary's article, as the index lists it."""

    summary_id: str = Field(description="The summary's id (GET /v1/summaries/{id}).")
    url: str | None = Field(description="The article's URL, when it was given or found.")
    source: str | None = Field(description="Where the article came from (a path, a URL …).")
    outlet: str | None = Field(description="The publisher's host name, from the URL.")
    published_at: str | None = Field(description="Publication date (YYYY-MM-DD), if known.")
    headline: str = Field(description="The summary's headline.")
    summary: str = Field(description="The summary's text.")
    engine: str = Field(description="The engine that made the summary.")
    milestones: int = Field(description="How many milestones the summary holds.")
    first_seen: datetime = Field(description="When the summary was first stored.")


class ArticleRef(_Out):
    """The article a milestone is quoted from."""

    summary_id: str = Field(description="The summary's id (its page: /summaries/{id}).")
    url: str | None = Field(description="The article's URL, when known.")
    outlet: str | None = Field(description="The publisher's host name, from the URL.")
    published_at: str | None = Field(description="Publication date (YYYY-MM-DD), if known.")
    headline: str = Field(description="The summary's headline.")


class IndexedMilestone(_Out):
    """One stored milestone, with its article and the event it belongs to."""

    id: str = Field(description="The summary id and the milestone's position in it.")
    event_id: str | None = Field(description="The event it was merged into.")
    kind: str = Field(description="The milestone's kind (designation, funding …).")
    status: str = Field(description="achieved, in_progress or planned.")
    title: str = Field(description="What happened, in a few words.")
    date: str | None = Field(description="When (YYYY, YYYY-MM or YYYY-MM-DD), if stated.")
    organisation: str = Field(description="Who reached it, as the article names them.")
    authority: str | None = Field(description="The regulator, agency or funder, if any.")
    jurisdiction: str | None = Field(description="ISO 3166-1 alpha-2 code or EU, if any.")
    product: str | None = Field(description="The product concerned, as the article names it.")
    indication: str | None = Field(description="The disease or use concerned, if any.")
    evidence: str = Field(description="The article's words stating the milestone.")
    evidence_span: EvidenceSpan = Field(description="Where the evidence stands in the text.")
    alignment: str = Field(description="exact, or fuzzy when the quote was re-aligned.")
    article: ArticleRef = Field(description="The article it is quoted from.")
    # Schema v2's details (as stated, JSON): in the CSV and XLSX downloads, not in the
    # /v1 lists' JSON, which keeps its shape.
    _details: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def details(self) -> dict[str, Any]:
        """The milestone's details as stated (empty for a row indexed before v2)."""
        return self._details


class EventSource(_Out):
    """One article's report of an event: its milestone, evidence and why it joined."""

    milestone_id: str = Field(description="The milestone this article reported.")
    status: str = Field(description="Its status, as this article reported it.")
    date: str | None = Field(description="Its date, as this article gave it.")
    evidence: str = Field(description="This article's words stating it.")
    evidence_span: EvidenceSpan = Field(description="Where the evidence stands in the text.")
    joined: str = Field(description="Why this report joined the event (the fields matched).")
    article: ArticleRef = Field(description="The article that reported it.")


class Step(_Out):
    """A status an event was reported in, and when that report came."""

    status: str = Field(description="The status this report gave.")
    date: str | None = Field(description="The milestone's date in this report.")
    summary_id: str = Field(description="The report's summary.")
    published_at: str | None = Field(description="When the report was published, if known.")


class IndexedEvent(_Out):
    """A milestone as one event, however many articles reported it."""

    id: str = Field(description="The event's id: its first source's milestone id.")
    kind: str = Field(description="The milestone kind of every source.")
    status: str = Field(description="The most advanced status reported.")
    date: str | None = Field(description="The most precise date its sources give.")
    product: str | None = Field(description="The product, by the name most articles use.")
    organisation: str = Field(description="The organisation most of its sources name.")
    authority: str | None = Field(description="The authority, by its shown name, if any.")
    jurisdiction: str | None = Field(description="ISO 3166-1 alpha-2 code or EU, if any.")
    matched_on: list[str] = Field(description="The fields its sources were matched on.")
    progression: list[Step] = Field(
        description="When sources report different statuses: each status as reported, "
        "in publication order (planned, then achieved …)."
    )
    sources: list[EventSource] = Field(description="Every article that reported it.")


class Timeline(_Out):
    """What happened to one product or organisation: its events in date order (undated
    ones last)."""

    name: str = Field(description="The name most articles use.")
    kind: str = Field(description="product or organisation")
    names: list[str] = Field(description="Every way the articles write it.")
    events: list[IndexedEvent] = Field(description="Its events, dated ones in date order.")
    next_cursor: str | None = Field(
        default=None,
        description="The cursor of the next page of events (null on the last page).",
    )


T = TypeVar("T")


class ListPage(_Out, Generic[T]):
    """A page of a list, and the cursor of the next (null on the last page)."""

    items: list[T] = Field(description="This page's rows.")
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null when this is the last."
    )
