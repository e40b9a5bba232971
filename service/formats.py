"""Input formats, in one registry: every format the service reads is one ``Format`` entry
(its name, media types, file suffixes, converter and example), and every front end reads
the registry — the HTTP body reader and its OpenAPI description, the page's form, the
command line's files and help, the bulk reader. Adding a format is one ``register`` call
with its converter.

The converters of the built-in formats:

- text: the article as sent.
- HTML: the main text and metadata (title, publication date, canonical URL) are
  extracted with trafilatura; the extracted text is what ``evidence_span`` offsets then
  refer to, and responses include it.
- ninjs 1.x/2.x (``headline``, ``body_text``, ``body_html``, ``versioncreated``, ``uri``,
  ``language``) and 3.x (``headlines[]``, ``bodies[]``, ``versionCreated``, ``uri``,
  ``language``): the main headline and the main body (plain text preferred, else HTML
  through the extractor above).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import trafilatura

from service.article import Article, publication_date_problem
from service.errors import InputError


def _date(value: Any) -> date | None:
    """A declared date, if it is one that can be a publication date (else none)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        found = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return None if publication_date_problem(found) else found


_CLOSERS = "\"'\u201d\u2019)"


def _has_prose(text: str) -> bool:
    """Whether extracted text holds a sentence of four words or more, or a line of twelve:
    a page whose extractor found only menus ("Home News Log in Subscribe") holds none."""
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 12:
            return True
        if any(w.rstrip(_CLOSERS).endswith((".", "!", "?")) for w in words[3:]):
            return True
    return False


def html_text(html: str) -> tuple[str, str | None, date | None, str | None]:
    """(main text, title, publication date, canonical URL) of an HTML page or fragment."""
    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_recall=True,
        # Only a date the page declares: a guessed one would date milestones wrongly.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = getattr(document, "text", None) if document is not None else None
    if not text or not text.strip():
        raise InputError("no article text could be found in the HTML")
    if not _has_prose(text):
        raise InputError(
            "no article text could be found in the HTML, only short fragments such as "
            "navigation links (no sentence of four words or more)"
        )
    return (
        text,
        getattr(document, "title", None),
        _date(getattr(document, "date", None)),
        getattr(document, "url", None),
    )


def from_html(
    html: str,
    *,
    published_at: date | None = None,
    url: str | None = None,
    source: str | None = None,
    article_id: str | None = None,
) -> Article:
    """The article in an HTML page; the caller's metadata wins over the page's."""
    text, _, page_date, canonical = html_text(html)
    return Article(text, published_at or page_date, source, url or canonical, article_id)


def _main(items: Any) -> dict[str, Any] | None:
    """The item with role "main" in a ninjs 3.x list, else the first."""
    if not isinstance(items, list) or not items:
        return None
    dicts = [i for i in items if isinstance(i, dict)]
    return next((i for i in dicts if i.get("role") == "main"), dicts[0] if dicts else None)


def from_ninjs(document: Any, *, source: str | None = None) -> Article:
    """The article in an IPTC ninjs document (1.x, 2.x or 3.x)."""
    if not isinstance(document, dict):
        raise InputError("a ninjs document must be a JSON object")
    if "headlines" in document or "bodies" in document or "versionCreated" in document:
        headline_item = _main(document.get("headlines"))
        headline = headline_item.get("value") if headline_item else None
        body = _main(document.get("bodies"))
        plain = html = None
        if body is not None:
            kind = str(body.get("contenttype") or body.get("contentType") or "text/plain")
            plain, html = (None, body.get("value")) if "html" in kind else (body.get("value"), None)
        created = document.get("versionCreated") or document.get("firstCreated")
    else:
        headline = document.get("headline")
        plain, html = document.get("body_text"), document.get("body_html")
        created = document.get("versioncreated") or document.get("firstcreated")
    if isinstance(plain, str) and plain.strip():
        text = plain
    elif isinstance(html, str) and html.strip():
        text = html_text(html)[0]
    else:
        raise InputError("the ninjs document has no body (body_text, body_html or bodies)")
    if isinstance(headline, str) and headline.strip() and not text.startswith(headline):
        text = f"{headline.strip()}\n{text}"
    uri = document.get("uri")
    return Article(text, _date(created), source, uri if isinstance(uri, str) else None, None)


