"""Saved searches and their alerts (``service.store.alerts``): made, listed, deleted; the
alerts as JSON, as an Atom feed and as an iCalendar feed of dated planned milestones.

The two feeds are read by feed readers and calendars, which send no API key: their URLs
carry a token (an HMAC of the search's id under the service's key-derived secret, the
same on every replica), given with the search and checked in constant time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.errors import NotFound
from service.feeds_out import atom, icalendar
from service.http.models import one_line_name
from service.http.openapi import problem_responses
from service.http.state import AuthDep, Service, ServiceDep
from service.store.alerts import ALERT_JOB, Alert, SavedSearch
from service.store.queue import Job

router = APIRouter(prefix="/v1", tags=["searches"], dependencies=[AuthDep])
feeds = APIRouter(tags=["searches"])


class SearchCreate(BaseModel):
    """A search to save: a name, the filter (the list endpoints' query parameters), and
    where its alerts are POSTed, if anywhere."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(
        min_length=1, max_length=200, description="What it is called on its page and feeds.",
        examples=["EU approvals of CAR-Ts"],
    )  # fmt: skip
    filters: dict[str, Any] = Field(
        description="kind (a kind or a list), status, product, organisation, authority, "
        "jurisdiction, date_from, date_to, q, and the details' filters.",
        examples=[{"kind": ["approval"], "jurisdiction": "EU", "q": "CAR-T"}],
    )
    callback_url: str | None = Field(
        default=None, max_length=2048, description="https URL each alert is POSTed to, signed."
    )

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        name = one_line_name(value)
        if not name:
            raise ValueError("a name is more than white space")
        return name


class SearchPublic(BaseModel):
    """A saved search, with where its alerts are read."""

    id: str = Field(description="The search's id.")
    name: str = Field(description="What it is called.")
    filters: dict[str, Any] = Field(description="Its filter, as given (the set values).")
    callback_url: str | None = Field(description="Where each alert is POSTed, if anywhere.")
    created_at: datetime = Field(description="When it was saved.")
    alerts_url: str = Field(description="Its alerts as JSON, newest first.")
    atom_url: str = Field(description="The alerts as an Atom feed (no API key: a token).")
    ics_url: str = Field(description="Dated planned milestones as an iCalendar feed.")


class DeliveryState(BaseModel):
    """An alert's webhook: where its delivery stands."""

    state: str = Field(description="pending, delivered or failed")
    attempts: int = Field(description="Delivery attempts made so far.")


class AlertPublic(BaseModel):
    """An alert: an event that came or changed, as it stood then."""

    seq: int = Field(description="The alert's number (alerts after one: ?after=).")
    change: str = Field(description="new (its first alert here) or changed")
    at: datetime = Field(description="When it fired.")
    event: dict[str, Any] = Field(description="The event as it stood (as GET /v1/events).")
    webhook: DeliveryState | None = Field(
        default=None, description="Its webhook's delivery, when the search has a callback."
    )


def feed_token(service: Service, search_id: str) -> str:
    """The token of a search's feed URLs."""
    signed = hmac.new(service.page_secret, b"feed\n" + search_id.encode(), hashlib.sha256)
    return signed.hexdigest()[:32]


def public_search(service: Service, search: SavedSearch) -> SearchPublic:
    token = feed_token(service, search.id)
    return SearchPublic(
        id=search.id,
        name=search.name,
        filters=search.filters,
        callback_url=search.callback_url,
        created_at=search.created_at,
        alerts_url=f"/v1/searches/{search.id}/alerts",
        atom_url=f"/feeds/{search.id}.atom?token={token}",
        ics_url=f"/feeds/{search.id}.ics?token={token}",
    )


async def _search(service: Service, search_id: str) -> SavedSearch:
    found = await asyncio.to_thread(service.store.alerts.get, search_id[:64])
    if found is None:
        raise NotFound(f"no saved search with id {search_id[:64]!r}")
    return found


@router.post(
    "/searches",
    summary="Save a search: its alerts fire when a summary creates or changes an event",
    status_code=201,
    response_model=SearchPublic,
    responses=problem_responses(400, 401, 422, 503),
)
async def create_search(given: SearchCreate, service: ServiceDep) -> SearchPublic:
    """Save an index filter under a name. From now on, every stored summary that creates
    or changes an event the filter matches fires one alert per change of the event's
    facts (status, date, authority, jurisdiction): listed at ``alerts_url``, in the Atom
    feed, POSTed to ``callback_url`` (signed per Standard Webhooks, retried like jobs'
    webhooks), and for dated planned events in the iCalendar feed."""
    if given.callback_url is not None:
        instead = "read the search's alerts or its Atom feed instead"
        await service.check_callback(given.callback_url, instead)
    made = await asyncio.to_thread(
        service.store.alerts.create, given.name, given.filters, given.callback_url
    )
    return public_search(service, made)


