"""Hostile pages in Chromium, against the service in a child process with API keys: a page
on another port of the same host (which can set this host's cookies, as cookies ignore
ports) cannot get a review saved; a name holding "/../" links to its own timeline."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from service.store import Store
from tests.doubles.browser import open_offline
from tests.doubles.fake_openai import free_port
from tests.doubles.processes import ROOT, clean_env, server_process
from tests.index_data import keep, milestone

# Slow (a child process, a browser or a wheel built): left out of `make check`.
pytestmark = pytest.mark.slow

KEY = "key-of-alice"
AUTH = {"authorization": f"Bearer {KEY}"}
ARTICLE = (
    "Acme Bio said the FDA has granted Orphan Drug Designation to AB-101.\n"
    "Acme Bio raised $50 million in a Series B financing led by Delta Ventures.\n"
)
SCREENSHOTS = ROOT / "var" / "screenshots"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    port = free_port()
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'store.sqlite3'}"
    env = clean_env(MILESTONES_ENGINE="rules", DATABASE_URL=url, MILESTONES_API_KEYS=f"alice:{KEY}")
    with server_process(["service.cli", "serve", "--port", str(port)], port, env):
        yield f"http://127.0.0.1:{port}", url


class _Attacker(BaseHTTPRequestHandler):
    page = ""
    cookie = ""  # set by the attacker's server: it replaces this host's cookie of that name

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        body = self.page.encode()
        self.send_response(200)
        if self.cookie:
            self.send_header("set-cookie", self.cookie)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def sibling() -> Iterator[tuple[str, type[_Attacker]]]:
    """A page server on another port of 127.0.0.1: the attacker's."""
    handler = type("Page", (_Attacker,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def signed_in(browser: Any, base: str) -> Any:
    page, _ = open_offline(browser, f"{base}/signin")
    page.fill("input[name=key]", KEY)
    page.click("form[action='/signin'] button[type=submit]")
    page.wait_for_load_state()
    assert "Signed in as alice" in page.content()
    return page


def test_a_page_on_another_port_cannot_get_a_review_saved(
    browser: Any, service: tuple[str, str], sibling: tuple[str, type[_Attacker]]
) -> None:
    base, _ = service
    summary_id = httpx.post(
        f"{base}/v1/summaries", json={"text": ARTICLE}, headers=AUTH, timeout=30
    ).json()["id"]
    attacker, handler = sibling
    planted = "p" * 43
    # It plants the CSRF cookie it knows (cookies ignore ports), then posts the review
    # form with that token, wiping the editor's verdicts, as alice is signed in.
    handler.cookie = f"milestones_csrf={planted}; Path=/; HttpOnly; SameSite=Strict"
    handler.page = f"""<!doctype html><body>
<form id="f" method="post" action="{base}/summaries/{summary_id}/review">
<input name="csrf" value="{planted}"><input name="verdict_0" value="wrong">
<input name="verdict_1" value="wrong"><input name="note" value="planted">
</form><script>
document.getElementById("f").submit();
</script></body>"""
    page = signed_in(browser, base)
    with page.expect_navigation():
        page.goto(f"{attacker}/")
    page.wait_for_load_state()
    assert page.url.startswith(f"{base}/summaries/{summary_id}/review")
    shown = page.content()
    assert "refused" in shown.lower(), shown[:500]
    reviews = httpx.get(f"{base}/v1/summaries/{summary_id}/reviews", headers=AUTH, timeout=10)
    assert reviews.json() == []
    # and the editor's own form still saves (the planted cookie does not lock her out
    # for good: the form carries a token of the cookies her browser now holds)
    page.goto(f"{base}/summaries/{summary_id}")
    page.click("form#review button[type=submit]")
    page.wait_for_load_state()
    assert "Review saved." in page.content()
    saved = httpx.get(f"{base}/v1/summaries/{summary_id}/reviews", headers=AUTH, timeout=10)
    assert [r["reviewer"] for r in saved.json()] == ["alice"]


def test_a_name_holding_slash_dot_dot_links_to_its_own_timeline(
    browser: Any, service: tuple[str, str]
) -> None:
    base, url = service
    store = Store(url)
    for name in ("Slash/../Bio", "Bio"):  # "/../" would climb from the first to the second
        text = f"{name} said the FDA has granted Orphan Drug Designation to SB-{len(name)}."
        keep(store, text, milestone(text, organisation=name, product=f"SB-{len(name)}"))
    store.close()
    page = signed_in(browser, base)
    page.goto(f"{base}/milestones")
    page.get_by_role("link", name="Slash/../Bio", exact=True).first.click()
    page.wait_for_load_state()
    assert page.locator("h1").first.text_content().startswith("Slash/../Bio")  # type: ignore[union-attr]
    assert "SB-12" in page.content() and "SB-3" not in page.content()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "timeline-slashed-name.png"))
