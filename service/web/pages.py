"""The review pages, served by the same app as the API.

- ``/``: submit an article (pasted in a format's box, or uploaded as a file of any
  format); recent summaries.
- ``/summaries/{id}``: the summary, a card per milestone, the article with every
  milestone's evidence highlighted where it stands, the review form.
- ``/jobs/{id}``: a job's status, its summary, its webhook deliveries.
- across articles (``web.index_pages``): every stored milestone, filtered, searched,
  paged and downloadable; a product's or organisation's timeline.
- ``/signin``, ``/signout`` (``web.access``): when the service has API keys.

Every page is rendered on the server (``render``), with CSRF tokens and strict headers
(``security``); the CPU work (cutting the article, rendering) runs off the event loop.
The pages use the API's seams: the signed-in dependency and error pages of
``web.access``, the form parsers of ``web.forms``, the service's own summary and job
views (``service.http``).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from schemas import SummaryRecord
from service.bounded import Bounded
from service.errors import InputError, InvalidRequest, MilestonesError, NotFound
from service.formats import FORMATS, all_suffixes
from service.http import (
    Service,
    problem_of,
    public_job,
    public_summary,
    service_of,
    subjects_of,
    url_summary,
)
from service.offload import off_loop_for
from service.reviews import ReviewIn, check
from service.settings import ENGINE_NAMES, EngineName
from service.store.calls import CALLS_SHOWN, LoggedCall
from service.store.summaries import parsed_records
from service.validate import describe_errors
from service.web import access, charts, index_pages, render, watching
from service.web.access import SignedIn, html, page_context, pages_router, shown_name
from service.web.forms import article_of, read_form, review_of
from service.web.security import csrf_token
from service.web.view import build_view

router = pages_router()
ENGINES: list[tuple[str, str]] = [
    ("auto", "auto (the model when one is configured, else the rules)"),
    ("llm", "llm (the language model)"),
    ("rules", "rules (offline, deterministic)"),
]


def install(app: FastAPI) -> None:
    """The pages and their static files (CSS, JS)."""
    app.state.rendered_pages = RenderedPages()
    app.include_router(router)
    app.include_router(index_pages.router)
    app.include_router(charts.router)
    app.include_router(watching.router)
    app.include_router(access.router)
    app.mount("/static", StaticFiles(directory=render.STATIC), name="static")


# -- the start page ----------------------------------------------------------------------

RECENT_SHOWN = 20


async def recent(service: Service) -> list[dict[str, Any]]:
    rows = await asyncio.to_thread(service.store.summaries.recent, RECENT_SHOWN)
    return [
        {
            "id": summary_id,
            "headline": record.summary.headline,
            "count": len(record.summary.milestones),
            "engine": record.meta.engine,
            "when": created.strftime("%Y-%m-%d %H:%M"),
        }
        for summary_id, record, created in parsed_records(rows)
    ]


def upload_accept() -> str:
    """The file input's ``accept``: every format's suffixes and media types."""
    media = sorted({m for f in FORMATS.values() for m in f.media_types})
    return ",".join(all_suffixes() + media)


async def start_page(
    request: Request,
    service: Service,
    signed: str,
    *,
    form: dict[str, Any] | None = None,
    error: MilestonesError | None = None,
) -> Response:
    problem = problem_of(error) if error else None
    body = render.page(
        "index.html",
        engines=ENGINES,
        formats=[f for f in FORMATS.values() if f.pasted],
        suffixes=", ".join(all_suffixes()),
        accept=upload_accept(),
        form=form or {"engine": service.settings.engine},
        recent=await recent(service),
        error={"title": problem.title, "detail": error.detail} if problem and error else None,
        **page_context(request, service, signed),
    )
    return html(request, body, problem.status if problem else 200)


@router.get("/")
async def start(request: Request, signed: SignedIn) -> Response:
    return await start_page(request, service_of(request), signed)


@router.post("/")
async def submit(request: Request, signed: SignedIn) -> Response:
    service = service_of(request)
    form = await read_form(request, service.settings.max_body_bytes)
    pasted = [f.name for f in FORMATS.values() if f.pasted]
    kept = {k: form.get(k) for k in (*pasted, "url", "published_at", "engine")}
    requested = str(form.get("engine") or service.settings.engine)
    try:
        if requested not in ENGINE_NAMES:
            raise InputError(f"choose an engine: {', '.join(ENGINE_NAMES)}")
        engine = await service.engine_for(cast(EngineName, requested))
        article_input = article_of(form, service.settings.max_body_bytes)
        if article_input.to_fetch:  # only a URL: the page fetched (conditionally), then read
            summary = await url_summary(service, article_input, engine)
            text = summary.text or ""
        else:
            limit = service.settings.max_body_bytes
            article = await off_loop_for(limit, article_input.to_article)
            extracted = article_input.extracted
            summary = await public_summary(service, article, engine, extracted=extracted)
            text = article.text
    except MilestonesError as error:
        return await start_page(request, service, signed, form=kept, error=error)
    finally:
        await form.close()
    if not summary.meta.degraded:  # stored: its page has an address
        return RedirectResponse(f"/summaries/{summary.id}", status_code=303)
    record = SummaryRecord(source=summary.source, summary=summary.summary, meta=summary.meta)
    body = await off_loop_for(
        len(text), _summary_html, request, None, record, text, signed, service
    )
    return html(request, body)


# -- a summary -----------------------------------------------------------------------------


def _summary_html(
    request: Request,
    summary_id: str | None,
    record: SummaryRecord,
    text: str | None,
    signed: str,
    service: Service,
    review: Any = None,
    errors: list[str] | None = None,
    saved: bool = False,
    csrf: str | None = None,
    calls: list[LoggedCall] | None = None,
) -> str:
    subjects = [s.model_dump() for s in subjects_of(record.summary, record.meta)]
    view = build_view(summary_id, record, text, subjects)
    return render.summary_page(
        view,
        reviewable=True,
        review=review,
        errors=errors,
        saved=saved,
        signed_in=shown_name(service, signed),
        csrf=csrf if csrf is not None else csrf_token(request),
        calls=calls or [],
    )


class RenderedPages(Bounded[tuple[object, ...], str]):
    """Summary pages already rendered, by what they show (the summary as stored, its
    current review, who is signed in): a repeat view costs a lookup. Bounded by count
    and characters (a page of a 200 KB article is larger than that). The CSRF token, the
    one part that differs per visitor, stands as a placeholder until served."""

    PLACEHOLDER = "csrf-" + secrets.token_hex(16)

    def __init__(self, size: int = 256, characters: int = 32_000_000) -> None:
        super().__init__(size, weigh=len, weight_max=characters)


async def summary_page(
    request: Request,
    service: Service,
    signed: str,
    summary_id: str,
    *,
    errors: list[str] | None = None,
    saved: bool = False,
) -> Response:
    found = await service.summariser.get_with_text(summary_id)
    if found is None:
        raise NotFound(f"There is no summary {summary_id}.")
    record, text = found
    reviews = await asyncio.to_thread(service.store.reviews.of, summary_id)
    review = reviews[-1] if reviews else None
    calls = await asyncio.to_thread(
        service.store.calls.logs, summary_id=summary_id, limit=CALLS_SHOWN
    )
    rendered: RenderedPages = request.app.state.rendered_pages
    key = (
        summary_id,
        record.meta.created_at,
        review.id if review else 0,
        len(calls),
        signed,
        saved,
    )
    body = None if errors else rendered.get(key)
    if body is None:
        body = await off_loop_for(
            len(text or ""),
            _summary_html,
            request,
            summary_id,
            record,
            text,
            signed,
            service,
            review,
            errors,
            saved,
            RenderedPages.PLACEHOLDER,
            calls,
        )
        if not errors:
            rendered.put(key, body)
    body = body.replace(RenderedPages.PLACEHOLDER, csrf_token(request))
    return html(request, body, 422 if errors else 200)


@router.get("/summaries/{summary_id}")
async def summary(summary_id: str, request: Request, signed: SignedIn) -> Response:
    saved = request.query_params.get("saved") == "1"
    return await summary_page(request, service_of(request), signed, summary_id, saved=saved)


@router.post("/summaries/{summary_id}/review")
async def save_review(summary_id: str, request: Request, signed: SignedIn) -> Response:
    service = service_of(request)
    form = await read_form(request, service.settings.max_body_bytes)
    found = await service.summariser.get_with_text(summary_id)
    if found is None:
        raise NotFound(f"There is no summary {summary_id}.")
    record, text = found
    await form.close()
    stored = await asyncio.to_thread(service.store.reviews.of, summary_id)
    try:
        current = ReviewIn.model_validate_json(stored[-1].body) if stored else None
        review = review_of(form, record, text, current)
        check(review, record, text)
    except InvalidRequest as error:
        return await summary_page(request, service, signed, summary_id, errors=error.errors)
    except ValueError as error:  # a ValidationError of the review's fields
        errors = describe_errors(error, "review")
        return await summary_page(request, service, signed, summary_id, errors=errors)
    await asyncio.to_thread(service.store.reviews.add, summary_id, signed, review.model_dump_json())
    return RedirectResponse(f"/summaries/{summary_id}?saved=1#milestones-h", status_code=303)


# -- a job ---------------------------------------------------------------------------------


@router.get("/jobs/{job_id}")
async def job(job_id: str, request: Request, signed: SignedIn) -> Response:
    service = service_of(request)
    found = await asyncio.to_thread(service.store.jobs.get, job_id)
    if found is None:
        raise NotFound(f"There is no job {job_id}.")
    log = await asyncio.to_thread(service.store.jobs.deliveries, job_id)
    body = render.page(
        "job.html", job=public_job(found, log), **page_context(request, service, signed)
    )
    return html(request, body)
