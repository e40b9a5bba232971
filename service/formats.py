"""Input formats: HTML pages and IPTC ninjs documents, turned into an article.

- HTML: the main text and metadata (title, publication date, canonical URL) are
  extracted with trafilatura; the extracted text is what ``evidence_span`` offsets then
  refer to, and responses include it.
- ninjs 1.x/2.x (``headline``, ``body_text``, ``body_html``, ``versioncreated``, ``uri``,
  ``language``) and 3.x (``headlines[]``, ``bodies[]``, ``versionCreated``, ``uri``,
  ``language``): the main headline and the main body (plain text preferred, else HTML
  through the extractor above).
"""

from __future__ import annotations

from datetime import date
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
