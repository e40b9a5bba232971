"""The watching pages over HTTP: a feed registered from a form (refused saying why, the
form kept), its items and what became of each; a search saved from the milestones
table's filter, and its page marking the alerts new since it was last opened; with the
other pages' rules (form tokens, escaping, sign-in)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from service.app import create_app
from service.settings import Settings
from tests.test_pages import token_in
from tests.test_searches import FAST_TRACK_DATED, SEED_004

FEED = "http://127.0.0.1:9/rss.xml"  # never fetched here: the app's worker is not running


def make_app(tmp_path: Path, **settings: object) -> object:
    fields = {"engine": "rules", "database_url": f"sqlite:///{tmp_path}/store.sqlite3"}
    return create_app(Settings(**(fields | settings)))  # type: ignore[arg-type]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(tmp_path, allow_http_fetches=True, allow_private_fetches=True)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c
    await app.state.service.aclose()  # type: ignore[attr-defined]


async def token(client: httpx.AsyncClient, path: str = "/watching") -> str:
    return token_in((await client.get(path)).text)


async def test_a_feed_registered_from_the_form_has_a_page_of_its_items(
    client: httpx.AsyncClient,
) -> None:
    csrf = await token(client)
    name = "Northwind <script>alert(1)</script>"
    made = await client.post(
        "/watching/feeds", data={"url": FEED, "name": name, "interval_min": "30", "csrf": csrf}
    )
    assert made.status_code == 303
    feed_path = made.headers["location"]
    feed_id = feed_path.rsplit("/", 1)[1]
    page = await client.get(feed_path)
    assert page.status_code == 200 and "Northwind &lt;script&gt;" in page.text
    assert "<script>alert" not in page.text and "30 minutes" in page.text
    assert "No item read yet" in page.text

    # Two items as a poll and their jobs leave them: one summarised, one failed.
    store = client._transport.app.state.service.store  # type: ignore[attr-defined]
    summary = await client.post("/v1/summaries", json={"text": SEED_004.read_text()})
    assert store.fetches.take(FEED, "a", "https://x.example/a", "h", "IMC001 designated")
    store.fetches.done(FEED, "a", summary.json()["id"])
    assert store.fetches.take(FEED, "b", "https://x.example/b", "h", "A page gone")
    store.fetches.done(FEED, "b", None, "fetch-failed: https://x.example/b answered 404")
    assert store.fetches.take(FEED, "c", "javascript:alert(1)", "h", "A link that runs code")
    page = await client.get(feed_path)
    assert "A link that runs code" in page.text and 'href="javascript:' not in page.text
    assert f'href="/summaries/{summary.json()["id"]}"' in page.text
    assert "answered 404" in page.text and "IMC001 designated" in page.text
    overview = await client.get("/watching")
    assert f'href="/watching/feeds/{feed_id}"' in overview.text

    csrf = token_in(page.text)
    polled = await client.post(f"{feed_path}/poll", data={"csrf": csrf})
    assert polled.status_code == 303 and polled.headers["location"] == feed_path
    gone = await client.post(f"{feed_path}/delete", data={"csrf": csrf})
    assert gone.status_code == 303 and gone.headers["location"] == "/watching"
    assert (await client.get(feed_path)).status_code == 404
    assert "No feed is registered yet" in (await client.get("/watching")).text


@pytest.mark.parametrize(
    ("url", "minutes", "said"),
    [
        ("ftp://feeds.example.com/rss", "", "must be an https:// URL"),
        ("https://user:pw@feeds.example.com/rss", "", "user name or password"),
        (FEED, "0.5", "interval"),
        (FEED, "soon", "number of minutes"),
    ],
)
async def test_a_feed_that_cannot_be_registered_is_refused_with_the_form_kept(
    client: httpx.AsyncClient, url: str, minutes: str, said: str
) -> None:
    csrf = await token(client)
    refused = await client.post(
        "/watching/feeds", data={"url": url, "interval_min": minutes, "csrf": csrf}
    )
    assert refused.status_code in (400, 422)
    assert "The feed was not registered" in refused.text and said in refused.text
    assert f'value="{url.replace("&", "&amp;")}"' in refused.text


async def test_a_form_without_its_token_changes_nothing(client: httpx.AsyncClient) -> None:
    refused = await client.post("/watching/feeds", data={"url": FEED, "csrf": "forged"})
    assert refused.status_code == 403
    assert "No feed is registered yet" in (await client.get("/watching")).text
    search = await client.post("/watching/searches", data={"name": "x", "kind": "designation"})
    assert search.status_code == 403
    assert (await client.get("/v1/searches")).json() == []


async def test_a_search_saved_from_the_table_marks_what_is_new_since_it_was_opened(
    client: httpx.AsyncClient,
) -> None:
    table = await client.get("/milestones", params={"kind": "designation", "authority": "FDA"})
    form = table.text.split('action="/watching/searches"', 1)[1].split("</form>", 1)[0]
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', form))
    assert hidden["kind"] == "designation" and hidden["authority"] == "FDA"
    made = await client.post("/watching/searches", data={**hidden, "name": "FDA designations"})
    assert made.status_code == 303
    path = made.headers["location"]
    (saved,) = (await client.get("/v1/searches")).json()
    assert saved["filters"] == {"kind": ["designation"], "authority": "FDA"}
    assert "No alert yet" in (await client.get(path)).text

    assert (await client.post("/v1/summaries", json={"text": SEED_004.read_text()})).is_success
    assert "3 new" in (await client.get("/watching")).text
    first = await client.get(path)
    assert "3 new since you last looked" in first.text
    assert first.text.count('class="alert unseen"') == 3
    assert (
        'href="/milestones?' in first.text and saved["atom_url"].replace("&", "&amp;") in first.text
    )
    again = await client.get(path)  # opened: nothing is new now
    assert "new since you last looked" not in again.text and "unseen" not in again.text
    assert "none" in (await client.get("/watching")).text

    dated = {"text": FAST_TRACK_DATED}
    assert (await client.post("/v1/summaries", json=dated)).is_success
    later = await client.get(path)
    assert "1 new since you last looked" in later.text
    assert later.text.count('class="alert unseen"') == 1 and "Changed:" in later.text

    gone = await client.post(f"{path}/delete", data={"csrf": token_in(later.text)})
    assert gone.status_code == 303 and (await client.get(path)).status_code == 404


async def test_a_search_needs_a_name(client: httpx.AsyncClient) -> None:
    csrf = await token(client)
    unnamed = await client.post("/watching/searches", data={"name": " ", "csrf": csrf})
    assert unnamed.status_code == 422 and "Name the search" in unnamed.text


async def test_with_api_keys_the_watching_pages_ask_to_sign_in(tmp_path: Path) -> None:
    app = make_app(tmp_path, api_keys="alice:key-of-alice")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        for path in ("/watching", "/watching/feeds/f_1", "/watching/searches/s_1"):
            response = await c.get(path)
            assert response.status_code == 303 and response.headers["location"].startswith(
                "/signin?next=/watching"
            )
    await app.state.service.aclose()  # type: ignore[attr-defined]
