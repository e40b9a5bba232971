"""Fetching a page or feed a caller names by URL, safely, and reading it as an article.

- Where: the URL, and every redirect's target, is checked by ``service.egress``'s
  ``FetchPolicy`` (https and public addresses only unless the ``MILESTONES_ALLOW_*
  _FETCHES`` settings allow more; connections made only to the addresses just checked,
  so DNS rebinding is not followed); at most ``fetch_max_redirects`` redirects.
- How much: the whole fetch within ``fetch_timeout_s``; at most ``fetch_max_bytes``
  once decompressed (a gzip bomb stops at the limit), whatever Content-Length says.
- What: an answer of 2xx whose type is a format the service reads (HTML, plain text,
  ninjs …, by Content-Type, else by the bytes themselves); 304 when the validators sent
  (``ETag``, ``Last-Modified``) still hold; a 4xx is ``FetchFailed``; a 5xx, a 429, a
  refused connection or a timeout ``FetchUnavailable`` (it may answer later).

``article_input`` turns a page into the ``ArticleInput`` the HTML path reads (main text,
title and publication date from the page's metadata, by trafilatura); the caller's URL,
source, date and id win over what the page says.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import httpx

from service import __version__, safe_json
from service.egress import AddressPolicy, FetchPolicy, PinnedTransport
from service.errors import FetchFailed, FetchUnavailable, InputError
from service.formats import FORMATS, by_media_type
from service.inputs import ArticleInput, decode
from service.settings import Settings

REDIRECTS = (301, 302, 303, 307, 308)
ACCEPT = (
    "text/html,application/xhtml+xml;q=0.9,application/rss+xml;q=0.9,"
    "application/atom+xml;q=0.9,application/xml;q=0.8,text/plain;q=0.8,*/*;q=0.1"
)
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
XML_TYPES = (*FEED_TYPES, "application/xml", "text/xml")


@dataclass(frozen=True)
class Validators:
    """What a server said of a page it sent, to ask next time whether it changed."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Fetched:
    """A page's answer: 200 with its body, or 304 (not modified) with none."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    body: bytes = b""
    media_type: str = ""
    charset: str | None = None
    validators: Validators = field(default_factory=Validators)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """Fetches pages and feeds under the fetch policy and limits of ``settings``."""

    def __init__(
        self,
        settings: Settings,
        policy: AddressPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy(
            settings.allow_http_fetches, settings.allow_private_fetches
        )
        self.max_bytes = settings.fetch_max_bytes
        self.timeout = settings.fetch_timeout_s
        self.max_redirects = settings.fetch_max_redirects
        self.client = httpx.AsyncClient(
            transport=transport or PinnedTransport(self.policy),
            follow_redirects=False,
            timeout=self.timeout,
            trust_env=False,
            headers={
                "User-Agent": f"milestones/{__version__} (news milestones reader)",
                "Accept": ACCEPT,
                "Accept-Encoding": "gzip, deflate",
            },
        )

    async def fetch(self, url: str, validators: Validators | None = None) -> Fetched:
        """The page at ``url`` (redirects followed, each checked), or 304 when
        ``validators`` still hold; FetchRefused, FetchFailed or FetchUnavailable."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(url, validators or Validators())
        except TimeoutError:
            raise FetchUnavailable(f"{url} did not answer within {self.timeout:g} s") from None

    async def _follow(self, url: str, validators: Validators) -> Fetched:
        current = url
        for _ in range(self.max_redirects + 1):
            await self.policy.check(current)
            try:
                async with self.client.stream(
                    "GET", current, headers=validators.headers()
                ) as response:
                    if response.status_code in REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchFailed(f"{current} redirects without a Location")
                        current = urljoin(current, location.strip())
                        continue
                    return await self._answer(url, current, response)
            except httpx.DecodingError as error:
                raise FetchFailed(f"{current} sent a body that does not decode: {error}") from None
            except httpx.HTTPError as error:
                raise FetchUnavailable(
                    f"{current} could not be fetched: {type(error).__name__} {error}".strip()
                ) from None
        raise FetchFailed(f"{url} redirects more than {self.max_redirects} times")

    async def _answer(self, url: str, final: str, response: httpx.Response) -> Fetched:
        status = response.status_code
        validators = Validators(response.headers.get("etag"), response.headers.get("last-modified"))
        if status == 304:
            return Fetched(url, final, 304, validators=validators)
        if status == 429 or status >= 500:
            raise FetchUnavailable(f"{final} answered {status}: it may answer later")
        if not 200 <= status < 300:
            raise FetchFailed(f"{final} answered {status}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchFailed(f"{final} is {declared} bytes; the limit is {self.max_bytes}")
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchFailed(f"{final} is over the limit of {self.max_bytes} bytes")
            chunks.append(chunk)
        media, charset = media_type(response.headers.get("content-type", ""))
        body = b"".join(chunks)
        return Fetched(url, final, status, body, media, charset, validators)

    async def aclose(self) -> None:
        await self.client.aclose()


def media_type(raw: str) -> tuple[str, str | None]:
    """A Content-Type's media type and charset (lower case), if it names one: of a
    fetched page, and of a request's body."""
    media, _, params = raw.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset":
            charset = value.strip().strip("\"'").lower() or None
    return media.strip().lower(), charset


def text_of(fetched: Fetched) -> str:
    """A fetched body's text: in the charset its server named, else as files are read
    (UTF-8, a byte-order mark, else the legacy encoding detected)."""
    if fetched.charset:
        try:
            return fetched.body.decode(fetched.charset)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown charset: read it as a file would be
    return decode(fetched.body, "the page").text


def sniffed(fetched: Fetched, text: str) -> str:
    """The media type a body is, by its Content-Type, else by how it begins."""
    if fetched.media_type and fetched.media_type not in ("application/octet-stream",):
        return fetched.media_type
    head = text.lstrip()[:512].lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return "text/html"
    if head.startswith(("<?xml", "<rss", "<feed", "<rdf")):
        return "application/xml"
    return "text/plain"


def is_feed(fetched: Fetched, text: str) -> bool:
    """Whether a fetched body is an RSS or Atom feed rather than a page."""
    kind = sniffed(fetched, text)
    if kind in FEED_TYPES:
        return True
    head = text.lstrip()[:2048].lower()
    return kind in XML_TYPES and ("<rss" in head or "<feed" in head or "<rdf:rdf" in head)


def article_input(fetched: Fetched, said: ArticleInput | None = None) -> ArticleInput:
    """The article a fetched page holds, as the HTML (or text, ninjs …) path reads it;
    what the caller said (``said``: URL, source, date, id) wins over what the page says.
    InputError for a page in no format the service reads (a feed, an image, a PDF …)."""
    try:
        text = text_of(fetched)
    except InputError as error:
        raise FetchFailed(f"{fetched.final_url}: {error.detail}") from None
    kind = sniffed(fetched, text)
    if is_feed(fetched, text):
        raise FetchFailed(
            f"{fetched.final_url} is a feed, not an article: `milestones watch` reads feeds"
        )
    fmt = by_media_type(kind)
    if fmt is None and kind.startswith("text/"):
        fmt = FORMATS["text"]
    if fmt is None:
        raise FetchFailed(
            f"{fetched.final_url} is {kind}, not an article format the service reads "
            "(HTML, plain text, ninjs)"
        )
    content: object = safe_json.loads(text) if fmt.json else text
    url = (said.url if said else None) or fetched.url
    keep = {"source": said.source, "published_at": said.published_at, "id": said.id} if said else {}
    return ArticleInput.of(fmt, content, url=url, **keep)
