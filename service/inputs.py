"""Inputs: an article in any format the service reads, and the one way to the article.

``ArticleInput`` is the article as a caller hands it over: exactly one of ``text``,
``html`` (a page: its main text is extracted) and ``ninjs`` (an IPTC ninjs document),
with the caller's id, URL, source and publication date. ``to_article`` is the only
conversion to an ``Article`` (``service.formats`` does the extracting). The HTTP body
reader, the bulk row reader and the file reader below are thin adapters that build one.

What is read, by media type and by file suffix, is listed here once.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
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
    url: str | None = Field(
        default=None, max_length=2048, description="The article's address, if it has one."
    )
    source: str | None = Field(
        default=None, max_length=512, description="Where it came from (a wire, a feed …)."
    )
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


# What a file is, by its first bytes: formats that are not text, refused with their name.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document: convert it to text or HTML first"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive (or a Word, Excel, PowerPoint or EPUB file)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office document (.doc, .xls, .ppt)"),
    (b"{\\rtf", "an RTF document: save it as plain text first"),
    (b"RIFF", "a RIFF file (WebP image, WAV audio or AVI video)"),
    (b"ID3", "an MP3 file"),
    (b"OggS", "an Ogg media file"),
    (b"\x7fELF", "a program (ELF)"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16's, which it begins with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab, newlines and form feed: a share above this is binary.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
CONTROL_SHARE_MAX = 0.01


@dataclass(frozen=True)
class Decoded:
    """A file's text, and the encoding it was read in when that was not UTF-8."""

    text: str
    encoding: str | None = None


def what_binary(data: bytes) -> str | None:
    """What non-text format ``data`` is in, by its first bytes, if it is one."""
    if data[4:8] == b"ftyp":
        return "an MP4, MOV or HEIC media file"
    return next((name for sig, name in SIGNATURES if data.startswith(sig)), None)


def decode(data: bytes, name: str) -> Decoded:
    """A file's text: UTF-8 (or UTF-16/32 with a byte-order mark), else the encoding
    detected (Windows-1252, Latin-1 …); InputError saying why for anything that is not
    text (a PDF, an image, an archive) or whose encoding cannot be told."""
    binary = what_binary(data)
    if binary is not None:
        raise InputError(f"{name} is not a text file: it is {binary}")
    encoding = next((enc for bom, enc in BOMS if data.startswith(bom)), None)
    try:
        text, used = data.decode(encoding or "utf-8"), None
    except UnicodeDecodeError as error:
        if encoding is not None:
            raise InputError(f"{name} is not valid {encoding} text (byte {error.start})") from None
        text, used = _detected(data, name, error.start)
    if "\x00" in text:
        raise InputError(f"{name} is not a text file (it holds NUL bytes)")
    controls = len(_CONTROL.findall(text))
    if controls > CONTROL_SHARE_MAX * max(len(text), 1):
        raise InputError(f"{name} is not a text file ({controls} control characters)")
    return Decoded(text, used)


# Legacy encodings news text comes in (Windows code pages first): detection chooses among
# these only, as a short text fits many code pages no newsroom uses.
LEGACY_ENCODINGS = (
    "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "iso8859_15", "koi8_r",
    "mac_roman", "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr",
)  # fmt: skip


def _detected(data: bytes, name: str, at: int) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None:
        raise InputError(
            f"{name} is not UTF-8 text (byte {at}), and its encoding could not be told: "
            "save it as UTF-8"
        )
    # Code pages that read these bytes alike are one answer: name the commonest.
    alike = best.could_be_from_charset
    encoding = next((e for e in LEGACY_ENCODINGS if e in alike), best.encoding)
    return str(best), encoding


def read_file(path: Path, *, id: str | None = None) -> ArticleInput:
    """The article a file holds, by its suffix; InputError when it cannot be read."""
    return read_decoded(path, id=id)[0]


def read_decoded(path: Path, *, id: str | None = None) -> tuple[ArticleInput, Decoded]:
    """The article a file holds, and how its bytes were decoded."""
    try:
        decoded = decode(path.read_bytes(), str(path))
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from error
    form = FILE_SUFFIXES.get(path.suffix.lower(), "text")
    article = ArticleInput.model_validate({form: decoded.text, "source": str(path), "id": id})
    return article, decoded


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
    encoding: str | None = None  # the encoding detected, when it was not UTF-8


def _read(path: Path) -> Source:
    try:
        article, decoded = read_decoded(path)
        return Source(str(path), article, encoding=decoded.encoding)
    except InputError as error:
        return Source(str(path), error=error)


def iter_sources(paths: list[str]) -> Iterator[Source]:
    """Each article named by ``paths``: a directory gives its article files, sorted;
    ``-`` is standard input (plain text)."""
    for raw in paths:
        if raw == "-":
            try:
                decoded = decode(sys.stdin.buffer.read(), "standard input")
                article = ArticleInput(text=decoded.text, source="-")
                yield Source("-", article, encoding=decoded.encoding)
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
