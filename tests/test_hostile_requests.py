"""A hostile run over every list, page and form, on SQLite and PostgreSQL: extreme dates,
cursors of every wrong shape, NUL, huge and nested values. No answer is a 5xx; the API's
refusals are problem documents; a download is refused before its first byte."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from service.app import create_app
from service.settings import Settings
from tests.test_pages import token_in

ARTICLES = [
    "Acme/Beta Therapeutics said the FDA has granted Orphan Drug Designation to AB-321 for "
    "haemophilia B.",
    "Slash/../Bio raised $20 million in a Series A financing led by Delta Ventures.",
    "Corvane Cell AG said the EMA granted PRIME eligibility to CV-7 in March 2024.\n"
    "Corvane Cell AG also opened a manufacturing facility in Leiden in June 2024.",
]


def cursor_of(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


DATES = ["9999-12-31", "0000-01-01", "0000-02-29", "1899-12-31", "2101", "99999", "2024-00",
         "\u0662\u0660\u0662\u0664", "-001", "2024-02-30"]  # fmt: skip
CURSORS = [
    cursor_of(["-seen", [10**30]]),
    cursor_of(["-seen", [-(10**30)]]),
    cursor_of(["-seen", [2**63]]),
    cursor_of(["-seen", ["x"]]),
    cursor_of(["-seen", [True]]),
    cursor_of(["-seen", [1.5]]),
    cursor_of(["-seen", []]),
    cursor_of(["-seen", [[[[1]]]]]),
    cursor_of(["date", ["a", 5, "b"]]),
    cursor_of(["date", [0, "\u0000", 1]]),
    cursor_of(["date", [0, "2024", "x" * 400]]),
    cursor_of({"-seen": [1]}),
    base64.urlsafe_b64encode(b"[" * 8000).decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "!!not base64!!",
    "A" * 600,
]
ANY_VALUE = ["\u0000", "a\u0000b", "x" * 5000, "[" * 5000, "\u202e\u200b", "%00", " ", "-1"]
LISTS = ["/v1/milestones", "/v1/events", "/v1/summaries", "/milestones", "/milestones.csv",
         "/milestones.xlsx"]  # fmt: skip
PARAMS = ["kind", "status", "product", "organisation", "authority", "jurisdiction",
          "date_from", "date_to", "q", "sort", "limit", "cursor", "format"]  # fmt: skip


def queries() -> list[dict[str, str]]:
    """Every parameter with every value that can hurt it, alone and with a good sort."""
    found: list[dict[str, str]] = [{p: v} for p in PARAMS for v in ANY_VALUE]
    found += [{p: d} for p in ("date_from", "date_to") for d in DATES]
    found += [{"cursor": c, "sort": s} for c in CURSORS for s in ("-seen", "date")]
    return found


NAMES = ["\u0000", "a%00b", "Acme/Beta Therapeutics", "Slash/../Bio", "..", ".", "%2e%2e",
         "x" * 5000, "\udcff", "?#%", "[" * 3000]  # fmt: skip


@pytest.fixture
async def client(store_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=store_url, engine="rules", job_workers=0))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        for text in ARTICLES:
            assert (await c.post("/v1/summaries", json={"text": text})).status_code == 200
        yield c
    await app.state.service.aclose()


def refused_well(response: httpx.Response, path: str) -> None:
    assert response.status_code < 500, (path, response.status_code, response.text[:300])
    if response.status_code >= 400 and path.startswith("/v1/"):
        assert response.headers["content-type"].startswith("application/problem+json"), path


async def test_no_list_parameter_of_any_value_gets_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    checked = 0
    for path in LISTS:
        for query in queries():
            response = await client.get(path, params=query)
            refused_well(response, path)
            checked += 1
    assert checked > 900
    # and the values a list refuses, it refuses before a download's first byte
    for query in ({"date_to": "9999-12-31"}, {"cursor": CURSORS[0]}, {"kind": "typo"}):
        download = await client.get("/v1/milestones", params=query | {"format": "csv"})
        assert download.status_code in (400, 422), query


async def test_no_name_or_id_in_a_path_gets_a_server_error(client: httpx.AsyncClient) -> None:
    for name in NAMES:
        segment = quote(name, safe="", errors="surrogateescape")
        for path in (
            f"/v1/products/{segment}/timeline",
            f"/v1/organisations/{segment}/timeline",
            f"/products/{segment}",
            f"/organisations/{segment}",
            f"/v1/summaries/s_{segment}",
            f"/v1/summaries/s_{segment}/calls",
            f"/v1/summaries/s_{segment}/attempts",
            f"/v1/summaries/s_{segment}/reviews",
            f"/v1/jobs/j_{segment}",
            f"/summaries/s_{segment}",
            f"/jobs/j_{segment}",
        ):
            refused_well(await client.get(path), path)


BODIES: list[tuple[str, dict[str, Any]]] = [
    ("NUL in the text", {"text": "Acme Bio \u0000 raised $5 million in a Series A round."}),
    ("NUL in the url", {"text": "Acme Bio raised $5 million.", "url": "https://x.test/\u0000"}),
    ("NUL in the source", {"text": "Acme Bio raised $5 million.", "source": "wire\u0000"}),
    ("NUL in the id", {"text": "Acme Bio raised $5 million.", "id": "a\u0000"}),
    ("NUL in ninjs", {"ninjs": {"body_text": "Acme \u0000 Bio raised $5 million."}}),
    ("year 0", {"text": "Acme Bio raised $5 million.", "published_at": "0000-01-01"}),
    ("year 9999", {"text": "Acme Bio raised $5 million.", "published_at": "9999-12-31"}),
]


@pytest.mark.parametrize(("what", "body"), BODIES, ids=[b[0] for b in BODIES])
async def test_a_body_no_store_can_hold_is_refused_alike_on_every_store(
    client: httpx.AsyncClient, what: str, body: dict[str, Any]
) -> None:
    for path in ("/v1/summaries", "/v1/jobs"):
        answer = await client.post(path, json=body)
        assert answer.status_code == 422, (what, path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    plain = await client.post(
        "/v1/summaries",
        content="Acme Bio \u0000 raised $5 million.".encode(),
        headers={"content-type": "text/plain"},
    )
    assert plain.status_code == 422 and "NUL" in plain.json()["detail"]


async def test_no_form_field_of_any_value_gets_a_server_error(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    token = token_in(page.text)
    summary_id = (await client.get("/v1/summaries")).json()["items"][0]["summary_id"]
    fields = ["text", "ninjs", "published_at", "url", "engine", "note", "keep_added",
              "add_kind", "add_start", "add_end", "add_date", "add_evidence", "verdict_0",
              "edit_0_date", "edit_0_organisation", "next", "key"]  # fmt: skip
    for field in fields:
        for value in [*ANY_VALUE, "\u00b2", "0000-02-29", "9999-12-31"]:
            for path in ("/", f"/summaries/{summary_id}/review", "/signout"):
                form = {"csrf": token, "text": "Acme Bio raised $5 million.", field: value}
                refused_well(await client.post(path, data=form), path)
    assert len((await client.get(f"/v1/summaries/{summary_id}/reviews")).json()) > 0
