"""Bulk input: items streamed from a directory, a JSON Lines file, a CSV file or stdin.

A row that cannot be read (not UTF-8, not JSON, nested too deep, broken CSV quoting, a
file that is not text) becomes an item carrying its error: it is reported in the errors
file, and the run goes on. A link leading out of an input directory is skipped, with a
warning.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from service import safe_json
from service.article import Article, publication_date_problem
from service.errors import InputError, UnusableJSON
from service.formats import from_html, from_ninjs
from service.inputs import ARTICLE_SUFFIXES, HTML_SUFFIXES, decode

log = logging.getLogger("milestones.bulk")

FIELDS = ("id", "text", "html", "ninjs", "published_at", "url", "source")
# An article in a CSV cell may be long: the csv module's own limit is 128 KiB.
csv.field_size_limit(64 * 1024 * 1024)


@dataclass(frozen=True)
class Item:
    """One article of a bulk run, or the reason its row could not be read."""

    id: str
    text: str | None = None
    published_at: date | None = None
    url: str | None = None
    source: str | None = None
    error: str | None = None
    html: str | None = None
    ninjs: dict[str, Any] | None = None
    where: str = ""  # its place in the input: a file's name, or "in.jsonl:7"

    @property
    def content_hash(self) -> str:
        """What the article says, hashed: a changed article is a new item."""
        content = self.text or self.html or json.dumps(self.ninjs, sort_keys=True)
        return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()[:16]

    @property
    def extracted(self) -> bool:
        """Whether the text is extracted (from HTML or ninjs): spans refer to that text."""
        return self.html is not None or self.ninjs is not None

    def article(self) -> Article:
        """The article, its text extracted first when it came as HTML or ninjs."""
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


def _item(row: dict[str, Any], where: str) -> Item:
    """The item a row describes (its id, else ``where``), or why it cannot be one."""
    raw_id = row.get("id")
    item_id = str(raw_id) if raw_id not in (None, "") else where

    def refused(reason: str) -> Item:
        return Item(item_id, error=reason, where=where)

    unknown = set(row) - set(FIELDS)
    if unknown:
        return refused(f"unknown fields: {', '.join(sorted(unknown))}")
    text, html, ninjs = row.get("text"), row.get("html"), row.get("ninjs")
    given = [
        k for k, v in (("text", text), ("html", html), ("ninjs", ninjs)) if v not in (None, "")
    ]
    if len(given) > 1:
        return refused(f"send one of text, html and ninjs, not {', '.join(given)}")
    if not isinstance(html, str) or not html.strip():
        html = None
    if not isinstance(ninjs, dict):
        ninjs = None
    if html is None and ninjs is None and (not isinstance(text, str) or not text.strip()):
        return refused("no text (a 'text', 'html' or 'ninjs' field is required)")
    for name in ("url", "source"):
        if row.get(name) not in (None, "") and not isinstance(row[name], str):
            return refused(f"{name} must be a string")
    published = None
    if row.get("published_at"):
        try:
            published = date.fromisoformat(str(row["published_at"])[:10])
        except ValueError:
            return refused(f"published_at {row['published_at']!r} is not ISO 8601")
        problem = publication_date_problem(published)
        if problem:
            return refused(problem)
    return Item(
        item_id,
        text if html is None and ninjs is None else None,
        published,
        row.get("url") or None,
        row.get("source") or None,
        html=html,
        ninjs=ninjs,
        where=where,
    )


def _row_item(where: str, read: Callable[[], Item]) -> Item:
    """The item a row makes, or an item carrying why it could not be read: nothing a row
    holds may stop the run."""
    try:
        return read()
    except RowError as error:
        return Item(where, error=str(error), where=where)
    except Exception as error:  # a row no check foresaw: reported, and the run goes on
        log.warning("%s could not be read", where, exc_info=error)
        detail = f"{where} could not be read ({type(error).__name__})"
        return Item(where, error=detail, where=where)


class RowError(ValueError):
    """Why a row of the input cannot be read."""


def _decoded(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RowError(f"{what} is not UTF-8 (byte {error.start}): send UTF-8") from None


def _json_row(line: bytes, n: int) -> dict[str, Any]:
    text = _decoded(line.removeprefix(codecs.BOM_UTF8) if n == 1 else line, f"line {n}")
    try:
        row = safe_json.loads(text)
    except UnusableJSON as error:
        raise RowError(f"line {n} cannot be used: {error.detail}") from None
    if not isinstance(row, dict):
        raise RowError(f"line {n} is not a JSON object")
    return row


def _json_item(line: bytes, n: int, where: str) -> Item:
    return _item(_json_row(line, n), where)


def _json_lines(stream: BinaryIO, name: str) -> Iterator[Item]:
    for n, line in enumerate(stream, start=1):
        if line.strip():
            where = f"{name}:{n}"
            yield _row_item(where, partial(_json_item, line, n, where))


class _Lines:
    """A CSV file's lines for the csv module: decoded (bytes that are not UTF-8 kept as
    surrogates, so the row that holds them is refused, not the file) and counted."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.read = 0  # lines handed out so far

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = self.stream.readline()
        if not raw:
            raise StopIteration
        self.read += 1
        if self.read == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        return raw.decode("utf-8", "surrogateescape")


