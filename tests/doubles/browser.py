"""Chromium for the browser tests, driven by Playwright: Debian's build (Playwright cannot
download its own here), launched with no name resolving but localhost, so a page that
reaches for the internet finds nothing. Without a browser the tests skip, saying why,
except in CI (``CI`` set), where they fail."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("MILESTONES_TEST_CHROMIUM", "/usr/bin/chromium")
LOCAL = ("http://127.0.0.1:", "file://", "data:")


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests: run `make browser` as root)")
    pytest.skip(reason)


def launch() -> Iterator[Any]:
    """A Chromium for a test module (the fixture ``browser`` in conftest)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        unavailable(f"no Chromium at {CHROMIUM}: `make browser` installs Debian's (as root)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        yield launched
        launched.close()


def open_offline(browser: Any, url: str, width: int = 1280) -> tuple[Any, list[str]]:
    """A page at ``url`` whose every request off this machine is refused (and listed)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    refused: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(url)
    return page, refused
