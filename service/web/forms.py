"""What the pages' forms send, parsed: the article (the page's adapter to
``ArticleInput``), an editor's review, and the milestones table's filters.

Each parser raises the service's own errors (``InputError``, ``InvalidRequest``,
``BadQuery`` …): the pages show them from the one table of problems.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, cast
from urllib.parse import urlencode

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException

from schemas import SummaryRecord
from service import safe_json
from service.article import NUL, nul_problem
from service.errors import (
    BadQuery,
    FormRefused,
    InputError,
    InvalidRequest,
    MalformedBody,
    PayloadTooLarge,
    UnusableJSON,
)
from service.formats import FORMATS, by_file_name
from service.index.query import SORTS, Filters, Page, Sort, decode_cursor
from service.inputs import ArticleInput, decode, file_input
from service.reviews import EDITABLE, AddedMilestone, MilestoneVerdict, ReviewIn
from service.validate import describe_errors
from service.web.security import csrf_ok
from service.web.view import KINDS

FORM_FIELDS_MAX = 40 + 12 * 100  # verdicts and edits of up to 100 milestones
FORM_SLACK = 64_000  # a form's own bytes beside the article it carries


async def read_form(request: Request, limit: int) -> FormData:
    """The form of a POST, within the body limit, with its CSRF token checked."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FORM_SLACK:
        raise PayloadTooLarge(f"Send at most {limit:,} bytes.")
    try:
        form = await request.form(max_files=1, max_fields=FORM_FIELDS_MAX, max_part_size=limit)
    except (MultiPartException, ValueError) as error:
        raise MalformedBody(str(error)) from None
    if not csrf_ok(request, form.get("csrf")):
        raise FormRefused(
            "The form's security token is missing or stale: reload the page and try again."
        )
    for name, value in form.multi_items():
        if isinstance(value, str) and NUL in value:
            raise MalformedBody(nul_problem(name, value))
    return form


# -- the article -------------------------------------------------------------------------


def _uploaded(form: FormData) -> UploadFile | None:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename and (upload.size or 0) > 0:
        return upload
    return None


def article_of(form: FormData, limit: int) -> ArticleInput:
    """The article the form sends, in exactly one way: pasted in the box of a format
    that has one (``Format.pasted``), or uploaded as a file of any format's suffix."""
    boxes = {f.name: str(form.get(f.name) or "") for f in FORMATS.values() if f.pasted}
    pasted = {name: content for name, content in boxes.items() if content.strip()}
    upload = _uploaded(form)
    url = str(form.get("url") or "").strip() or None
    given = [FORMATS[name].label for name in pasted] + (["a file"] if upload else [])
    if len(given) > 1 or not (given or url):
        ways = ", ".join(f"paste {f.label}" for f in FORMATS.values() if f.pasted)
        raise InputError(
            f"give the article one way: {ways}, upload a file or give its page's URL"
            + (f" (got {' and '.join(given)})" if given else "")
        )
    published = str(form.get("published_at") or "").strip()
    try:
        when = date.fromisoformat(published) if published else None
    except ValueError:
        raise InputError(f"the publication date {published!r} is not a date (YYYY-MM-DD)") from None
    try:
        if not given:  # only the page's URL: fetched (under the fetch policy), then read
            return ArticleInput(url=url, published_at=when)
        if upload is not None:
            data = upload.file.read(limit + 1)
            if len(data) > limit:
                raise InputError(f"the file is over {limit:,} bytes")
            name = upload.filename or "upload"
            fmt = by_file_name(name) or FORMATS["text"]
            return file_input(fmt, decode(data, name).text, source=name, published_at=when)
        ((name, content),) = pasted.items()
        return file_input(FORMATS[name], content, published_at=when, url=url)
    except ValidationError as error:
        raise InputError("; ".join(describe_errors(error, "article"))) from None


# -- a review ----------------------------------------------------------------------------

_ASCII_NUMBER = re.compile(r"[0-9]{1,9}")  # str.isdigit also takes "²", which int() refuses


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


ADDED_FIELDS = ("title", "organisation", "authority", "jurisdiction", "product", "indication",
                "date")  # fmt: skip


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
    for name in ADDED_FIELDS:
        value = str(form.get(f"add_{name}") or "").strip()
        if value:
            fields[name] = value
    AddedMilestone.model_validate(fields)  # say what is missing now, by field
    return fields


# -- the milestones table's filters ------------------------------------------------------

FILTER_FIELDS = ("q", "status", "product", "organisation", "authority", "jurisdiction",
                 "date_from", "date_to", "sort")  # fmt: skip
# Schema v2's details, taken from the URL (``/milestones?designation=orphan_drug``).
DETAIL_FIELDS = ("designation", "application", "phase", "round", "registry_id", "currency",
                 "amount_min", "amount_max")  # fmt: skip
PAGE_SIZE = 50


def list_form(request: Request) -> dict[str, Any]:
    """The filter form's values, as sent (empty fields dropped)."""
    params = request.query_params
    fields = (*FILTER_FIELDS, *DETAIL_FIELDS)
    form: dict[str, Any] = {k: params.get(k, "").strip() or None for k in fields}
    form["kind"] = [k for k in params.getlist("kind") if k][: len(KINDS)]
    form["sort"] = form["sort"] or "-seen"
    return form


def list_query(form: dict[str, Any], cursor: str | None = None) -> tuple[Filters, Page]:
    """Filters and a page from the form; BadQuery saying what is wrong."""
    sort = form["sort"]
    if sort not in SORTS:
        raise BadQuery(f"sort must be one of {', '.join(SORTS)}")
    details: dict[str, Any] = {k: form[k] for k in DETAIL_FIELDS}
    for name in ("amount_min", "amount_max"):
        if details[name] is not None:
            try:
                details[name] = float(details[name])
            except ValueError:
                raise BadQuery(f"{name} must be a number, not {details[name]!r}") from None
    filters = Filters(
        kinds=tuple(form["kind"]), status=form["status"], product=form["product"],
        organisation=form["organisation"], authority=form["authority"],
        jurisdiction=form["jurisdiction"], date_from=form["date_from"],
        date_to=form["date_to"], query=form["q"], **details,
    )  # fmt: skip
    after = decode_cursor(cursor, sort) if cursor else None
    return filters, Page(sort=cast(Sort, sort), limit=PAGE_SIZE, after=after)


def query_string(form: dict[str, Any], **extra: str) -> str:
    """The form's values (and ``extra``) as a query string, '' when there are none."""
    pairs = [(k, v) for k, v in form.items() if k != "kind" and v]
    pairs += [("kind", k) for k in form["kind"]] + list(extra.items())
    return ("?" + urlencode(pairs)) if pairs else ""
