"""Inputs: an article in any format the service reads, and the one way to the article.

``ArticleInput`` is the article as a caller hands it over: its content in exactly one of
the formats of ``service.formats.FORMATS`` (a field named by the format: ``text``,
``html``, ``ninjs`` …), with the caller's id, URL, source and publication date.
``to_article`` is the only conversion to an ``Article`` (the format's converter does the
extracting). Four adapters build one: the HTTP body reader (``service.http.body``), the
page's form (``service.web.forms``), the bulk row reader (``service.bulk.items``) and
the file reader below (the command line's files and standard input).
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
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service import safe_json
from service.article import Article, publication_date_problem
from service.errors import InputError
from service.formats import FORMATS, Format, Given, all_suffixes, by_file_name, file_format


def format_names() -> str:
    """The registered formats' names, for a message: "text, html and ninjs"."""
    names = list(FORMATS)
    return " and ".join(filter(None, [", ".join(names[:-1]), names[-1]])) if names else ""


def _formats_in_schema(schema: dict[str, Any]) -> None:
    """The JSON Schema of an article: one property per registered format, and nothing
    else beside the declared fields."""
    formats = {
        f.name: {
            "anyOf": [{"type": "object"} if f.json else {"type": "string"}, {"type": "null"}],
            "default": None,
            "description": f.description or f.label,
            "title": f.name.title(),
        }
        for f in FORMATS.values()
    }
    schema["properties"] = formats | schema.get("properties", {})
    schema["additionalProperties"] = False


class ArticleInput(BaseModel):
    """An article to summarise: its content in exactly one format (``text``, ``html``,
    ``ninjs`` or another registered one), and what the caller says of it."""

    # Each registered format is a field of its name: extras, checked below, so that a
    # format registered later is read like the built-in ones.
    model_config = ConfigDict(extra="allow", json_schema_extra=_formats_in_schema)

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
        extra = self.model_extra or {}
        unknown = [name for name in extra if name not in FORMATS]
        if unknown:
            raise ValueError(f"unknown field {', '.join(unknown)}: send one of {format_names()}")
        given = [name for name, value in extra.items() if value is not None]
        if not given and self.url:
            return self  # only a URL: the page is fetched (service.fetch), then read
        if len(given) != 1:
            raise ValueError(
                f"send exactly one of {format_names()}"
                + (f" (got {', '.join(given)})" if given else "")
            )
        fmt, content = FORMATS[given[0]], extra[given[0]]
        if fmt.json and not isinstance(content, dict):
            raise ValueError(f"{fmt.name} must be a JSON object ({fmt.label})")
        if not fmt.json and not isinstance(content, str):
            raise ValueError(f"{fmt.name} must be a string ({fmt.label})")
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

    @classmethod
    def of(cls, fmt: Format | str, content: Any, **said: Any) -> ArticleInput:
        """The article ``content`` in format ``fmt``, with what the caller says of it."""
        name = fmt if isinstance(fmt, str) else fmt.name
        return cls.model_validate({name: content, **said})

    @property
    def to_fetch(self) -> str | None:
        """The URL to fetch the article from, when only a URL was given."""
        extra = self.model_extra or {}
        return None if any(v is not None for v in extra.values()) else self.url

    @property
    def format(self) -> Format:
        """The format the article is in (InputError when it is only a URL, not fetched)."""
        extra = self.model_extra or {}
        given = next((name for name, value in extra.items() if value is not None), None)
        if given is None:
            raise InputError(f"only a URL was given ({self.url}): the page must be fetched")
        return FORMATS[given]

    @property
    def content(self) -> Any:
        """The article as sent, in its format (a string, or a JSON object)."""
        return (self.model_extra or {})[self.format.name]

    @property
    def text(self) -> str | None:
        """The plain text sent, when the article came as plain text."""
        return self.content if self.format.name == "text" else None

    @property
    def extracted(self) -> bool:
        """Whether the text is extracted (from HTML, ninjs …): spans then refer to that
        text, which answers include."""
        return self.format.extracted

    @property
    def content_hash(self) -> str:
        """What the article says, hashed: a changed article is a new item."""
        content = self.url if self.to_fetch else self.content
        if not isinstance(content, str):
            content = json.dumps(content, sort_keys=True)
        return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    def to_article(self) -> Article:
        """The article: an extracting format's text extracted first (CPU work: run it off
        the event loop). What the caller says wins over what the document declares."""
        given = Given(self.published_at, self.url, self.source, self.id)
        return self.format.convert(self.content, given)


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
    return file_input(file_format(path), decoded.text, source=str(path), id=id), decoded


def file_input(fmt: Format, text: str, **said: Any) -> ArticleInput:
    """The article a file's text holds in format ``fmt`` (a JSON format's text parsed,
    depth-limited)."""
    if not fmt.json:
        return ArticleInput.of(fmt, text, **said)
    document = safe_json.loads(text)
    if not isinstance(document, dict):
        raise InputError(f"{fmt.label} must be a JSON object")
    return ArticleInput.of(fmt, document, **said)


def article_files(directory: Path) -> list[Path]:
    """The article files a directory holds (by suffix, not hidden), sorted."""
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and by_file_name(p.name) is not None and not p.name.startswith(".")
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


def is_url(name: str) -> bool:
    """Whether a name given for an article (or a feed's link) is a page's http(s) URL."""
    return name.lower().startswith(("http://", "https://"))


def iter_sources(paths: list[str]) -> Iterator[Source]:
    """Each article named by ``paths``: a directory gives its article files, sorted;
    ``-`` is standard input (plain text); an http(s) URL a page to fetch."""
    for raw in paths:
        if is_url(raw):  # a page, fetched later
            try:
                yield Source(raw, ArticleInput(url=raw, source=raw))
            except ValueError as error:  # pydantic's ValidationError: too long a URL
                yield Source(raw, error=InputError(f"{raw[:200]}: not a usable URL ({error})"))
            continue
        if raw == "-":
            try:
                decoded = decode(sys.stdin.buffer.read(), "standard input")
                article = ArticleInput.of("text", decoded.text, source="-")
                yield Source("-", article, encoding=decoded.encoding)
            except InputError as error:
                yield Source("-", error=error)
            continue
        path = Path(raw)
        if path.is_dir():
            files = article_files(path)
            if not files:
                suffixes = ", ".join(all_suffixes())
                yield Source(raw, error=InputError(f"{raw} holds no article files ({suffixes})"))
            yield from (_read(p) for p in files)
        elif path.exists():
            yield _read(path)
        else:
            yield Source(raw, error=InputError(f"no such file or directory: {raw}"))
