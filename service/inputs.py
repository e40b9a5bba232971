"""Inputs: an article in any format the service reads, and the one way to the article.

``ArticleInput`` is the article as a caller hands it over: exactly one of ``text``,
``html`` (a page: its main text is extracted) and ``ninjs`` (an IPTC ninjs document),
with the caller's id, URL, source and publication date. ``to_article`` is the only
conversion to an ``Article`` (``service.formats`` does the extracting). The HTTP body
reader, the bulk row reader and the file reader below are thin adapters that build one.

What is read, by media type and by file suffix, is listed here once.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service.article import Article, publication_date_problem
from service.errors import InputError
from service.formats import from_html, from_ninjs

Form = Literal["text", "html", "ninjs"]
# Request bodies by media type: the article alone in one form, or JSON naming its fields.
BODY_MEDIA_TYPES: dict[str, Form | Literal["fields"]] = {
    "text/plain": "text",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/ninjs+json": "ninjs",
    "application/json": "fields",
}
# Files by suffix (a directory gives those it holds, sorted).
FILE_SUFFIXES: dict[str, Form] = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
}


class ArticleInput(BaseModel):
    """An article to summarise: exactly one of ``text``, ``html`` and ``ninjs``, and what
    the caller says of it."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        default=None, description="The article as published: plain text, any boilerplate."
    )
    html: str | None = Field(default=None, description="The article's HTML page.")
    ninjs: dict[str, Any] | None = Field(
        default=None, description="An IPTC ninjs document (1.x, 2.x or 3.x)."
    )
    published_at: date | None = Field(
        default=None,
        description="Publication date (or date-time), ISO 8601. Resolves 'today' and "
        "bounds the dates of achieved milestones.",
    )
    url: str | None = Field(default=None, max_length=2048)
    source: str | None = Field(default=None, max_length=512)
    id: str | None = Field(default=None, max_length=256, description="The caller's id.")

    @model_validator(mode="after")
    def _one_body(self) -> ArticleInput:
        given = [name for name in ("text", "html", "ninjs") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "send exactly one of text, html and ninjs"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @field_validator("published_at", mode="before")
    @classmethod
    def _date_of_datetime(cls, value: Any) -> Any:
        if isinstance(value, str) and "T" in value:
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            except ValueError:
                return value
        return value

    @field_validator("published_at")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        problem = value and publication_date_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @property
    def extracted(self) -> bool:
        """Whether the text is extracted (from HTML or ninjs): spans then refer to that
        text, which answers include."""
        return self.text is None

    @property
    def content_hash(self) -> str:
        """What the article says, hashed: a changed article is a new item."""
        content = self.text or self.html or json.dumps(self.ninjs, sort_keys=True)
        return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def to_article(self) -> Article:
        """The article: an HTML page's or ninjs document's text extracted first (CPU work:
        run it off the event loop). What the caller says wins over what the document
        declares."""
        if self.html is not None:
            return from_html(
                self.html,
                published_at=self.published_at,
                url=self.url,
                source=self.source,
                article_id=self.id,
            )
        if self.ninjs is not None:
            found = from_ninjs(self.ninjs, source=self.source)
            published = self.published_at or found.published_at
            return Article(found.text, published, self.source, self.url or found.url, self.id)
        assert self.text is not None
        return Article(self.text, self.published_at, self.source, self.url, self.id)


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped), or a clear error. A NUL byte marks a binary file
    (a PDF, an image), never text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{name} is not UTF-8 text (byte {error.start})") from error
    if "\x00" in text:
        raise InputError(f"{name} is not a text file (it holds NUL bytes)")
    return text


def read_file(path: Path, *, id: str | None = None) -> ArticleInput:
    """The article a file holds, by its suffix; InputError when it cannot be read."""
    try:
        content = decode(path.read_bytes(), str(path))
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from error
    form = FILE_SUFFIXES.get(path.suffix.lower(), "text")
    return ArticleInput.model_validate({form: content, "source": str(path), "id": id})


def article_files(directory: Path) -> list[Path]:
    """The article files a directory holds (by suffix, not hidden), sorted."""
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and p.suffix.lower() in FILE_SUFFIXES and not p.name.startswith(".")
    )


@dataclass(frozen=True)
class Source:
    """One article named on the command line: its input, or why it could not be read."""

    name: str
    input: ArticleInput | None = None
    error: InputError | None = None


def _read(path: Path) -> Source:
    try:
        return Source(str(path), read_file(path))
    except InputError as error:
        return Source(str(path), error=error)


def iter_sources(paths: list[str]) -> Iterator[Source]:
    """Each article named by ``paths``: a directory gives its article files, sorted;
    ``-`` is standard input (plain text)."""
    for raw in paths:
        if raw == "-":
            try:
                text = decode(sys.stdin.buffer.read(), "standard input")
                yield Source("-", ArticleInput(text=text, source="-"))
            except InputError as error:
                yield Source("-", error=error)
            continue
        path = Path(raw)
        if path.is_dir():
            files = article_files(path)
            if not files:
                suffixes = ", ".join(sorted(FILE_SUFFIXES))
                yield Source(raw, error=InputError(f"{raw} holds no article files ({suffixes})"))
            yield from (_read(p) for p in files)
        elif path.exists():
            yield _read(path)
        else:
            yield Source(raw, error=InputError(f"no such file or directory: {raw}"))
