"""The docs: a README a newcomer reads in minutes, with no history in it, and a site
that builds offline with no warning (strict: a broken link fails)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_the_readme_is_a_front_page_of_at_most_250_lines() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 250


def test_the_readme_carries_no_history() -> None:
    text = README.read_text(encoding="utf-8")
    assert not re.search(r"\b[Ii]ssues? \d+|\bbefore (the )?last\b|\bthis session\b", text)


def test_every_page_the_readme_links_to_exists() -> None:
    text = README.read_text(encoding="utf-8")
    linked = re.findall(r"\]\(((?:docs/)?[\w./-]+\.(?:md|png))(?:#[\w-]+)?\)", text)
    assert linked and all((ROOT / target).exists() for target in linked)


@pytest.mark.slow
def test_the_site_builds_offline_with_no_warning(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    assert "WARNING" not in built.stderr
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "A five-minute tour" in index and 'href="inputs.html"' in index
    assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="https?://', index)  # no CDN
