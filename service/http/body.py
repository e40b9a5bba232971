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
from service.http.models import SummaryCreate
from service.inputs import BODY_MEDIA_TYPES, ArticleInput
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
    """What a request's body carries: the article as handed over and as converted, and
    for a job, the callback URL in the JSON body."""

    input: ArticleInput
    article: Article
    callback_url: str | None = None

    @property
    def article_id(self) -> str | None:
        """The caller's id for the article."""
        return self.input.id

    @property
    def extracted(self) -> bool:
        """Whether the text was extracted (from HTML or ninjs): answers then include it."""
        return self.input.extracted


def parse_article(
    content_type: str, body: bytes, fields: type[SummaryCreate] = SummaryCreate
) -> Parsed:
    """The article a request's body carries, by its Content-Type: text, HTML or ninjs
    alone, or JSON naming its fields (as ``fields``: SummaryCreate, or JobCreate with its
    callback URL). CPU work (an HTML page's text is extracted): callers run it with
    ``off_loop``."""
    media, charset = _media_type(content_type)
    form = BODY_MEDIA_TYPES.get(media) or ("fields" if media.endswith("+json") else None)
    if form is None:
        accepted = ", ".join(sorted(BODY_MEDIA_TYPES))
        raise UnsupportedMediaType(
            f"Content-Type {media or 'none'} is not accepted: send one of {accepted}"
        )
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset {charset} is not accepted: send UTF-8")
    if form == "text":
        given: ArticleInput = ArticleInput(text=_utf8(body))
    elif form == "html":
        given = ArticleInput(html=_utf8(body))
    else:
        data = _json(body)
        if form == "ninjs":
            if not isinstance(data, dict):
                raise InputError("a ninjs document must be a JSON object")
            given = ArticleInput(ninjs=data)
        elif not isinstance(data, dict):
            raise MalformedBody(
                "the JSON body must be an object with a 'text', 'html' or 'ninjs' field"
            )
        else:
            try:
                given = fields.model_validate(data)
            except ValidationError as error:
                errors = describe_errors(error)
                raise InvalidRequest("; ".join(errors), errors) from None
    callback_url = getattr(given, "callback_url", None)
    return Parsed(given, given.to_article(), callback_url)


def _json(body: bytes) -> object:
    return safe_json.loads(_utf8(body))
