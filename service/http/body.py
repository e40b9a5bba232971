"""Reading an article from a request body, within the size limit: the HTTP adapter to
``service.inputs.ArticleInput``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from pydantic import ValidationError

from service import safe_json
from service.article import Article
from service.errors import (
    InputError,
    InvalidRequest,
    MalformedBody,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from service.fetch import media_type
from service.formats import FORMATS, all_media_types, by_media_type
from service.http.models import SummaryCreate
from service.inputs import ArticleInput
from service.validate import describe_errors


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


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedBody(f"the body is not UTF-8 (byte {error.start})") from None


@dataclass(frozen=True)
class Parsed:
    """What a request's body carries: the article as handed over and as converted, and
    for a job, the callback URL in the JSON body."""

    input: ArticleInput
    article: Article | None  # None: only a URL was given, and the page is to be fetched
    callback_url: str | None = None

    @property
    def article_id(self) -> str | None:
        """The caller's id for the article."""
        return self.input.id

    @property
    def extracted(self) -> bool:
        """Whether the text was extracted (from HTML or ninjs): answers then include it."""
        return self.input.to_fetch is not None or self.input.extracted


# JSON naming the article's fields (``SummaryCreate``): the one body that is no format.
FIELDS_MEDIA_TYPE = "application/json"


def accepted_media_types() -> list[str]:
    """Every media type an article body can have: each format's, and JSON fields."""
    return sorted({FIELDS_MEDIA_TYPE, *all_media_types()})


def parse_article(
    content_type: str, body: bytes, fields: type[SummaryCreate] = SummaryCreate
) -> Parsed:
    """The article a request's body carries, by its Content-Type: one format's content
    alone (``service.formats``), or JSON naming its fields (as ``fields``: SummaryCreate,
    or JobCreate with its callback URL). CPU work (an HTML page's text is extracted):
    callers run it with ``off_loop``."""
    media, charset = media_type(content_type)
    fmt = by_media_type(media)
    if fmt is None and media != FIELDS_MEDIA_TYPE and not media.endswith("+json"):
        accepted = ", ".join(accepted_media_types())
        raise UnsupportedMediaType(
            f"Content-Type {media or 'none'} is not accepted: send one of {accepted}"
        )
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset {charset} is not accepted: send UTF-8")
    if fmt is not None:
        content: object = _json(body) if fmt.json else _utf8(body)
        if fmt.json and not isinstance(content, dict):
            raise InputError(f"{fmt.label} must be a JSON object")
        given: ArticleInput = ArticleInput.of(fmt, content)
    else:
        data = _json(body)
        if not isinstance(data, dict):
            raise MalformedBody(
                f"the JSON body must be an object with a field of one format ({', '.join(FORMATS)})"
            )
        try:
            given = fields.model_validate(data)
        except ValidationError as error:
            errors = describe_errors(error, "body")
            raise InvalidRequest("; ".join(errors), errors) from None
    callback_url = getattr(given, "callback_url", None)
    return Parsed(given, None if given.to_fetch else given.to_article(), callback_url)


def _json(body: bytes) -> object:
    return safe_json.loads(_utf8(body))
