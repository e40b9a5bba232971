"""Feeds the service polls (``service.store.feeds``, ``service.http.feed_poller``):
registered, listed, read with their items, polled now (a stopped one resumed), deleted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.errors import NotFound
from service.http.models import one_line_name
from service.http.openapi import problem_responses
from service.http.state import AuthDep, Service, ServiceDep
from service.store.feeds import Feed, PolledItem

router = APIRouter(prefix="/v1", tags=["feeds"], dependencies=[AuthDep])

INTERVAL_MIN_S = 60.0


class FeedCreate(BaseModel):
    """A feed to poll: its URL, a name, where each item's summary is POSTed, how often."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(
        max_length=2048, description="The RSS or Atom feed's https URL.",
        examples=["https://newsroom.example.com/rss.xml"],
    )  # fmt: skip
    name: str | None = Field(default=None, max_length=200, description="What it is called.")
    callback_url: str | None = Field(
        default=None, max_length=2048,
        description="https URL each item's job's outcome is POSTed to, signed (as jobs').",
    )  # fmt: skip
    interval_s: float | None = Field(
        default=None, ge=INTERVAL_MIN_S, le=7 * 86400,
        description="Seconds between polls (default MILESTONES_FEED_INTERVAL_S, 900).",
    )  # fmt: skip

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return one_line_name(value) or None


class FeedPublic(BaseModel):
    """A feed the service polls, and how its polls go."""

    id: str = Field(description="The feed's id.")
    url: str = Field(description="The feed's URL.")
    name: str | None = Field(description="What it is called.")
    callback_url: str | None = Field(description="Where each item's job outcome is POSTed.")
    interval_s: float = Field(description="Seconds between polls.")
    created_at: datetime = Field(description="When it was registered.")
    state: str = Field(description="active, or stopped (it failed too often: resume it).")
    failures: int = Field(description="Polls failed in a row.")
    last_error: str | None = Field(description="Why the last poll failed, if it did.")
    last_polled_at: datetime | None = Field(description="When it was last polled.")
    next_poll_at: datetime | None = Field(description="When it is polled next (active).")
    last_items: int | None = Field(description="Items the last poll that read it found.")
    last_new: int | None = Field(description="Of those, how many were new or changed.")
    items_url: str = Field(description="Its items and what became of each.")


class ItemPublic(BaseModel):
    """A feed's item and what became of it."""

    link: str | None = Field(description="The page the item links to.")
    title: str | None = Field(description="The item's title.")
    seen_at: datetime = Field(description="When it was last taken (new, or changed).")
    state: str = Field(description="queued, running, summarised or failed")
    attempts: int = Field(description="Times it was taken.")
    summary_id: str | None = Field(description="Its summary (GET /v1/summaries/{id}).")
    job_id: str | None = Field(description="The job that summarises it (GET /v1/jobs/{id}).")
    error: str | None = Field(description="Why it has no summary, when it failed.")


def public_feed(feed: Feed) -> FeedPublic:
    return FeedPublic(
        id=feed.id, url=feed.url, name=feed.name, callback_url=feed.callback_url,
        interval_s=feed.interval_s, created_at=feed.created_at, state=feed.state,
        failures=feed.failures, last_error=feed.last_error,
        last_polled_at=feed.last_polled_at,
        next_poll_at=(datetime.fromtimestamp(feed.next_poll, UTC)
                      if feed.state == "active" else None),
        last_items=feed.last_items, last_new=feed.last_new,
        items_url=f"/v1/feeds/{feed.id}/items",
    )  # fmt: skip


def public_item(item: PolledItem) -> ItemPublic:
    return ItemPublic(
        link=item.link, title=item.title, seen_at=item.seen_at, state=item.state,
        attempts=item.attempts, summary_id=item.summary_id, job_id=item.job_id,
        error=item.error,
    )  # fmt: skip