# -- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """What the caller says of an article, beside its content: this wins over what the
    document itself declares."""

    published_at: date | None = None
    url: str | None = None
    source: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Format:
    """One input format.

    ``name``: the JSON field (and the page's form field) that carries it; ``json``: its
    content is a JSON object, else a string; ``convert``: content and what the caller
    says, to an ``Article`` (CPU work for extracting formats); ``extracted``: the text is
    extracted from the content (answers then include it); ``label``: for people, in help
    and on the page; ``pasted``: the start page has a box to paste it in; ``example``: a
    file in ``service/http/examples`` (or the content itself) for the OpenAPI
    description, with ``example_summary`` saying what it shows and ``example_fields``
    what the JSON form sends beside it."""

    name: str
    label: str
    media_types: tuple[str, ...]
    suffixes: tuple[str, ...]
    convert: Callable[[Any, Given], Article]
    json: bool = False
    extracted: bool = True
    pasted: bool = False
    description: str = ""
    example: str | None = None
    example_summary: str = ""
    example_fields: tuple[tuple[str, str], ...] = ()

    def accepts_file(self, name: str) -> bool:
        """Whether a file of this name is in this format (by how its name ends)."""
        lowered = name.lower()
        return any(lowered.endswith(suffix) for suffix in self.suffixes)


FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    """Add a format (or replace the one of its name): every front end reads it from now."""
    FORMATS[fmt.name] = fmt
    return fmt


def unregister(name: str) -> None:
    """Remove a format added with ``register`` (tests add made-up ones)."""
    FORMATS.pop(name, None)


def by_media_type(media_type: str) -> Format | None:
    """The format a request body of this media type is in, if one is."""
    return next((f for f in FORMATS.values() if media_type in f.media_types), None)


def by_file_name(name: str) -> Format | None:
    """The format a file of this name is in, by its longest matching suffix, if any."""
    best: tuple[int, Format] | None = None
    lowered = name.lower()
    for fmt in FORMATS.values():
        for suffix in fmt.suffixes:
            if lowered.endswith(suffix) and (best is None or len(suffix) > best[0]):
                best = (len(suffix), fmt)
    return best[1] if best else None


def file_format(path: Path) -> Format:
    """The format of an article file: by its suffix, else plain text."""
    return by_file_name(path.name) or FORMATS["text"]


def all_suffixes() -> list[str]:
    """Every file suffix some format reads, sorted."""
    return sorted({s for f in FORMATS.values() for s in f.suffixes})


def all_media_types() -> list[str]:
    """Every media type some format reads, sorted."""
    return sorted({m for f in FORMATS.values() for m in f.media_types})


def _from_text(text: Any, given: Given) -> Article:
    return Article(text, given.published_at, given.source, given.url, given.id)


def _from_html(html: Any, given: Given) -> Article:
    return from_html(
        html, published_at=given.published_at, url=given.url, source=given.source,
        article_id=given.id,
    )  # fmt: skip


def _from_ninjs_given(document: Any, given: Given) -> Article:
    found = from_ninjs(document, source=given.source)
    return Article(
        found.text, given.published_at or found.published_at, given.source,
        given.url or found.url, given.id,
    )  # fmt: skip


register(
    Format(
        "text", "plain text", ("text/plain",), (".txt", ".text", ".md"), _from_text,
        extracted=False, pasted=True,
        description="The article as published: plain text, any boilerplate.",
        example="article.txt", example_summary="Plain text, with the caller's id and date",
        example_fields=(("id", "cms-1042"), ("published_at", "2026-03-03")),
    )
)  # fmt: skip
register(
    Format(
        "html", "an HTML page", ("text/html", "application/xhtml+xml"),
        (".html", ".htm", ".xhtml"), _from_html,
        description="The article's HTML page (its main text is extracted).",
        example="article.html",
        example_summary="An HTML page (its main text is extracted; page chrome is dropped)",
        example_fields=(("url", "https://news.example.com/harbor-gene-series-a"),),
    )
)  # fmt: skip
register(
    Format(
        "ninjs", "an IPTC ninjs document (JSON)", ("application/ninjs+json",),
        (".ninjs.json", ".ninjs"), _from_ninjs_given, json=True, pasted=True,
        description="An IPTC ninjs document (1.x, 2.x or 3.x).",
        example="article.ninjs.json", example_summary="An IPTC ninjs document",
        example_fields=(("source", "Example Wire"),),
    )
)  # fmt: skip