@router.get(
    "/searches",
    summary="The saved searches",
    response_model=list[SearchPublic],
    responses=problem_responses(400, 401, 503),
)
async def list_searches(service: ServiceDep) -> list[SearchPublic]:
    """Every saved search, oldest first."""
    found = await asyncio.to_thread(service.store.alerts.all)
    return [public_search(service, s) for s in found]


@router.get(
    "/searches/{search_id}",
    summary="A saved search",
    response_model=SearchPublic,
    responses=problem_responses(400, 401, 404, 503),
)
async def read_search(search_id: str, service: ServiceDep) -> SearchPublic:
    return public_search(service, await _search(service, search_id))


@router.delete(
    "/searches/{search_id}",
    summary="Delete a saved search and its alerts",
    status_code=204,
    responses=problem_responses(400, 401, 404, 503),
)
async def delete_search(search_id: str, service: ServiceDep) -> Response:
    await _search(service, search_id)
    await asyncio.to_thread(service.store.alerts.delete, search_id)
    return Response(status_code=204)


@router.get(
    "/searches/{search_id}/alerts",
    summary="A saved search's alerts, newest first",
    response_model=list[AlertPublic],
    responses=problem_responses(400, 401, 404, 422, 503),
)
async def read_alerts(
    search_id: str,
    service: ServiceDep,
    after: int = Query(default=0, ge=0, le=2**62, description="Only alerts after this seq."),
    limit: int = Query(default=100, ge=1, le=500),
) -> list[AlertPublic]:
    """The alerts the search fired, newest first; with a callback URL, each one's
    webhook delivery."""
    search = await _search(service, search_id)
    found = await asyncio.to_thread(service.store.alerts.alerts, search.id, after, limit)
    sent = {}
    if search.callback_url:  # the alerts' webhooks (finished jobs), read at once
        ids = [f"{ALERT_JOB}{a.seq}" for a in found]
        sent = await asyncio.to_thread(service.store.jobs.get_many, ids)
    return [_public_alert(a, sent.get(f"{ALERT_JOB}{a.seq}")) for a in found]


def _public_alert(alert: Alert, job: Job | None) -> AlertPublic:
    webhook = None
    if job is not None:
        webhook = DeliveryState(state=job.delivery, attempts=job.delivery_attempts)
    return AlertPublic(
        seq=alert.seq, change=alert.change, at=alert.at, event=alert.event, webhook=webhook
    )


async def _fed(service: Service, search_id: str, token: str) -> SavedSearch:
    search = await _search(service, search_id)
    if not hmac.compare_digest(token.encode(), feed_token(service, search.id).encode()):
        raise NotFound(f"no saved search with id {search_id[:64]!r}")  # says nothing more
    return search


@feeds.get(
    "/feeds/{search_id}.atom",
    summary="A saved search's alerts as an Atom feed",
    responses=problem_responses(400, 404, 422, 503),
)
async def atom_feed(
    search_id: str, request: Request, service: ServiceDep, token: str = Query(max_length=64)
) -> Response:
    search = await _fed(service, search_id, token)
    found = await asyncio.to_thread(service.store.alerts.alerts, search.id, 0, 200)
    base = str(request.base_url).rstrip("/")
    body = atom(search, found, f"{base}/feeds/{search.id}.atom?token={token}", base)
    return Response(body, media_type="application/atom+xml")


@feeds.get(
    "/feeds/{search_id}.ics",
    summary="A saved search's dated planned milestones as an iCalendar feed",
    responses=problem_responses(400, 404, 422, 503),
)
async def ics_feed(
    search_id: str, request: Request, service: ServiceDep, token: str = Query(max_length=64)
) -> Response:
    search = await _fed(service, search_id, token)
    planned = await asyncio.to_thread(service.store.alerts.planned, search.id)
    body = icalendar(search, planned, request.url.hostname or "milestones")
    return Response(body, media_type="text/calendar; charset=utf-8")
