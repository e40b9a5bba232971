"""The watching pages in Chromium, against the service in a child process and a news
site on loopback: a feed registered in the page, its items summarised by the service's
worker; a search saved from the milestones table's filter, its alerts marked new since
it was last opened. Screenshots for the docs in var/screenshots/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.doubles.browser import open_offline
from tests.doubles.fake_openai import free_port
from tests.doubles.pages import Page, Site, serving
from tests.doubles.processes import clean_env, server_process
from tests.test_fetch import PAGE
from tests.test_pages_browser import SCREENSHOTS, low_contrast
from tests.test_searches import SEED_004
from tests.test_watch import rss, rss_item

pytestmark = pytest.mark.slow  # a child process, a browser


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with serving() as serving_site:
        yield serving_site


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    store = tmp_path_factory.mktemp("watching") / "store.sqlite3"
    env = clean_env(
        MILESTONES_ENGINE="rules",
        DATABASE_URL=f"sqlite:///{store}",
        MILESTONES_ALLOW_HTTP_FETCHES="true",  # the site is on loopback, over http
        MILESTONES_ALLOW_PRIVATE_FETCHES="true",
        MILESTONES_JOB_POLL_S="0.05",
    )
    with server_process(["service.cli", "serve", "--port", str(port)], port, env):
        yield f"http://127.0.0.1:{port}"


def reloaded_until(page: Any, text: str, timeout: float = 20.0) -> None:
    """Reload ``page`` until it shows ``text`` (the worker runs behind it)."""
    deadline = time.monotonic() + timeout
    while text not in (page.text_content("main") or ""):
        assert time.monotonic() < deadline, f"the page never showed {text!r}"
        time.sleep(0.2)
        page.reload()


def test_a_feed_registered_in_the_page_shows_its_items_summarised(
    browser: Any, service: str, site: Site
) -> None:
    site.pages["/news/nw-201"] = Page(PAGE)
    site.pages["/feed.xml"] = Page(
        rss(rss_item("nw-1", site.url("/news/nw-201"), "Northwind: NW-201 IND cleared")),
        type="application/rss+xml",
    )
    page, refused = open_offline(browser, f"{service}/watching")
    page.fill("#feed-url", site.url("/feed.xml"))
    page.fill("#feed-name", "Northwind newsroom")
    page.click("form[action='/watching/feeds'] button[type=submit]")
    page.wait_for_url("**/watching/feeds/f_*")
    reloaded_until(page, "the summary")
    row = page.locator("table.items tbody tr").first
    assert "summarised" in (row.text_content() or "")
    page.screenshot(path=str(SCREENSHOTS / "feed-page.png"), full_page=True)
    page.click("table.items a:text('the summary')")
    page.wait_for_selector("#article")
    assert "NW-201" in (page.text_content("#article") or "")

    # A feed that cannot be registered: the page says why and keeps what was typed.
    page.goto(f"{service}/watching")
    page.fill("#feed-url", "ftp://feeds.example.com/rss")
    page.click("form[action='/watching/feeds'] button[type=submit]")
    page.wait_for_selector("#feed-error")
    assert "https://" in (page.text_content("#feed-error") or "")
    assert page.input_value("#feed-url") == "ftp://feeds.example.com/rss"
    assert refused == []
    page.close()


def test_a_search_saved_from_the_table_marks_its_new_alerts(browser: Any, service: str) -> None:
    page, refused = open_offline(browser, f"{service}/milestones")
    page.select_option("#f-kind", "designation")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**/milestones?*")
    page.fill("#save-name", "Designations")
    page.click(".save-search button[type=submit]")
    page.wait_for_url("**/watching/searches/*")
    assert "No alert yet" in (page.text_content("main") or "")

    stored = httpx.post(f"{service}/v1/summaries", json={"text": SEED_004.read_text()}, timeout=30)
    assert stored.is_success
    page.reload()
    assert "3 new since you last looked" in (page.text_content("h2#alerts-h") or "")
    assert page.locator("li.alert.unseen").count() == 3
    page.screenshot(path=str(SCREENSHOTS / "search-page.png"), full_page=True)
    assert low_contrast(page) == []
    page.reload()  # opened: nothing is new now
    assert page.locator("li.alert.unseen").count() == 0 and page.locator("li.alert").count() == 3

    page.goto(f"{service}/watching")
    assert "Designations" in (page.text_content("table.searches") or "")
    page.screenshot(path=str(SCREENSHOTS / "watching-page.png"), full_page=True)
    assert low_contrast(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    for path in ("/watching", page.url):
        page.goto(path if path.startswith("http") else f"{service}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
    assert refused == []
    page.close()
