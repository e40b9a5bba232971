"""Milestones across articles: lists of summaries, milestones and events (filtered,
searched, paged by cursor; JSON, CSV or XLSX), and a product's or organisation's
timeline."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from schemas.details import ApplicationType, DesignationType, Phase, RoundType
from schemas.v1 import MilestoneKind, Status
from service.errors import NotFound
from service.http.openapi import problem_responses
from service.http.state import AuthDep, ServiceDep
from service.index.models import (
    IndexedArticle,
    IndexedEvent,
    IndexedMilestone,
    ListPage,
    Timeline,
)
from service.index.names import NameSpace
from service.index.query import (
    DEFAULT_LIMIT,
    MAX_CHARS,
    MAX_CURSOR_CHARS,
    MAX_LIMIT,
    MAX_NAME_CHARS,
    TIMELINE_LIMIT,
    Filters,
    Page,
    Sort,
    decode_cursor,
    timeline_page,
)
from service.index.sheets import XLSX_TYPE, download
from service.store import Store
from service.store.index import every

router = APIRouter(prefix="/v1", tags=["index"], dependencies=[AuthDep])

ListFormat = Literal["json", "csv", "xlsx"]


class DetailsQuery:
    """The filters on schema v2's details every list takes (a milestone matches when its
    details state the value; an event when one of its sources does)."""

    def __init__(
        self,
        designation: Annotated[
            DesignationType | None, Query(description="The designation's type.")
        ] = None,
        application: Annotated[
            ApplicationType | None, Query(description="The application (ind, bla, maa …).")
        ] = None,
        phase: Annotated[Phase | None, Query(description="The trial's phase (1, 1/2 …).")] = None,
        round: Annotated[
            RoundType | None, Query(description="The funding round (seed, series_a …).")
        ] = None,
        registry_id: Annotated[
            str | None, Query(max_length=40, description="A trial registry id (NCT…).")
        ] = None,
        currency: Annotated[
            str | None, Query(max_length=3, description="The amount's ISO 4217 currency.")
        ] = None,
        amount_min: Annotated[
            float | None, Query(ge=0, le=1e15, description="At least this amount (currency).")
        ] = None,
        amount_max: Annotated[
            float | None, Query(ge=0, le=1e15, description="At most this amount (currency).")
        ] = None,
    ) -> None:
        self.given: dict[str, Any] = {
            "designation": designation, "application": application, "phase": phase,
            "round": round, "registry_id": registry_id, "currency": currency,
            "amount_min": amount_min, "amount_max": amount_max,
        }  # fmt: skip


class ListQuery:
    """The query parameters every list takes."""

    def __init__(
        self,
        kind: Annotated[
            list[MilestoneKind] | None,
            Query(description="Milestone kinds (repeat for several: any of them)."),
        ] = None,
        status: Annotated[
            Status | None, Query(description="achieved, in_progress or planned.")
        ] = None,
        product: Annotated[
            str | None,
            Query(
                max_length=MAX_NAME_CHARS,
                description="A product by any of its names (IMC-002, IMC002, a brand or INN "
                "the articles or the curated list give as an alias).",
                examples=["IMC002"],
            ),
        ] = None,
        organisation: Annotated[
            str | None,
            Query(
                max_length=MAX_NAME_CHARS,
                description="The organisation that reached the milestone "
                "(legal forms such as Inc. or AB ignored).",
                examples=["Immunofoco"],
            ),
        ] = None,
        authority: Annotated[
            str | None,
            Query(
                max_length=MAX_NAME_CHARS,
                description="The regulator or funder (FDA, U.S. FDA …).",
                examples=["FDA"],
            ),
        ] = None,
        jurisdiction: Annotated[
            str | None,
            Query(
                max_length=MAX_CHARS["jurisdiction"],
                description="ISO 3166-1 alpha-2 code, or EU.",
                examples=["US"],
            ),
        ] = None,
        date_from: Annotated[
            str | None,
            Query(
                max_length=MAX_CHARS["date_from"],
                description="On or after (YYYY, YYYY-MM or YYYY-MM-DD); "
                "undated milestones are left out when a date bound is set.",
                examples=["2023-01"],
            ),
        ] = None,
        date_to: Annotated[
            str | None,
            Query(
                max_length=MAX_CHARS["date_to"],
                description="On or before; a month or year bound includes its whole period.",
                examples=["2024"],
            ),
        ] = None,
        q: Annotated[
            str | None,
            Query(
                max_length=MAX_CHARS["query"],
                description="Full-text search (every word must match; English stemming).",
                examples=["fast track"],
            ),
        ] = None,
        sort: Annotated[
            Sort,
            Query(description="-seen (newest first), seen, date (undated last) or -date."),
        ] = "-seen",
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: Annotated[
            str | None,
            Query(max_length=MAX_CURSOR_CHARS, description="next_cursor of the previous page."),
        ] = None,
        format: Annotated[
            ListFormat | None,
            Query(
                description="json (a page), or csv / xlsx (every row the filters select, "
                "as a download). Or ask by Accept: text/csv, or the XLSX media type."
            ),
        ] = None,
        details: Annotated[DetailsQuery, Depends()] = None,  # type: ignore[assignment]
    ) -> None:
        self.filters = Filters(
            kinds=tuple(kind or ()),
            status=status,
            product=product,
            organisation=organisation,
            authority=authority,
            jurisdiction=jurisdiction,
            date_from=date_from,
            date_to=date_to,
            query=q,
            **(details.given if details is not None else {}),
        )
        after = decode_cursor(cursor, sort) if cursor else None
        self.page = Page(sort=sort, limit=limit, after=after)
        self.format = format


ListDep = Annotated[ListQuery, Depends()]


def wanted_format(request: Request, asked: ListFormat | None) -> ListFormat:
    """?format= first, else the Accept header (CSV or XLSX asked for by name), else JSON."""
    if asked is not None:
        return asked
    accept = request.headers.get("accept", "")
    if XLSX_TYPE in accept:
        return "xlsx"
    if "text/csv" in accept:
        return "csv"
    return "json"


async def _listing(request: Request, query: ListQuery, name: str, page: Any) -> Any:
    fmt = wanted_format(request, query.format)
    if fmt == "json":
        return await asyncio.to_thread(page, query.filters, query.page)
    return await download(name, every(page, query.filters, query.page.sort), fmt)


def _downloads(example: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": "A page as JSON; or every selected row as CSV or XLSX.",
            "content": {
                "application/json": {"example": example},
                "text/csv": {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(400, 401, 422, 503),
    }


_REF = {
    "summary_id": "s_1a7ee043bbc60f19d58d6128",
    "url": "https://news.example.com/imc-002-fast-track",
    "outlet": "news.example.com",
    "published_at": "2025-04-02",
    "headline": "Immunofoco's CAR-T IMC002 wins FDA Fast Track status",
}
_SPAN = {"start": 120, "end": 268}
MILESTONE_EXAMPLE = {
    "items": [
        {
            "id": "s_1a7ee043bbc60f19d58d6128:4",
            "event_id": "e_s_1a7ee043bbc60f19d58d6128:4",
            "kind": "designation",
            "status": "achieved",
            "title": "FDA Fast Track designation for IMC002",
            "date": None,
            "organisation": "Immunofoco",
            "authority": "U.S. FDA",
            "jurisdiction": "US",
            "product": "IMC002",
            "indication": "gastric cancer",
            "evidence": "Notably, our IMC002 (CLDN18.2 CAR-T) has been granted Fast Track "
            "designation … by the U.S. FDA.",
            "evidence_span": _SPAN,
            "alignment": "exact",
            "article": _REF,
        }
    ],
    "next_cursor": "WyItc2VlbiIsWzE0XV0",
}
EVENT_EXAMPLE = {
    "items": [
        {
            "id": "e_s_1a7ee043bbc60f19d58d6128:4",
            "kind": "designation",
            "status": "achieved",
            "date": None,
            "product": "IMC002",
            "organisation": "Immunofoco",
            "authority": "U.S. Food and Drug Administration",
            "jurisdiction": "US",
            "matched_on": ["kind", "subject", "authority", "jurisdiction"],
            "progression": [],
            "sources": [
                {
                    "milestone_id": "s_1a7ee043bbc60f19d58d6128:4",
                    "status": "achieved",
                    "date": None,
                    "evidence": "IMC-002 has received Fast Track designation from the US Food "
                    "and Drug Administration.",
                    "evidence_span": _SPAN,
                    "joined": "first source",
                    "article": _REF,
                }
            ],
        }
    ],
    "next_cursor": None,
}
TIMELINE_EXAMPLE = {
    "name": "IMC002",
    "kind": "product",
    "names": ["IMC-002", "IMC002"],
    "events": EVENT_EXAMPLE["items"],
    "next_cursor": None,
}
SUMMARY_LIST_EXAMPLE = {
    "items": [
        {
            **_REF,
            "source": "https://news.example.com/imc-002-fast-track",
            "summary": "Immunofoco said the FDA granted Fast Track designation to IMC002.",
            "engine": "rules",
            "milestones": 1,
            "first_seen": "2026-11-30T03:00:00Z",
        }
    ],
    "next_cursor": None,
}


@router.get(
    "/summaries",
    summary="List stored summaries",
    response_model=ListPage[IndexedArticle],
    responses=_downloads(SUMMARY_LIST_EXAMPLE),
)
async def list_summaries(request: Request, query: ListDep, service: ServiceDep) -> Any:
    """Stored summaries, newest first (``sort=seen``: oldest first). ``q`` searches the
    article text, headline and summary; the milestone filters keep summaries with at
    least one milestone that matches; ``date_from``/``date_to`` bound the publication
    date."""
    return await _listing(request, query, "summaries", service.store.index.articles)


@router.get(
    "/milestones",
    summary="List milestones across articles",
    response_model=ListPage[IndexedMilestone],
    responses=_downloads(MILESTONE_EXAMPLE),
)
async def list_milestones(request: Request, query: ListDep, service: ServiceDep) -> Any:
    """Every stored milestone with its article and event, filtered; ``q`` searches each
    milestone's title, evidence and names."""
    return await _listing(request, query, "milestones", service.store.index.milestones)