def _csv_item(header: list[str], cells: list[str], where: str) -> Item:
    row = {k: v for k, v in zip(header, cells, strict=False) if v != ""}
    item_id = str(row.get("id") or where)
    if len(cells) > len(header):
        return Item(item_id, error=f"{where} has more cells than the header", where=where)
    for cell in cells:
        try:
            cell.encode("utf-8")
        except UnicodeEncodeError as error:
            detail = f"{where} is not UTF-8 (character {error.start} of a cell): send UTF-8"
            return Item(item_id, error=detail, where=where)
    return _item(row, where)


def _csv_rows(stream: BinaryIO, name: str) -> Iterator[Item]:
    """The rows of a CSV file (the first is its header). A row that breaks the format (an
    unterminated quote, say) is reported with the line it starts on, and reading goes on
    from the next line, so it never swallows the rows after it."""
    lines = _Lines(stream)
    try:
        header = next(csv.reader(lines, strict=True))
    except (StopIteration, csv.Error):
        return
    while True:
        start, offset = lines.read + 1, stream.tell()
        reader = csv.reader(lines, strict=True)
        try:
            for cells in reader:
                if any(cells):
                    where = f"{name}:{start}"
                    yield _row_item(where, partial(_csv_item, header, cells, where))
                start, offset = lines.read + 1, stream.tell()
            return
        except csv.Error as error:
            yield Item(
                f"{name}:{start}",
                error=f"row starting at line {start} is not valid CSV ({error}); "
                "reading goes on from the next line",
                where=f"{name}:{start}",
            )
            stream.seek(offset)
            stream.readline()  # the bad row's first line
            lines.read = start


def _listed_files(path: Path, warn: Callable[[str], None] | None) -> list[Path]:
    """The directory's article files, sorted; a link leading out of it is skipped."""
    root = path.resolve()
    files = []
    for file in sorted(path.iterdir()):
        if file.name.startswith(".") or file.suffix.lower() not in ARTICLE_SUFFIXES:
            continue
        if not file.resolve().is_relative_to(root):
            if warn is not None:
                warn(f"{file.name} links outside {path}: skipped")
            continue
        if file.is_file():
            files.append(file)
    return files


def _file_item(file: Path) -> Item:
    where = file.name
    try:
        text = decode(file.read_bytes(), file.name)
    except (InputError, OSError) as error:
        detail = error.detail if isinstance(error, InputError) else f"cannot read: {error}"
        return Item(where, error=detail, where=where)
    if file.suffix.lower() in HTML_SUFFIXES:
        return Item(where, html=text, source=str(file), where=where)
    return Item(where, text, source=str(file), where=where)


def iter_items(source: str, warn: Callable[[str], None] | None = None) -> Iterator[Item]:
    """Every item of ``source``: a directory, a .jsonl/.csv file, or - for JSON Lines on
    stdin. ``warn`` hears of what is skipped (links out of a directory)."""
    if source == "-":
        yield from _json_lines(sys.stdin.buffer, "stdin")
        return
    path = Path(source)
    if path.is_dir():
        yield from (_file_item(file) for file in _listed_files(path, warn))
    elif path.suffix.lower() == ".csv":
        with path.open("rb") as stream:
            yield from _csv_rows(stream, path.name)
    else:
        with path.open("rb") as stream:
            yield from _json_lines(stream, path.name)


def count_items(source: str) -> int | None:
    """How many items ``source`` holds (one streaming pass), or None for stdin."""
    if source == "-":
        return None
    path = Path(source)
    if path.is_dir():
        return len(_listed_files(path, None))
    if path.suffix.lower() == ".csv":
        return sum(1 for _ in iter_items(source))
    with path.open("rb") as stream:
        return sum(1 for line in stream if line.strip())
