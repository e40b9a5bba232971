"""Summary pages as standalone files: one self-contained HTML file per article (its CSS
and JS inline, allowed by their hashes in the file's own Content-Security-Policy), with
the same cards and highlighted evidence as the service's page, and an index. They open
from disk (``file://``) with no server and no network: for offline reading and bulk runs.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from markupsafe import Markup

from schemas import SummaryRecord
from service.http import subjects_of
from service.web import render
from service.web.view import build_view

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


@cache
def assets() -> dict[str, str | Markup]:
    """The inline CSS and JS, and the policy that allows exactly them."""
    css = (render.STATIC / "app.css").read_text(encoding="utf-8")
    js = (render.STATIC / "app.js").read_text(encoding="utf-8")
    for text in (css, js):
        assert "</" not in text, "an inline asset must not close its element"
    csp = (
        f"default-src 'none'; style-src {_hash(css)}; script-src {_hash(js)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return {"css": Markup(css), "js": Markup(js), "csp": csp}


def standalone_page(record: SummaryRecord, text: str | None, source: str | None = None) -> str:
    """One article's summary page as a self-contained file (CPU work linear in the text)."""
    subjects = [s.model_dump() for s in subjects_of(record.summary, record.meta)]
    view = build_view(None, record, text, subjects)
    return render.summary_page(view, standalone=assets() | {"source": source})


@dataclass
class HtmlFolder:
    """A folder of standalone summary pages and their index (written by ``close``)."""

    folder: Path
    entries: list[dict[str, str | int]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    _names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def add(self, name: str, record: SummaryRecord, text: str | None) -> Path:
        """Write one article's page, named after ``name`` (its file or id)."""
        stem = (
            _UNSAFE.sub("_", Path(name).stem if name != "-" else "stdin").strip("._") or "article"
        )
        if stem == "index":
            stem = "index_"
        unique, n = stem, 1
        while unique in self._names:
            n += 1
            unique = f"{stem}-{n}"
        self._names.add(unique)
        path = self.folder / f"{unique}.html"
        path.write_text(standalone_page(record, text, name), encoding="utf-8")
        self.entries.append(
            {
                "source": name,
                "file": path.name,
                "headline": record.summary.headline,
                "count": len(record.summary.milestones),
            }
        )
        return path

    def fail(self, name: str, why: str) -> None:
        """List an article that could not be summarised on the index."""
        self.failed.append((name, why))

    def close(self) -> Path:
        """Write the index page."""
        index = self.folder / "index.html"
        body = render.page(
            "files.html", items=self.entries, failed=self.failed, standalone=assets()
        )
        index.write_text(body, encoding="utf-8")
        return index