@router.get(
    "/events",
    summary="List events (milestones merged across articles)",
    response_model=ListPage[IndexedEvent],
    responses=_downloads(EVENT_EXAMPLE),
)
async def list_events(request: Request, query: ListDep, service: ServiceDep) -> Any:
    """Milestones reported by several articles, merged into one event each (same kind
    and product, or organisation; compatible authority, jurisdiction and date), with
    every source, the fields matched, and the progression of statuses. ``organisation``
    and ``q`` keep events with a source that matches."""
    return await _listing(request, query, "events", service.store.index.events)


class TimelineQuery:
    """A timeline's page: its size and where it starts."""

    def __init__(
        self,
        limit: Annotated[
            int, Query(ge=1, le=MAX_LIMIT, description="Events per page.")
        ] = TIMELINE_LIMIT,
        cursor: Annotated[
            str | None,
            Query(max_length=MAX_CURSOR_CHARS, description="next_cursor of the previous page."),
        ] = None,
    ) -> None:
        self.page = timeline_page(cursor, limit)


TimelineDep = Annotated[TimelineQuery, Depends()]


async def _timeline(store: Store, space: NameSpace, name: str, page: Page) -> Timeline:
    found = await asyncio.to_thread(store.index.timeline, space, name, page)
    if found is None:
        raise NotFound(f"no milestones are stored for the {space} {name!r}")
    return found


@router.get(
    "/products/{name:path}/timeline",
    summary="A product's timeline",
    response_model=Timeline,
    responses={
        200: {"content": {"application/json": {"example": TIMELINE_EXAMPLE}}},
        **problem_responses(400, 401, 404, 503),
    },
)
async def product_timeline(name: str, query: TimelineDep, service: ServiceDep) -> Timeline:
    """What happened to a product, named by any of its names: its events in date order
    (undated last), each with every article that reported it; paged by cursor."""
    return await _timeline(service.store, "product", name, query.page)


@router.get(
    "/organisations/{name:path}/timeline",
    summary="An organisation's timeline",
    response_model=Timeline,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        **TIMELINE_EXAMPLE,
                        "name": "Immunofoco",
                        "kind": "organisation",
                        "names": ["Immunofoco"],
                    }
                }
            }
        },
        **problem_responses(400, 401, 404, 503),
    },
)
async def organisation_timeline(name: str, query: TimelineDep, service: ServiceDep) -> Timeline:
    """What happened to an organisation (the events its milestones belong to), in date
    order, undated last; paged by cursor."""
    return await _timeline(service.store, "organisation", name, query.page)
