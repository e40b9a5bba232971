"""Bulk input: items streamed from a directory, a JSON Lines file, a CSV file or stdin;
the bulk adapter to ``service.inputs.ArticleInput`` (a row's fields are its fields).

A row that cannot be read (not UTF-8, not JSON, nested too deep, broken CSV quoting, a
file that is not text) becomes an item carrying its error: it is reported in the errors
file, and the run goes on. A link leading out of an input directory is skipped, with a
warning.
"""

from __future__ import annotations

import codecs
import csv
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from service import safe_json
from service.article import Article
from service.errors import InputError, UnusableJSON
from service.inputs import ArticleInput, article_files, read_file
from service.validate import describe_errors

log = logging.getLogger("milestones.bulk")

# An article in a CSV cell may be long: the csv module's own limit is 128 KiB.
csv.field_size_limit(64 * 1024 * 1024)


@dataclass(frozen=True)
class Item:
    """One article of a bulk run (its input), or the reason its row could not be read."""

    id: str
    where: str  # its place in the input: a file's name, or "in.jsonl:7"
    input: ArticleInput | None = None
    error: str | None = None

    @property
    def content_hash(self) -> str:
        """What the article says, hashed: a changed article is a new item."""
        return self.input.content_hash if self.input is not None else ""

    @property
    def to_fetch(self) -> str | None:
        """The URL of the page to fetch, when the row gave only a URL."""
        return self.input.to_fetch if self.input is not None else None

    @property
    def extracted(self) -> bool:
        """Whether the text is extracted (from HTML or ninjs, or from a page fetched by
        its URL): spans refer to that text."""
        return self.input is not None and (self.to_fetch is not None or self.input.extracted)

    def article(self) -> Article:
        """The article (an HTML page's or ninjs document's text extracted first)."""
        assert self.input is not None
        return self.input.to_article()


def _item(row: dict[str, Any], where: str) -> Item:
    """The item a row describes (its id, else ``where``), or why it cannot be one. Empty
    values count as absent; an id may be a number."""
    fields = {k: v for k, v in row.items() if v not in (None, "")}
    if "id" in fields and not isinstance(fields["id"], str):
        fields["id"] = str(fields["id"])
    item_id = str(fields.get("id") or where)
    try:
        return Item(item_id, where, ArticleInput.model_validate(fields))
    except ValidationError as error:
        return Item(item_id, where, error="; ".join(describe_errors(error)))


def _row_item(where: str, read: Callable[[], Item]) -> Item:
    """The item a row makes, or an item carrying why it could not be read: nothing a row
    holds may stop the run."""
    try:
        return read()
    except RowError as error:
        return Item(where, where, error=str(error))
    except Exception as error:  # a row no check foresaw: reported, and the run goes on
        log.warning("%s could not be read", where, exc_info=error)
        return Item(where, where, error=f"{where} could not be read ({type(error).__name__})")


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
        return Item(item_id, where, error=f"{where} has more cells than the header")
    for cell in cells:
        try:
            cell.encode("utf-8")
        except UnicodeEncodeError as error:
            detail = f"{where} is not UTF-8 (character {error.start} of a cell): send UTF-8"
            return Item(item_id, where, error=detail)
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
            where = f"{name}:{start}"
            detail = f"row starting at line {start} is not valid CSV ({error}); reading goes on"
            yield Item(where, where, error=f"{detail} from the next line")
            stream.seek(offset)
            stream.readline()  # the bad row's first line
            lines.read = start


def _listed_files(path: Path, warn: Callable[[str], None] | None) -> list[Path]:
    """The directory's article files, sorted; a link leading out of it is skipped."""
    root = path.resolve()
    files = []
    for file in article_files(path):
        if not file.resolve().is_relative_to(root):
            if warn is not None:
                warn(f"{file.name} links outside {path}: skipped")
            continue
        files.append(file)
    return files


def _file_item(file: Path) -> Item:
    try:
        return Item(file.name, file.name, read_file(file, id=file.name))
    except InputError as error:
        return Item(file.name, file.name, error=error.detail)


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
