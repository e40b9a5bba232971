"""The API pages in a real browser, on a network without internet access: Swagger UI at
/docs and ReDoc at /redoc render every operation from the service's own assets.

Chromium is Debian's (``make`` installs it where it can); Playwright drives it
(``tests/doubles/browser.py``: without a browser these tests skip, saying why, except in
CI, where they fail).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.doubles.browser import open_offline
from tests.doubles.fake_openai import free_port
from tests.doubles.processes import ROOT, clean_env, server_process

# Slow (a child process, a browser or a wheel built): left out of `make check`.
pytestmark = pytest.mark.slow

SCREENSHOTS = ROOT / "var" / "screenshots"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    store = tmp_path_factory.mktemp("docs") / "store.sqlite3"
    env = clean_env(MILESTONES_ENGINE="rules", DATABASE_URL=f"sqlite:///{store}")
    with server_process(["service.cli", "serve", "--port", str(port)], port, env):
        yield f"http://127.0.0.1:{port}"


def test_swagger_ui_renders_every_operation_with_no_network(browser: Any, base_url: str) -> None:
    page, refused = open_offline(browser, f"{base_url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = set(page.locator(".opblock-summary-path").all_inner_texts())
    assert {"/v1/summaries", "/v1/summaries/{summary_id}", "/v1/jobs", "/v1/jobs/{job_id}"} <= {
        p.replace("\u200b", "") for p in paths
    }
    assert page.locator("button.authorize").count() == 1  # the bearer scheme
    assert page.get_by_text("job.succeeded").count() >= 1  # the webhooks section
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "swagger-ui.png"))
    assert refused == []
    page.close()


def test_a_request_can_be_tried_from_swagger_ui(browser: Any, base_url: str) -> None:
    """Try it out on POST /v1/summaries with the text example: the service answers."""
    page, refused = open_offline(
        browser, f"{base_url}/docs#/summaries/create_summary_v1_summaries_post"
    )
    block = page.locator("#operations-summaries-create_summary_v1_summaries_post")
    block.wait_for(timeout=15_000)
    if not block.locator(".try-out__btn").is_visible():
        block.locator(".opblock-summary").click()
    block.locator(".try-out__btn").click()
    block.locator(".execute").click()
    status = block.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for(timeout=15_000)
    assert status.inner_text().strip() == "200"
    body = block.locator(".live-responses-table tr.response .microlight").first.inner_text()
    assert '"milestones"' in body and "Orphan drug designation" in body
    assert refused == []
    page.close()


def test_redoc_renders_the_reference_with_no_network(browser: Any, base_url: str) -> None:
    page, refused = open_offline(browser, f"{base_url}/redoc")
    page.locator("h2", has_text="Summarise an article").first.wait_for(timeout=20_000)
    assert page.locator("h2", has_text="A job succeeded: its summary").count() >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "redoc.png"))
    # ReDoc's sidebar credit always asks its CDN for a logo, which hides itself when it
    # cannot load; nothing the page needs comes from outside.
    assert set(refused) <= {REDOC_LOGO}
    page.close()
