"""Reading articles from the command line's paths: files, directories, or ``-`` for stdin."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from service.article import Article
from service.errors import InputError
from service.formats import from_html

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES


@dataclass(frozen=True)
class Source:
    """One article's origin, and its text or why it could not be read."""

    name: str
    text: str | None = None
    error: InputError | None = None

    @property
    def is_html(self) -> bool:
        return Path(self.name).suffix.lower() in HTML_SUFFIXES

    def article(self) -> Article:
        """The article: an HTML page's main text is extracted first."""
        assert self.text is not None
        if self.is_html:
            return from_html(self.text, source=self.name)
        return Article(self.text, source=self.name)


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


def _read(path: Path) -> Source:
    try:
        return Source(str(path), decode(path.read_bytes(), str(path)))
    except InputError as error:
        return Source(str(path), error=error)
    except OSError as error:
        return Source(str(path), error=InputError(f"cannot read {path}: {error.strerror}"))


def iter_sources(paths: list[str]) -> Iterator[Source]:
    """Each article named by ``paths``: a directory gives its text files, sorted."""
    for raw in paths:
        if raw == "-":
            try:
                yield Source("-", decode(sys.stdin.buffer.read(), "standard input"))
            except InputError as error:
                yield Source("-", error=error)
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and p.suffix.lower() in ARTICLE_SUFFIXES
                and not p.name.startswith(".")
            )
            if not files:
                yield Source(
                    raw, error=InputError(f"{raw} holds no text or HTML files (.txt, .md, .html)")
                )
            yield from (_read(p) for p in files)
        elif path.exists():
            yield _read(path)
        else:
            yield Source(raw, error=InputError(f"no such file or directory: {raw}"))
