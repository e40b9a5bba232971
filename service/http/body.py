"""Reading an article from a request body: JSON or text/plain, within the size limit."""

from __future__ import annotations

import json
from datetime import date

from fastapi import Request
from pydantic import ValidationError

from service.http.models import SummaryCreate
from service.http.problems import (
    InvalidRequest,
    MalformedBody,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from service.pipeline import Article
from service.validate import describe_errors

JSON_TYPES = ("application/json",)
TEXT_TYPES = ("text/plain",)


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


def _media_type(request: Request) -> tuple[str, str | None]:
    raw = request.headers.get("content-type", "")
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


def parse_article(request: Request, body: bytes) -> tuple[Article, str | None]:
    """The article a request's body carries, and the caller's id for it."""
    media, charset = _media_type(request)
    if media not in JSON_TYPES + TEXT_TYPES and not media.endswith("+json"):
        shown = media or "none"
        raise UnsupportedMediaType(
            f"Content-Type {shown} is not accepted: send application/json or text/plain"
        )
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset {charset} is not accepted: send UTF-8")
    if media in TEXT_TYPES:
        return Article(_utf8(body)), None
    try:
        data = json.loads(_utf8(body))
    except json.JSONDecodeError as error:
        raise MalformedBody(f"the body is not JSON: {error.msg} at position {error.pos}") from None
    if not isinstance(data, dict):
        raise MalformedBody("the JSON body must be an object with a 'text' field")
    try:
        payload = SummaryCreate.model_validate(data)
    except ValidationError as error:
        errors = describe_errors(error)
        raise InvalidRequest("; ".join(errors), errors) from None
    published: date | None = payload.published_at
    article = Article(payload.text, published, payload.source, payload.url, payload.id)
    return article, payload.id
