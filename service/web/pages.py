"""The review pages, served by the same app as the API.

- ``/``: submit an article (pasted, uploaded, or a ninjs document); recent summaries.
- ``/summaries/{id}``: the summary, a card per milestone, the article with every
  milestone's evidence highlighted where it stands, the review form.
- ``/jobs/{id}``: a job's status, its summary, its webhook deliveries.
- ``/milestones``: every stored milestone, filtered and searched, paged, downloadable
  (``/milestones.csv``, ``/milestones.xlsx``);
- ``/products/{name}``, ``/organisations/{name}``: a timeline of events, each source
  linking to its evidence highlighted in its article.
- ``/signin``, ``/signout``: when the service has API keys.

Every page is rendered on the server (``render``), with CSRF tokens and strict headers
(``security``); the CPU work (cutting the article, rendering) runs off the event loop.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import OrderedDict
from datetime import date
from typing import Any, cast
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from schemas import SummaryRecord
from service import safe_json
from service.article import NUL, nul_problem
from service.errors import BadQuery, InputError, InvalidRequest, MilestonesError, UnusableJSON
from service.http.job_runner import public_job
from service.http.models import subjects_of
from service.http.problems import problem_of
from service.http.routes.index import download
from service.http.state import Service, service_of
from service.http.summary import public_summary
from service.index.names import NameSpace
from service.index.query import SORTS, Filters, Page, Sort, decode_cursor
from service.inputs import FILE_SUFFIXES, ArticleInput, decode
from service.offload import off_loop_for
from service.reviews import EDITABLE, AddedMilestone, MilestoneVerdict, ReviewIn, check
from service.settings import EngineName
from service.store.calls import LoggedCall
from service.web import render
from service.web.security import csrf_ok, csrf_token, finish, session_for, set_session, signed_in
from service.web.view import KINDS, STATUS_LABELS, build_view, kind_group, kind_label

router = APIRouter(include_in_schema=False)
ENGINES: list[tuple[str, str]] = [
    ("auto", "auto (the model when one is configured, else the rules)"),
    ("llm", "llm (the language model)"),
    ("rules", "rules (offline, deterministic)"),
]
FORM_FIELDS_MAX = 40 + 12 * 100  # verdicts and edits of up to 100 milestones


def install(app: FastAPI) -> None:
    """The pages and their static files (CSS, JS)."""
    app.state.rendered_pages = RenderedPages()
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=render.STATIC), name="static")


def html(request: Request, body: str, status: int = 200) -> Response:
    return finish(request, HTMLResponse(body, status_code=status))


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    body = render.page("error.html", title=title, detail=detail, csrf=csrf_token(request))
    return html(request, body, status)


def to_signin(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)


def who(request: Request) -> tuple[Service, str | None]:
    service = service_of(request)
    return service, signed_in(service, request)


async def read_form(request: Request, service: Service) -> FormData | Response:
    """The form of a POST, within the body limit, with its CSRF token checked."""
    limit = service.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64_000:
        return error_page(request, 413, "Too large", f"Send at most {limit:,} bytes.")
    try:
        form = await request.form(max_files=1, max_fields=FORM_FIELDS_MAX, max_part_size=limit)
    except (MultiPartException, ValueError) as error:
        return error_page(request, 400, "Malformed form", str(error))
    if not csrf_ok(request, form.get("csrf")):
        detail = "The form's security token is missing or stale: reload the page and try again."
        return error_page(request, 403, "Form refused", detail)
    for name, value in form.multi_items():
        if isinstance(value, str) and NUL in value:
            return error_page(request, 400, "Malformed form", nul_problem(name, value))
    return form


# -- the start page ----------------------------------------------------------------------


async def recent(service: Service) -> list[dict[str, Any]]:
    rows = await asyncio.to_thread(service.store.summaries.recent, 20)
    items = []
    for summary_id, raw, created in rows:
        try:
            record = SummaryRecord.model_validate_json(raw)
        except ValidationError:
            continue
        items.append(
            {
                "id": summary_id,
                "headline": record.summary.headline,
                "count": len(record.summary.milestones),
                "engine": record.meta.engine,
                "when": created.strftime("%Y-%m-%d %H:%M"),
            }
        )
    return items


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
        form=form or {"engine": service.settings.engine},
        recent=await recent(service),
        error={"title": problem.title, "detail": error.detail} if problem and error else None,
        signed_in=signed if service.api_keys else None,
        csrf=csrf_token(request),
    )
    return html(request, body, problem.status if problem else 200)


@router.get("/")
async def start(request: Request) -> Response:
    service, signed = who(request)
    if signed is None:
        return to_signin(request)
    return await start_page(request, service, signed)


def article_of(form: FormData, limit: int) -> tuple[ArticleInput, bool]:
    """The article the form sends, in exactly one of its three ways."""
    text = str(form.get("text") or "")
    ninjs = str(form.get("ninjs") or "")
    upload = form.get("file")
    has_file = isinstance(upload, UploadFile) and bool(upload.filename) and (upload.size or 0) > 0
    given = [
        name
        for name, there in (
            ("text", text.strip()),
            ("a file", has_file),
            ("a ninjs document", ninjs.strip()),
        )
        if there
    ]
    if len(given) != 1:
        raise InputError(
            "give the article one way: paste its text, upload a file or paste a ninjs document"
            + (f" (got {' and '.join(given)})" if given else "")
        )
    published = str(form.get("published_at") or "").strip()
    try:
        when = date.fromisoformat(published) if published else None
    except ValueError:
        raise InputError(f"the publication date {published!r} is not a date (YYYY-MM-DD)") from None
    fields: dict[str, Any] = {"published_at": when}
    if has_file:
        assert isinstance(upload, UploadFile)
        data = upload.file.read(limit + 1)
        if len(data) > limit:
            raise InputError(f"the file is over {limit:,} bytes")
        name = upload.filename or "upload"
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        fields |= {FILE_SUFFIXES.get(suffix, "text"): decode(data, name).text, "source": name}
    elif ninjs.strip():
        document = safe_json.loads(ninjs)
        if not isinstance(document, dict):
            raise InputError("a ninjs document is a JSON object")
        fields["ninjs"] = document
    else:
        fields["text"] = text
    try:
        article = ArticleInput.model_validate(fields)
    except ValidationError as error:
        raise InputError("; ".join(e["msg"] for e in error.errors())) from None
    return article, article.extracted


@router.post("/")
async def submit(request: Request) -> Response:
    service, signed = who(request)
    if signed is None:
        return to_signin(request)
    form = await read_form(request, service)
    if isinstance(form, Response):
        return form
    kept = {k: form.get(k) for k in ("text", "ninjs", "published_at", "engine")}
    requested = str(form.get("engine") or service.settings.engine)
    try:
        if requested not in ("auto", "llm", "rules"):
            raise InputError("choose an engine: auto, llm or rules")
        engine = await service.engine_for(cast(EngineName, requested))
        article_input, extracted = article_of(form, service.settings.max_body_bytes)
        article = await off_loop_for(service.settings.max_body_bytes, article_input.to_article)
        summary = await public_summary(service, article, engine, extracted=extracted)
    except MilestonesError as error:
        return await start_page(request, service, signed, form=kept, error=error)
    finally:
        await form.close()
    if not summary.meta.degraded:  # stored: its page has an address
        return RedirectResponse(f"/summaries/{summary.id}", status_code=303)
    record = SummaryRecord(source=summary.source, summary=summary.summary, meta=summary.meta)
    body = await off_loop_for(
        len(article.text), _summary_html, request, None, record, article.text, signed, service
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
    attempts: list[LoggedCall] | None = None,
) -> str:
    subjects = [s.model_dump() for s in subjects_of(record.summary, record.meta)]
    view = build_view(summary_id, record, text, subjects)
    return render.summary_page(
        view,
        reviewable=True,
        review=review,
        errors=errors,
        saved=saved,
        signed_in=signed if service.api_keys else None,
        csrf=csrf if csrf is not None else csrf_token(request),
        attempts=attempts or [],
    )


# A summary page shows at most this many of the model requests that made it.
MAX_ATTEMPTS_SHOWN = 50


class RenderedPages:
    """Summary pages already rendered, by what they show (the summary as stored, its
    current review, who is signed in): a repeat view costs a lookup. The CSRF token,
    the one part that differs per visitor, stands as a placeholder until served."""

    PLACEHOLDER = "csrf-" + secrets.token_hex(16)

    def __init__(self, size: int = 256, characters: int = 32_000_000) -> None:
        self.size, self.characters = size, characters
        self._pages: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self._held = 0

    def get(self, key: tuple[object, ...]) -> str | None:
        found = self._pages.get(key)
        if found is not None:
            self._pages.move_to_end(key)
        return found

    def put(self, key: tuple[object, ...], body: str) -> None:
        """Keep a page; the least recently shown go when there are too many pages or
        characters (a page of a 200 KB article is larger than that)."""
        if key in self._pages:
            self._held -= len(self._pages.pop(key))
        self._pages[key] = body
        self._held += len(body)
        while self._pages and (len(self._pages) > self.size or self._held > self.characters):
            self._held -= len(self._pages.popitem(last=False)[1])


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
        return error_page(request, 404, "Not found", f"There is no summary {summary_id}.")
    record, text = found
    reviews = await asyncio.to_thread(service.store.reviews.of, summary_id)
    review = reviews[-1] if reviews else None
    attempts = await asyncio.to_thread(
        service.store.calls.logs, summary_id=summary_id, limit=MAX_ATTEMPTS_SHOWN
    )
    rendered: RenderedPages = request.app.state.rendered_pages
    key = (
        summary_id,
        record.meta.created_at,
        review.id if review else 0,
        len(attempts),
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
            attempts,
        )
        if not errors:
            rendered.put(key, body)
    body = body.replace(RenderedPages.PLACEHOLDER, csrf_token(request))
    return html(request, body, 422 if errors else 200)


@router.get("/summaries/{summary_id}")
async def summary(summary_id: str, request: Request) -> Response:
    service, signed = who(request)
    if signed is None:
        return to_signin(request)
    saved = request.query_params.get("saved") == "1"
    return await summary_page(request, service, signed, summary_id, saved=saved)


def review_of(
    form: FormData, record: SummaryRecord, text: str | None, current: ReviewIn | None = None
) -> ReviewIn:
    """The review a summary page's form sends: a verdict on each milestone, the fields
    that differ from the milestone's, the additions kept and the one added now. What the
    form leaves out (a milestone's verdict or a field, the kept additions) stays as the
    ``current`` review has it: a form that only adds a note changes no verdict."""
    before = {v.index: v for v in current.verdicts} if current else {}
    verdicts = []
    for i, milestone in enumerate(record.summary.milestones):
        previous = before.get(i)
        sent_verdict = form.get(f"verdict_{i}")
        if sent_verdict in ("correct", "wrong"):
            verdict = sent_verdict
        else:
            verdict = previous.verdict if previous else "correct"
        edits: dict[str, str | None] = {}
        if previous and previous.edits:
            edits.update(previous.edits.items())
        for field in EDITABLE:
            sent = form.get(f"edit_{i}_{field}")
            if not isinstance(sent, str):
                continue
            value = sent.strip() or None
            edits.pop(field, None)
            if value != getattr(milestone, field):
                edits[field] = value
        verdicts.append({"index": i, "verdict": verdict, "edits": edits or None})
    added: list[Any] = []
    kept_field = form.get("keep_added")
    if kept_field is None:
        kept: object = [item.model_dump() for item in current.added] if current else []
    else:
        try:
            kept = safe_json.loads(str(kept_field) or "[]")
        except UnusableJSON:
            kept = []
    for k, item in enumerate(kept if isinstance(kept, list) else []):
        if form.get(f"remove_added_{k}") != "1":
            added.append(item)
    kind = str(form.get("add_kind") or "")
    if kind:
        added.append(_addition(form, kind, text))
    note = str(form.get("note") or "").strip() or None
    return ReviewIn.model_validate(
        {
            "verdicts": [MilestoneVerdict.model_validate(v) for v in verdicts],
            "added": added,
            "note": note,
        }
    )


_ASCII_NUMBER = re.compile(r"[0-9]{1,9}")  # str.isdigit also takes "²", which int() refuses


def _addition(form: FormData, kind: str, text: str | None) -> dict[str, Any]:
    evidence = str(form.get("add_evidence") or "").strip()
    if text is None:
        raise InvalidRequest(
            "no article text", ["the article's text was not kept: nothing to add to"]
        )
    if not evidence:
        raise InvalidRequest("no evidence", ["select the new milestone's evidence in the article"])
    start_text, end_text = str(form.get("add_start") or ""), str(form.get("add_end") or "")
    if (
        _ASCII_NUMBER.fullmatch(start_text)
        and _ASCII_NUMBER.fullmatch(end_text)
        and text[int(start_text) : int(end_text)] == evidence
    ):
        start = int(start_text)
    else:
        start = text.find(evidence)
        if start < 0:
            message = (
                "the evidence is not in the article as written: select it in the "
                "article, or paste it exactly"
            )
            raise InvalidRequest(message, [message])
    fields: dict[str, Any] = {
        "kind": kind,
        "status": str(form.get("add_status") or "achieved"),
        "evidence_span": {"start": start, "end": start + len(evidence)},
    }
    for name in (
        "title",
        "organisation",
        "authority",
        "jurisdiction",
        "product",
        "indication",
        "date",
    ):
        value = str(form.get(f"add_{name}") or "").strip()
        if value:
            fields[name] = value
    AddedMilestone.model_validate(fields)  # say what is missing now, by field
    return fields


@router.post("/summaries/{summary_id}/review")
async def save_review(summary_id: str, request: Request) -> Response:
    service, signed = who(request)
    if signed is None:
        return to_signin(request)
    form = await read_form(request, service)
    if isinstance(form, Response):
        return form
    found = await service.summariser.get_with_text(summary_id)
    if found is None:
        return error_page(request, 404, "Not found", f"There is no summary {summary_id}.")
    record, text = found
    await form.close()
    stored = await asyncio.to_thread(service.store.reviews.of, summary_id)
    try:
        current = ReviewIn.model_validate_json(stored[-1].body) if stored else None
        review = review_of(form, record, text, current)
        check(review, record, text)
    except InvalidRequest as error:
        return await summary_page(request, service, signed, summary_id, errors=error.errors)
    except ValidationError as error:
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()]
        return await summary_page(request, service, signed, summary_id, errors=errors)
    await asyncio.to_thread(service.store.reviews.add, summary_id, signed, review.model_dump_json())
    return RedirectResponse(f"/summaries/{summary_id}?saved=1#milestones-h", status_code=303)


# -- a job ---------------------------------------------------------------------------------


@router.get("/jobs/{job_id}")
async def job(job_id: str, request: Request) -> Response:
    service, signed = who(request)
    if signed is None:
        return to_signin(request)
    found = await asyncio.to_thread(service.store.jobs.get, job_id)
    if found is None:
        return error_page(request, 404, "Not found", f"There is no job {job_id}.")
    log = await asyncio.to_thread(service.store.jobs.deliveries, job_id)
    body = render.page(
        "job.html",
        job=public_job(found, log),
        signed_in=signed if service.api_keys else None,
        csrf=csrf_token(request),
    )
    return html(request, body)


# -- across articles ------------------------------------------------------------------------

SORT_LABELS: list[tuple[str, str]] = [
    ("-seen", "newest stored first"),
    ("seen", "oldest stored first"),
    ("date", "by date, earliest first"),
    ("-date", "by date, latest first"),
]
FILTER_FIELDS = ("q", "status", "product", "organisation", "authority", "jurisdiction",
                 "date_from", "date_to", "sort")  # fmt: skip


def _list_form(request: Request) -> dict[str, Any]:
    """The filter form's values, as sent (empty fields dropped)."""
    params = request.query_params
    form: dict[str, Any] = {k: params.get(k, "").strip() or None for k in FILTER_FIELDS}
    form["kind"] = [k for k in params.getlist("kind") if k][: len(KINDS)]
    form["sort"] = form["sort"] or "-seen"
    return form


def _list_query(form: dict[str, Any], cursor: str | None = None) -> tuple[Filters, Page]:
    """Filters and a page from the form; BadQuery saying what is wrong."""
    sort = form["sort"]
    if sort not in SORTS:
        raise BadQuery(f"sort must be one of {', '.join(SORTS)}")
    filters = Filters(
        kinds=tuple(form["kind"]), status=form["status"], product=form["product"],
        organisation=form["organisation"], authority=form["authority"],
        jurisdiction=form["jurisdiction"], date_from=form["date_from"],
        date_to=form["date_to"], query=form["q"],
    )  # fmt: skip
    after = decode_cursor(cursor, sort) if cursor else None
    return filters, Page(sort=cast(Sort, sort), limit=50, after=after)


def _query_string(form: dict[str, Any], **extra: str) -> str:
    pairs = [(k, v) for k, v in form.items() if k != "kind" and v]
    pairs += [("kind", k) for k in form["kind"]] + list(extra.items())
    return ("?" + urlencode(pairs)) if pairs else ""


@router.get("/milestones")
async def milestones_page(request: Request) -> Response:
    service, signed = who(request)
    if signed is None:
        return to_signin(request)
    form = _list_form(request)
    context: dict[str, Any] = {"items": [], "next_page": None, "error": None}
    status = 200
    try:
        filters, page = _list_query(form, request.query_params.get("cursor"))
        found = await asyncio.to_thread(service.store.index.milestones, filters, page)
        context["items"] = found.items
        if found.next_cursor:
            context["next_page"] = _query_string(form, cursor=found.next_cursor)
    except BadQuery as error:
        context["error"], status = error.detail, 400
    body = render.page(
        "milestones.html",
        form=form,
        query=_query_string(form),
        kinds=KINDS,
        statuses=STATUS_LABELS,
        sorts=SORT_LABELS,
        group=kind_group,
        label=kind_label,
        signed_in=signed if service.api_keys else None,
        csrf=csrf_token(request),
        **context,
    )
    return html(request, body, status)


@router.get("/milestones.{fmt}")
async def milestones_download(fmt: str, request: Request) -> Response:
    service, signed = who(request)
    if signed is None:
        return to_signin(request)
    if fmt not in ("csv", "xlsx"):
        return error_page(request, 404, "Not found", "Downloads are .csv or .xlsx.")
    form = _list_form(request)
    try:
        filters, page = _list_query(form)
        answer = await download(
            "milestones", service.store.index.milestones, filters, page.sort, fmt
        )
    except BadQuery as error:
        return error_page(request, 400, "Bad filter", error.detail)
    return finish(request, answer)


async def _timeline_page(request: Request, space: NameSpace, name: str) -> Response:
    service, signed = who(request)
    if signed is None:
        return to_signin(request)
    found = await asyncio.to_thread(service.store.index.timeline, space, name)
    if found is None:
        return error_page(request, 404, "Not found", f"Nothing is stored for the {space} {name}.")
    body = await off_loop_for(
        sum(len(s.evidence) for e in found.events for s in e.sources),
        render.page,
        "timeline.html",
        timeline=found,
        others=[n for n in found.names if n != found.name],
        statuses=STATUS_LABELS,
        group=kind_group,
        label=kind_label,
        signed_in=signed if service.api_keys else None,
        csrf=csrf_token(request),
    )
    return html(request, body)


# The name is the rest of the path ("/" inside it escaped as %2F), or ?name= (the form
# ``render.timeline_url`` gives a name a browser would read as "." or "..").
@router.get("/products/{name:path}")
async def product_page(name: str, request: Request) -> Response:
    return await _timeline_page(request, "product", name or request.query_params.get("name", ""))


@router.get("/organisations/{name:path}")
async def organisation_page(name: str, request: Request) -> Response:
    name = name or request.query_params.get("name", "")
    return await _timeline_page(request, "organisation", name)


# -- signing in ----------------------------------------------------------------------------


def _safe_next(target: str) -> str:
    """Where to go after signing in: a path of this site only."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


@router.get("/signin")
async def signin_page(request: Request) -> Response:
    service = service_of(request)
    if not service.api_keys:
        return RedirectResponse("/", status_code=303)
    target = _safe_next(request.query_params.get("next", "/"))
    body = render.page("signin.html", next=target, csrf=csrf_token(request))
    return html(request, body)


@router.post("/signin")
async def signin(request: Request) -> Response:
    service = service_of(request)
    form = await read_form(request, service)
    if isinstance(form, Response):
        return form
    target = _safe_next(str(form.get("next") or "/"))
    key = str(form.get("key") or "")
    name = service.caller(key) if service.api_keys else None
    if name is None:
        body = render.page(
            "signin.html",
            next=target,
            csrf=csrf_token(request),
            error="That is not a valid API key.",
        )
        return html(request, body, 401)
    response = RedirectResponse(target, status_code=303)
    set_session(request, response, session_for(key.strip().encode(), name))
    return finish(request, response)


@router.post("/signout")
async def signout(request: Request) -> Response:
    service = service_of(request)
    form = await read_form(request, service)
    if isinstance(form, Response):
        return form
    response = RedirectResponse("/signin" if service.api_keys else "/", status_code=303)
    set_session(request, response, None)
    return finish(request, response)
