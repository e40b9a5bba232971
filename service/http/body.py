"""Reading an article from a request body: JSON or text/plain, within the size limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import Request
from pydantic import ValidationError

from service import safe_json
from service.article import Article
from service.errors import InvalidRequest, MalformedBody, PayloadTooLarge, UnsupportedMediaType
from service.formats import from_html, from_ninjs
from service.http.models import SummaryCreate
from service.validate import describe_errors

JSON_TYPES = ("application/json",)
TEXT_TYPES = ("text/plain",)
HTML_TYPES = ("text/html", "application/xhtml+xml")
NINJS_TYPES = ("application/ninjs+json",)


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing more than ``limit`` bytes (declared or actually sent)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is {declared} bytes; the limit is {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(raw: str) -> tuple[str, str | None]:
    media, _, params = raw.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedBody(f"the body is not UTF-8 (byte {error.start})") from None


@dataclass(frozen=True)
class Parsed:
    """What a request's body carries: the article, the caller's id for it, whether its
    text was extracted (from HTML or ninjs: the response then includes it), and for a
    job, the callback URL in the JSON body."""

    article: Article
    article_id: str | None = None
    extracted: bool = False
    callback_url: str | None = None


def parse_article(
    content_type: str, body: bytes, fields: type[SummaryCreate] = SummaryCreate
) -> Parsed:
    """The article a request's body carries, by its Content-Type: text, HTML or ninjs. A
    JSON object is read as ``fields`` (SummaryCreate, or JobCreate with its callback URL).
    CPU work (an HTML page's text is extracted): callers run it with ``off_loop``."""
    media, charset = _media_type(content_type)
    accepted = JSON_TYPES + TEXT_TYPES + HTML_TYPES + NINJS_TYPES
    if media not in accepted and not media.endswith("+json"):
        shown = media or "none"
        raise UnsupportedMediaType(
            f"Content-Type {shown} is not accepted: send application/json, text/plain, "
            "text/html or application/ninjs+json"
        )
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset {charset} is not accepted: send UTF-8")
    if media in TEXT_TYPES:
        return Parsed(Article(_utf8(body)))
    if media in HTML_TYPES:
        return Parsed(from_html(_utf8(body)), extracted=True)
    data = _json(body)
    if media in NINJS_TYPES:
        return Parsed(from_ninjs(data), extracted=True)
    if not isinstance(data, dict):
        raise MalformedBody(
            "the JSON body must be an object with a 'text', 'html' or 'ninjs' field"
        )
    try:
        payload = fields.model_validate(data)
    except ValidationError as error:
        errors = describe_errors(error)
        raise InvalidRequest("; ".join(errors), errors) from None
    published: date | None = payload.published_at
    if payload.html is not None:
        article = from_html(
            payload.html,
            published_at=published,
            url=payload.url,
            source=payload.source,
            article_id=payload.id,
        )
    elif payload.ninjs is not None:
        found = from_ninjs(payload.ninjs, source=payload.source)
        article = Article(
            found.text,
            published or found.published_at,
            payload.source,
            payload.url or found.url,
            payload.id,
        )
    else:
        assert payload.text is not None
        article = Article(payload.text, published, payload.source, payload.url, payload.id)
    callback_url = getattr(payload, "callback_url", None)
    return Parsed(article, payload.id, payload.text is None, callback_url)


def _json(body: bytes) -> object:
    return safe_json.loads(_utf8(body))
