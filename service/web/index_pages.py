"""The pages across articles: every stored milestone (``/milestones``: filtered,
searched, paged; ``/milestones.csv`` and ``.xlsx`` download what is selected), and a
product's or organisation's timeline (``/products/{name}``, ``/organisations/{name}``:
events, each source linking to its evidence highlighted in its article)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from service.errors import BadQuery, NotFound
from service.http import problem_of, service_of
from service.index.names import NameSpace
from service.index.query import DETAIL_CHOICES, TIMELINE_LIMIT, timeline_page
from service.index.sheets import download
from service.offload import off_loop_for
from service.store.index import every
from service.web import render
from service.web.access import SignedIn, html, page_context, pages_router
from service.web.forms import list_form, list_query, query_string
from service.web.security import finish
from service.web.view import KINDS, STATUS_LABELS, kind_group, kind_label

router = pages_router()

SORT_LABELS: list[tuple[str, str]] = [
    ("-seen", "newest stored first"),
    ("seen", "oldest stored first"),
    ("date", "by date, earliest first"),
    ("-date", "by date, latest first"),
]
DOWNLOADS = ("csv", "xlsx")


@router.get("/milestones")
async def milestones_page(request: Request, signed: SignedIn) -> Response:
    service = service_of(request)
    form = list_form(request)
    context: dict[str, Any] = {"items": [], "next_page": None, "error": None}
    status = 200
    try:
        filters, page = list_query(form, request.query_params.get("cursor"))
        found = await asyncio.to_thread(service.store.index.milestones, filters, page)
        context["items"] = found.items
        if found.next_cursor:
            context["next_page"] = query_string(form, cursor=found.next_cursor)
    except BadQuery as error:
        context["error"], status = error.detail, problem_of(error).status
    body = render.page(
        "milestones.html",
        form=form,
        query=query_string(form),
        kinds=KINDS,
        statuses=STATUS_LABELS,
        sorts=SORT_LABELS,
        detail_choices=DETAIL_CHOICES,
        group=kind_group,
        label=kind_label,
        **page_context(request, service, signed),
        **context,
    )
    return html(request, body, status)


@router.get("/milestones.{fmt}")
async def milestones_download(fmt: str, request: Request, signed: SignedIn) -> Response:
    if fmt not in DOWNLOADS:
        raise NotFound(f"Downloads are {' or '.join('.' + d for d in DOWNLOADS)}.")
    filters, page = list_query(list_form(request))
    listing = service_of(request).store.index.milestones
    return finish(request, await download("milestones", every(listing, filters, page.sort), fmt))


async def _timeline_page(request: Request, signed: str, space: NameSpace, name: str) -> Response:
    service = service_of(request)
    cursor = request.query_params.get("cursor")
    page = timeline_page(cursor, TIMELINE_LIMIT)  # a 400 page for a cursor not ours
    found = await asyncio.to_thread(service.store.index.timeline, space, name, page)
    if found is None:
        raise NotFound(f"Nothing is stored for the {space} {name}.")
    later = None
    if found.next_cursor:  # this page's address (the name as it came), the next cursor
        named = [("name", name)] if "name" in request.query_params else []
        later = "?" + urlencode([*named, ("cursor", found.next_cursor)])
    body = await off_loop_for(
        sum(len(s.evidence) for e in found.events for s in e.sources),
        render.page,
        "timeline.html",
        timeline=found,
        others=[n for n in found.names if n != found.name],
        later=later,
        continued=page.after is not None,
        statuses=STATUS_LABELS,
        group=kind_group,
        label=kind_label,
        **page_context(request, service, signed),
    )
    return html(request, body)


# The name is the rest of the path ("/" inside it escaped as %2F), or ?name= (the form
# ``render.timeline_url`` gives a name a browser would read as "." or "..").
@router.get("/products/{name:path}")
async def product_page(name: str, request: Request, signed: SignedIn) -> Response:
    name = name or request.query_params.get("name", "")
    return await _timeline_page(request, signed, "product", name)


@router.get("/organisations/{name:path}")
async def organisation_page(name: str, request: Request, signed: SignedIn) -> Response:
    name = name or request.query_params.get("name", "")
    return await _timeline_page(request, signed, "organisation", name)
