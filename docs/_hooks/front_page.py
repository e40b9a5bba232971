"""MkDocs hook: the README is the site's front page and the changelog a page of it, so
that each is written once (at the top of the repository, where GitHub shows them); their
links into ``docs/`` are rewritten to the site's own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"index.md": "README.md", "changelog.md": "CHANGELOG.md"}


def on_files(files: Files, config: Any) -> Files:
    for name, source in PAGES.items():
        files.append(
            File.generated(config, name, content=(ROOT / source).read_text(encoding="utf-8"))
        )
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    if page.file.src_uri in PAGES:  # written at the top: its links into docs/ are local
        markdown = re.sub(r"\]\(docs/", "](", markdown)
        return markdown.replace("](CHANGELOG.md)", "](changelog.md)")
    # a page of docs/ linking up to the README or the changelog
    return markdown.replace("](../CHANGELOG.md)", "](changelog.md)").replace(
        "](../README.md)", "](index.md)"
    )