async def register_feed(service: Service, given: FeedCreate) -> tuple[Feed, bool]:
    """Check a feed's URLs and register it (the pages register through here too)."""
    if given.callback_url is not None:
        await service.check_callback(given.callback_url, "read the feed's items instead")
    await service.fetcher().policy.check(given.url)
    interval = given.interval_s or service.settings.feed_interval_s
    made = await asyncio.to_thread(
        service.store.feeds.register, given.url, given.name, given.callback_url, interval
    )
    if made[1] and service.worker is not None:
        service.worker.wake()  # polled now, not at the worker's next look
    return made


async def feed_of(service: Service, feed_id: str) -> Feed:
    found = await asyncio.to_thread(service.store.feeds.get, feed_id[:64])
    if found is None:
        raise NotFound(f"no feed with id {feed_id[:64]!r}")
    return found


@router.post(
    "/feeds",
    summary="Register a feed: the job worker polls it and summarises each new item",
    status_code=201,
    response_model=FeedPublic,
    responses={
        200: {"description": "The URL was registered before: its feed."},
        **problem_responses(400, 401, 422, 503),
    },  # fmt: skip
)
async def create_feed(given: FeedCreate, service: ServiceDep) -> Response:
    """Register an RSS or Atom feed (its URL checked as pages' are: https, public). The
    job worker of any replica polls it every ``interval_s``, conditionally; each item new
    or changed since is a job (the page it links to fetched and summarised, or the content
    it carries), its outcome POSTed to ``callback_url`` when there is one. A feed that
    fails is polled less often, and stopped after MILESTONES_FEED_MAX_FAILURES."""
    feed, created = await register_feed(service, given)
    return Response(
        public_feed(feed).model_dump_json(),
        status_code=201 if created else 200,
        media_type="application/json",
        headers={"Location": f"/v1/feeds/{feed.id}"},
    )


@router.get(
    "/feeds",
    summary="The feeds the service polls",
    response_model=list[FeedPublic],
    responses=problem_responses(400, 401, 503),
)
async def list_feeds(service: ServiceDep) -> list[FeedPublic]:
    return [public_feed(f) for f in await asyncio.to_thread(service.store.feeds.all)]


@router.get(
    "/feeds/{feed_id}",
    summary="A feed and how its polls go",
    response_model=FeedPublic,
    responses=problem_responses(400, 401, 404, 503),
)
async def read_feed(feed_id: str, service: ServiceDep) -> FeedPublic:
    return public_feed(await feed_of(service, feed_id))


@router.get(
    "/feeds/{feed_id}/items",
    summary="A feed's items, newest first, and what became of each",
    response_model=list[ItemPublic],
    responses=problem_responses(400, 401, 404, 503),
)
async def read_items(feed_id: str, service: ServiceDep) -> list[ItemPublic]:
    feed = await feed_of(service, feed_id)
    return [public_item(i) for i in await asyncio.to_thread(service.store.feeds.items, feed)]


@router.post(
    "/feeds/{feed_id}/poll",
    summary="Poll a feed now (a stopped feed is resumed)",
    status_code=202,
    response_model=FeedPublic,
    responses=problem_responses(400, 401, 404, 503),
)
async def poll_feed(feed_id: str, service: ServiceDep) -> FeedPublic:
    await feed_of(service, feed_id)
    resumed = await asyncio.to_thread(service.store.feeds.resume, feed_id)
    if resumed is None:
        raise NotFound(f"no feed with id {feed_id[:64]!r}")
    if service.worker is not None:
        service.worker.wake()
    return public_feed(resumed)


@router.delete(
    "/feeds/{feed_id}",
    summary="Stop polling a feed and forget its items (their summaries stay)",
    status_code=204,
    responses=problem_responses(400, 401, 404, 503),
)
async def delete_feed(feed_id: str, service: ServiceDep) -> Response:
    if not await asyncio.to_thread(service.store.feeds.delete, feed_id[:64]):
        raise NotFound(f"no feed with id {feed_id[:64]!r}")
    return Response(status_code=204)
