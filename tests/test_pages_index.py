"""The pages across articles over HTTP: the milestones table (filters, search, pages,
downloads) and the timelines, with the review pages' rules (sign-in, escaping)."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from service.app import create_app
from service.settings import Settings
from service.web.render import timeline_url
from tests.index_data import keep, milestone

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
HOSTILE = (
    "Acme Bio AG said the FDA has granted Orphan Drug Designation to AB-101 "
    '<img src=x onerror="window.pwned=2"><script>window.pwned=1</script>.\n'
)


def make_app(tmp_path: Path, **settings: str) -> FastAPI:
    fields = {"engine": "rules", "database_url": f"sqlite:///{tmp_path}/store.sqlite3"}
    return create_app(Settings(**(fields | settings)))  # type: ignore[arg-type]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(tmp_path)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        for text in [*(s.read_text() for s in SEEDS), HOSTILE]:
            assert (await c.post("/v1/summaries", json={"text": text})).status_code == 200
        yield c
    await app.state.service.aclose()


def rows(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


async def test_the_milestones_table_filters_searches_and_pages(client: httpx.AsyncClient) -> None:
    everything = await client.get("/milestones")
    assert everything.status_code == 200
    assert len(rows(everything.text)) == 15
    assert "content-security-policy" in everything.headers
    funding = await client.get("/milestones", params={"kind": "funding"})
    assert [r for r in rows(funding.text) if "Funding" not in r] == []
    search = await client.get("/milestones", params={"q": "Fast Track"})
    assert len(rows(search.text)) == 2 and "IMC002" in search.text  # one sentence, two
    paged = await client.get("/milestones", params={"product": "IMC-001", "sort": "date"})
    assert len(rows(paged.text)) == 4
    bad = await client.get("/milestones", params={"date_from": "2023-13"})
    assert bad.status_code == 400 and "date_from" in bad.text


@pytest.mark.parametrize("query", ["kind=typo", "status=done"])
async def test_a_kind_or_status_that_does_not_exist_is_a_422_on_pages_and_api_alike(
    client: httpx.AsyncClient, query: str
) -> None:
    page = await client.get(f"/milestones?{query}")
    api = await client.get(f"/v1/milestones?{query}")
    download = await client.get(f"/milestones.csv?{query}")
    assert page.status_code == api.status_code == download.status_code == 422
    assert query.split("=")[1] in page.text and "Invalid request" in download.text


async def test_the_table_pages_by_a_next_link(client: httpx.AsyncClient, tmp_path: Path) -> None:
    first = await client.get("/milestones", params={"sort": "date"})
    assert 'rel="next"' not in first.text  # 15 rows fit on one page of 50
    for n in range(40):
        text = f"Org{n} raised $5 million in a seed round on 3 May 2021 for product P-{n}.\n"
        assert (await client.post("/v1/summaries", json={"text": text})).status_code == 200
    seen: list[str] = []
    url = "/milestones?sort=date"
    while url:
        page = await client.get(url)
        seen += rows(page.text)
        found = re.search(r'href="(/milestones\?[^"]*cursor=[^"]*)" rel="next"', page.text)
        url = found.group(1).replace("&amp;", "&") if found else ""
    assert len(seen) == len(set(seen)) == 15 + 40


async def test_downloads_hold_what_is_selected(client: httpx.AsyncClient) -> None:
    as_csv = await client.get("/milestones.csv", params={"product": "IMC001"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(as_csv.text)))) == 4
    as_xlsx = await client.get("/milestones.xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None and sheet.max_row == 16


async def test_a_products_timeline_lists_its_events_with_links_to_the_evidence(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/products/imc-002")
    assert page.status_code == 200
    assert "<h1>IMC002" in page.text
    assert page.text.index('"when">2023-04') < page.text.index('"when">undated')
    link = re.search(r'href="(/summaries/s_[0-9a-f]+#ev-\d+)"', page.text)
    assert link is not None
    assert (await client.get(link.group(1).split("#")[0])).status_code == 200
    company = await client.get("/organisations/Immunofoco")
    assert company.status_code == 200 and company.text.count('class="card') == 7
    assert (await client.get("/products/NOPE")).status_code == 404


async def test_a_long_timeline_page_links_to_its_later_events(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.web.index_pages.TIMELINE_LIMIT", 3)
    shown, address = 0, "/organisations/Immunofoco"
    while True:
        page = await client.get(address)
        assert page.status_code == 200
        shown += page.text.count('class="card')
        later = re.search(r'href="(\?cursor=[^"]+)" rel="next"', page.text)
        if later is None:
            break
        assert "Continued" not in page.text or shown > 3
        address = "/organisations/Immunofoco" + html.unescape(later.group(1))
    assert shown == 7  # 3 + 3 + 1: every event once
    assert (await client.get("/organisations/Immunofoco?cursor=x")).status_code == 400


# Names that a link made by plain URL-encoding would send elsewhere: "/" stays a path
# separator, "/../" climbs out, "?" and "#" end the path, "%" starts an escape.
SLASHED = ["Acme/Beta Therapeutics", "Slash/../Bio", "Query?Bio#1", "Percent%2FBio", ".."]


async def test_a_name_holding_slashes_or_dots_links_to_its_own_timeline(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    for name in SLASHED:
        text = f"{name} said the FDA has granted Orphan Drug Designation to AB-321."
        keep(app.state.service.store, text, milestone(text, organisation=name))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        table = (await client.get("/milestones")).text
        for name in SLASHED:
            shown = html.escape(name, quote=False)
            links = re.findall(r'href="(/organisations/[^"]*)">' + re.escape(shown) + "<", table)
            assert len(links) == 1, name
            link = html.unescape(links[0])
            assert "/" not in link.removeprefix("/organisations/"), link
            page = await client.get(link)
            assert page.status_code == 200 and f"<h1>{shown}" in page.text, name
            # and the API's timeline takes every name its lists return, "/" escaped as %2F
            segment = quote(name, safe="") if name.strip(".") else "%2E" * len(name)
            api = await client.get(f"/v1/organisations/{segment}/timeline")
            assert api.status_code == 200 and api.json()["name"] == name
    await app.state.service.aclose()


def test_a_name_a_browser_reads_as_a_dot_segment_links_by_query() -> None:
    assert timeline_url("organisation", "..") == "/organisations/?name=.."
    assert timeline_url("product", "Slash/../Bio") == "/products/Slash%2F..%2FBio"
    assert timeline_url("product", "a?b#c") == "/products/a%3Fb%23c"


async def test_article_text_is_escaped_on_the_new_pages(client: httpx.AsyncClient) -> None:
    for url in ("/milestones", "/products/AB-101", "/organisations/Acme%20Bio%20AG"):
        page = await client.get(url)
        assert page.status_code == 200
        assert "<script>window.pwned" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;" in page.text


async def test_with_keys_the_new_pages_need_signing_in(tmp_path: Path) -> None:
    app = make_app(tmp_path, api_keys="alice:key-of-alice")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        for url in ("/milestones", "/milestones.csv", "/products/X", "/organisations/Y"):
            answer = await c.get(url)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")
    await app.state.service.aclose()
