"""Bulk input: items streamed from a directory, a JSON Lines file, a CSV file or stdin.

A row that cannot be read becomes an item carrying its error: it is reported in the
errors file, and the run goes on.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from service.formats import from_html, from_ninjs
from service.inputs import decode
from service.pipeline import Article

FIELDS = ("id", "text", "html", "ninjs", "published_at", "url", "source")


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


def _item(row: dict[str, Any], fallback_id: str) -> Item:
    unknown = set(row) - set(FIELDS)
    raw_id = row.get("id")
    item_id = str(raw_id) if raw_id not in (None, "") else fallback_id
    if unknown:
        return Item(item_id, error=f"unknown fields: {', '.join(sorted(unknown))}")
    text, html, ninjs = row.get("text"), row.get("html"), row.get("ninjs")
    given = [
        k for k, v in (("text", text), ("html", html), ("ninjs", ninjs)) if v not in (None, "")
    ]
    if len(given) > 1:
        return Item(item_id, error=f"send one of text, html and ninjs, not {', '.join(given)}")
    if not isinstance(html, str) or not html.strip():
        html = None
    if not isinstance(ninjs, dict):
        ninjs = None
    if html is None and ninjs is None and (not isinstance(text, str) or not text.strip()):
        return Item(item_id, error="no text (a 'text', 'html' or 'ninjs' field is required)")
    published = None
    if row.get("published_at"):
        try:
            published = date.fromisoformat(str(row["published_at"])[:10])
        except ValueError:
            return Item(item_id, error=f"published_at {row['published_at']!r} is not ISO 8601")
    return Item(
        item_id,
        text if html is None and ninjs is None else None,
        published,
        row.get("url") or None,
        row.get("source") or None,
        html=html,
        ninjs=ninjs,
    )


def _json_lines(stream: TextIO, name: str) -> Iterator[Item]:
    for n, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            yield Item(f"{name}:{n}", error=f"line {n} is not JSON ({error.msg})")
            continue
        if not isinstance(row, dict):
            yield Item(f"{name}:{n}", error=f"line {n} is not a JSON object")
            continue
        yield _item(row, f"{name}:{n}")


def _csv_rows(stream: TextIO, name: str) -> Iterator[Item]:
    reader = csv.DictReader(stream)
    for n, row in enumerate(reader, start=2):  # line 1 is the header
        if None in row:  # more cells than the header names
            yield Item(str(row.get("id") or f"{name}:{n}"), error=f"row {n} has extra cells")
            continue
        yield _item({k: v for k, v in row.items() if v not in (None, "")}, f"{name}:{n}")


def _directory(path: Path) -> Iterator[Item]:
    for file in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        suffix = file.suffix.lower()
        if suffix in (".html", ".htm"):
            try:
                yield Item(file.name, html=decode(file.read_bytes(), file.name), source=str(file))
            except ValueError as error:
                yield Item(file.name, error=str(error))
        elif suffix in (".txt", ".text", ".md"):
            try:
                yield Item(file.name, decode(file.read_bytes(), file.name), source=str(file))
            except ValueError as error:  # InputError: not UTF-8
                yield Item(file.name, error=str(error))


def iter_items(source: str) -> Iterator[Item]:
    """Every item of ``source``: a directory, a .jsonl/.csv file, or - for JSON Lines on stdin."""
    if source == "-":
        yield from _json_lines(sys.stdin, "stdin")
        return
    path = Path(source)
    if path.is_dir():
        yield from _directory(path)
    elif path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8", newline="", errors="replace") as stream:
            yield from _csv_rows(stream, path.name)
    else:
        with path.open(encoding="utf-8", errors="replace") as stream:
            yield from _json_lines(stream, path.name)


def count_items(source: str) -> int | None:
    """How many items ``source`` holds (one streaming pass), or None for stdin."""
    if source == "-":
        return None
    path = Path(source)
    if path.is_dir():
        return sum(1 for _ in _directory(path))
    with path.open(encoding="utf-8", errors="replace", newline="") as stream:
        if path.suffix.lower() == ".csv":
            return sum(1 for _ in csv.DictReader(stream))
        return sum(1 for line in stream if line.strip())
