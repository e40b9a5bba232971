"""The index over HTTP: summaries, milestones and events listed, filtered, searched and
paged; CSV and XLSX downloads that parse; timelines by any name; bad parameters a 400."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from service.app import create_app
from service.index.sheets import MILESTONE_COLUMNS, XLSX_TYPE
from service.settings import Settings

SEEDS = Path(__file__).parent.parent / "seeds"
KEY = {"authorization": "Bearer key-of-alice"}
# An article trying to put a formula into an analyst's spreadsheet.
FORMULA = (
    '=HYPERLINK("http://evil.example") Acme Bio said the FDA has granted Orphan Drug '
    "Designation to AB-101.\n"
)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    application = create_app(
        Settings(
            engine="rules",
            database_url=f"sqlite:///{tmp_path}/store.sqlite3",
            api_keys="alice:key-of-alice",
        )
    )
    yield application
    await application.state.service.aclose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1", headers=KEY
    ) as c:
        for seed in sorted(SEEDS.glob("*.txt")):
            answer = await c.post("/v1/summaries", json={"text": seed.read_text()})
            assert answer.status_code == 200, answer.text
        yield c


async def test_every_summary_posted_is_listed_newest_first_and_searchable(
    client: httpx.AsyncClient,
) -> None:
    listed = (await client.get("/v1/summaries")).json()
    assert len(listed["items"]) == 5 and listed["next_cursor"] is None
    assert listed["items"][0]["headline"].startswith("Immunofoco: IND clearance for IMC001")
    found = (await client.get("/v1/summaries", params={"q": "Vinnova"})).json()["items"]
    assert [s["headline"] for s in found] == ["Funding for CCRM Nordic from Vinnova"]
    found = (await client.get("/v1/summaries", params={"product": "imc-002"})).json()["items"]
    assert len(found) == 1


async def test_milestones_filter_and_page_by_cursor(client: httpx.AsyncClient) -> None:
    params: dict[str, Any] = {"organisation": "Immunofoco", "sort": "date", "limit": 3}
    seen: list[dict[str, Any]] = []
    while True:
        page = (await client.get("/v1/milestones", params=params)).json()
        seen += page["items"]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert len(seen) == 7
    dated = [m["date"] for m in seen if m["date"]]
    assert dated == sorted(dated) and seen[-1]["date"] is None  # undated last
    assert all(m["article"]["headline"] for m in seen)
    kinds = {"kind": ["funding", "facility"]}
    found = (await client.get("/v1/milestones", params=kinds)).json()["items"]
    assert {m["kind"] for m in found} == {"funding", "facility"}


async def test_events_and_timelines_answer_to_any_name(client: httpx.AsyncClient) -> None:
    events = (await client.get("/v1/events", params={"product": "IMC 002"})).json()["items"]
    assert {e["kind"] for e in events} == {"trial_authorisation", "designation"}
    timeline = (await client.get("/v1/products/imc-002/timeline")).json()
    assert timeline["name"] == "IMC002" and timeline["kind"] == "product"
    assert [e["date"] for e in timeline["events"]] == ["2023-04", None]
    company = (await client.get("/v1/organisations/Immunofoco%20Inc./timeline")).json()
    assert len(company["events"]) == 7
    missing = await client.get("/v1/products/NOPE-1/timeline")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("not-found")


async def test_a_timeline_is_paged_by_cursor_like_the_lists(client: httpx.AsyncClient) -> None:
    path = "/v1/organisations/Immunofoco/timeline"
    whole = (await client.get(path)).json()
    assert whole["next_cursor"] is None
    ids, params = [], {"limit": "3"}
    while True:
        page = (await client.get(path, params=params)).json()
        assert len(page["events"]) <= 3 and page["name"] == whole["name"]
        ids += [e["id"] for e in page["events"]]
        if page["next_cursor"] is None:
            break
        params = {"limit": "3", "cursor": page["next_cursor"]}
    assert ids == [e["id"] for e in whole["events"]]
    bad = await client.get(path, params={"cursor": "bm90LWEtY3Vyc29y"})
    assert bad.status_code == 400 and "cursor" in bad.json()["detail"]
    assert (await client.get(path, params={"limit": "0"})).status_code == 422


async def test_csv_by_format_or_accept_parses_and_holds_every_selected_row(
    client: httpx.AsyncClient,
) -> None:
    by_format = await client.get("/v1/milestones", params={"format": "csv", "limit": 1})
    by_accept = await client.get("/v1/milestones", headers={"accept": "text/csv"})
    for answer in (by_format, by_accept):
        assert answer.headers["content-type"].startswith("text/csv")
        assert "attachment" in answer.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert len(rows) == 14  # every row, not a page
        assert list(rows[0]) == MILESTONE_COLUMNS
    events = await client.get("/v1/events", params={"format": "csv"})
    assert len(list(csv.DictReader(io.StringIO(events.text)))) == 14


async def test_xlsx_opens_with_its_library_and_formulas_stay_text(
    client: httpx.AsyncClient,
) -> None:
    posted = await client.post("/v1/summaries", json={"text": FORMULA})
    assert posted.json()["summary"]["milestones"], posted.text
    answer = await client.get("/v1/milestones", headers={"accept": XLSX_TYPE})
    assert answer.headers["content-type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == MILESTONE_COLUMNS and len(rows) == 16
    cells = [str(c) for row in rows for c in row if c is not None]
    assert any(c.startswith('=HYPERLINK("http://evil') for c in cells)  # the article's words
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # as text
    as_csv = (await client.get("/v1/milestones", params={"format": "csv"})).text
    assert "'=HYPERLINK" in as_csv and ",=HYPERLINK" not in as_csv


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "garbage"},
        {"date_from": "2023-13"},
        {"sort": "sideways"},
        {"limit": "0"},
        {"kind": "rumour"},
        {"q": "!!!"},
    ],
)
async def test_a_bad_parameter_is_a_4xx_saying_which(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    answer = await client.get("/v1/milestones", params=params)
    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["detail"]


async def test_a_cursor_for_another_sort_is_refused(client: httpx.AsyncClient) -> None:
    page = (await client.get("/v1/milestones", params={"limit": 1})).json()
    answer = await client.get(
        "/v1/milestones", params={"cursor": page["next_cursor"], "sort": "date"}
    )
    assert answer.status_code == 400
    assert "sort=-seen" in answer.json()["detail"]


async def test_the_lists_need_a_key(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as anonymous:
        for path in ("/v1/summaries", "/v1/milestones", "/v1/events", "/v1/products/x/timeline"):
            assert (await anonymous.get(path)).status_code == 401
