"""The watching pages: the feeds the service polls and the saved searches.

- ``/watching``: every feed (how its polls go) and every saved search (how many alerts
  are new since its page was last opened); a form to register a feed.
- ``/watching/feeds/{id}``: a feed, its items and what became of each (summary, job,
  error); poll it now (a stopped feed resumed), delete it.
- ``/watching/searches``: POSTed by the milestones table's "save this filter" form.
- ``/watching/searches/{id}``: a search's alerts, newest first, those new since the page
  was last opened marked (opening it marks them seen); its Atom and calendar feeds.

The pages use the API's own checks and views (``service.http.routes.feeds`` and
``searches``): a feed or search made here is what the API would make.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from service.errors import InvalidRequest, MilestonesError, NotFound
from service.feeds_out import event_title
from service.http import problem_of, service_of
from service.http.models import one_line_name
from service.http.routes.feeds import FeedCreate, feed_of, public_feed, public_item, register_feed
from service.http.routes.searches import public_search
from service.http.state import Service
from service.store.alerts import FILTER_NAMES
from service.validate import describe_errors
from service.web import render
from service.web.access import SignedIn, html, page_context, pages_router
from service.web.forms import query_string, read_form
from service.web.view import STATUS_LABELS, kind_group, kind_label

router = pages_router()
ALERTS_SHOWN = 200


async def _overview(
    request: Request,
    service: Service,
    signed: str,
    *,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    found_feeds = await asyncio.to_thread(service.store.feeds.all)
    searches = await asyncio.to_thread(service.store.alerts.all)
    counted = await asyncio.to_thread(service.store.alerts.unseen)
    unseen = {s.id: min(counted.get(s.id, 0), ALERTS_SHOWN) for s in searches}
    body = render.page(
        "watching.html",
        feeds=[public_feed(f) for f in found_feeds],
        searches=[public_search(service, s) for s in searches],
        unseen=unseen,
        default_minutes=f"{service.settings.feed_interval_s / 60:g}",
        form=form or {},
        error=error,
        **page_context(request, service, signed),
    )
    return html(request, body, status)


@router.get("/watching")
async def watching(request: Request, signed: SignedIn) -> Response:
    return await _overview(request, service_of(request), signed)


@router.post("/watching/feeds")
async def add_feed(request: Request, signed: SignedIn) -> Response:
    service = service_of(request)
    form = await read_form(request, 64_000)
    kept = {k: str(form.get(k) or "").strip() for k in ("url", "name", "interval_min")}
    await form.close()
    try:
        minutes = kept["interval_min"]
        interval = float(minutes) * 60 if minutes else None
        given = FeedCreate(url=kept["url"], name=kept["name"] or None, interval_s=interval)
        feed, _ = await register_feed(service, given)
    except ValueError as error:  # a field no feed takes (pydantic's, or the number's)
        detail = _fields_said(error)
        return await _overview(request, service, signed, form=kept, error=detail, status=422)
    except MilestonesError as error:
        status = problem_of(error).status
        return await _overview(
            request, service, signed, form=kept, error=error.detail, status=status
        )
    return RedirectResponse(f"/watching/feeds/{feed.id}", status_code=303)


def _fields_said(error: ValueError) -> str:
    if isinstance(error, ValidationError):
        said = describe_errors(error, "feed")
        return "; ".join(said).replace("interval_s", "interval")
    return "The interval is a number of minutes (at least 1)."


@router.get("/watching/feeds/{feed_id}")
async def feed_page(feed_id: str, request: Request, signed: SignedIn) -> Response:
    service = service_of(request)
    feed = await feed_of(service, feed_id)
    items = await asyncio.to_thread(service.store.feeds.items, feed)
    body = render.page(
        "feed.html",
        feed=public_feed(feed),
        items=[public_item(i) for i in items],
        **page_context(request, service, signed),
    )
    return html(request, body)


@router.post("/watching/feeds/{feed_id}/poll")
async def poll_feed(feed_id: str, request: Request, signed: SignedIn) -> Response:
    service = service_of(request)
    await (await read_form(request, 10_000)).close()
    feed = await feed_of(service, feed_id)
    await asyncio.to_thread(service.store.feeds.resume, feed.id)
    if service.worker is not None:
        service.worker.wake()
    return RedirectResponse(f"/watching/feeds/{feed.id}", status_code=303)


@router.post("/watching/feeds/{feed_id}/delete")
async def delete_feed(feed_id: str, request: Request, signed: SignedIn) -> Response:
    service = service_of(request)
    await (await read_form(request, 10_000)).close()
    feed = await feed_of(service, feed_id)
    await asyncio.to_thread(service.store.feeds.delete, feed.id)
    return RedirectResponse("/watching", status_code=303)


@router.post("/watching/searches")
async def add_search(request: Request, signed: SignedIn) -> Response:
    """A saved search of the milestones table's filter, as its form sent it."""
    service = service_of(request)
    form = await read_form(request, 64_000)
    name = str(form.get("name") or "").strip()
    values: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in FILTER_NAMES}
    values["kind"] = [str(k) for k in form.getlist("kind") if k]
    await form.close()
    for number in ("amount_min", "amount_max"):
        if values.get(number):
            try:
                values[number] = float(values[number])
            except ValueError:
                said = f"{number} must be a number"
                raise InvalidRequest(said, [said]) from None
    filters = {k: v for k, v in values.items() if v not in ("", [])}
    try:
        one_line_name(name)
    except ValueError:
        name = ""
    if not name or len(name) > 200:
        said = "Name the search (up to 200 characters, on one line)."
        raise InvalidRequest(said, [said])
    search = await asyncio.to_thread(service.store.alerts.create, name, filters, None)
    return RedirectResponse(f"/watching/searches/{search.id}", status_code=303)


@router.get("/watching/searches/{search_id}")
async def search_page(search_id: str, request: Request, signed: SignedIn) -> Response:
    service = service_of(request)
    search = await asyncio.to_thread(service.store.alerts.get, search_id[:64])
    if search is None:
        raise NotFound(f"There is no saved search {search_id[:64]}.")
    found = await asyncio.to_thread(service.store.alerts.alerts, search.id, 0, ALERTS_SHOWN)
    public = public_search(service, search)
    kinds = search.filters.get("kind") or []
    table = query_string({**search.filters, "kind": [kinds] if isinstance(kinds, str) else kinds})
    body = render.page(
        "search.html",
        search=public,
        alerts=found,
        opened=search.opened_seq,
        new=sum(1 for a in found if a.seq > search.opened_seq),
        table=table,
        title=event_title,
        statuses=STATUS_LABELS,
        group=kind_group,
        label=kind_label,
        **page_context(request, service, signed),
    )
    if found:  # the alerts shown are seen now
        await asyncio.to_thread(service.store.alerts.opened, search.id, found[0].seq)
    return html(request, body)


@router.post("/watching/searches/{search_id}/delete")
async def delete_search(search_id: str, request: Request, signed: SignedIn) -> Response:
    service = service_of(request)
    await (await read_form(request, 10_000)).close()
    if not await asyncio.to_thread(service.store.alerts.delete, search_id[:64]):
        raise NotFound(f"There is no saved search {search_id[:64]}.")
    return RedirectResponse("/watching", status_code=303)
