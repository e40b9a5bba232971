"""``POST /v1/summaries`` and ``POST /v1/jobs`` with only a URL: the page fetched under the
fetch policy, summarised, and the same URL again answered from a 304; what cannot be
fetched is a problem document saying why."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from service.app import create_app
from service.cli import app as cli
from service.settings import Settings
from tests.doubles.pages import ALLOWED, Page, Site
from tests.test_fetch import PAGE
from tests.test_http_api import assert_problem

pytestmark = pytest.mark.slow  # a server on a socket


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    fields = {"engine": "rules", "database_url": f"sqlite:///{tmp_path}/s.sqlite3", **ALLOWED}
    app = create_app(Settings(**fields))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        yield c
    await app.state.service.aclose()


async def test_a_url_is_fetched_summarised_and_the_second_time_a_304(
    client: httpx.AsyncClient, site: Site
) -> None:
    site.pages["/news/nw-201"] = Page(PAGE, etag='"a1"')
    url = site.url("/news/nw-201")
    first = await client.post("/v1/summaries", json={"url": url, "id": "cms-17"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["meta"]["cached"] is False and body["article_id"] == "cms-17"
    assert any(m["kind"] == "trial_authorisation" for m in body["summary"]["milestones"])
    text = body["text"]  # the page's text, which the spans refer to
    for m in body["summary"]["milestones"]:
        span = m["evidence_span"]
        assert text[span["start"] : span["end"]] == m["evidence"]

    again = await client.post("/v1/summaries", json={"url": url, "id": "cms-17"})
    assert again.status_code == 200 and again.json()["meta"]["cached"] is True
    assert again.json()["id"] == body["id"]
    assert site.hits("/news/nw-201") == [200, 304]


@pytest.mark.parametrize(
    ("page", "status", "slug"),
    [
        (Page(b"gone", status=404), 422, "fetch-failed"),
        (Page(b"busy", status=503), 502, "fetch-unavailable"),
        (Page(b"\x00\x01", type="application/octet-stream"), 422, "fetch-failed"),
    ],
)
async def test_a_page_that_cannot_be_had_is_a_problem_saying_why(
    client: httpx.AsyncClient, site: Site, page: Page, status: int, slug: str
) -> None:
    site.pages["/p"] = page
    response = await client.post("/v1/summaries", json={"url": site.url("/p")})
    assert_problem(response, status, slug)


async def test_by_default_a_loopback_or_http_url_is_refused_with_the_setting_to_name(
    tmp_path: Path, site: Site
) -> None:
    site.pages["/p"] = Page(PAGE)
    app = create_app(Settings(engine="rules", database_url=f"sqlite:///{tmp_path}/d.sqlite3"))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            plain = await c.post("/v1/summaries", json={"url": site.url("/p")})
            assert (
                "MILESTONES_ALLOW_HTTP_FETCHES"
                in assert_problem(plain, 422, "fetch-refused")["detail"]
            )
            inside = await c.post("/v1/jobs", json={"url": f"https://127.0.0.1:{site.port}/p"})
            assert (
                "MILESTONES_ALLOW_PRIVATE_FETCHES"
                in assert_problem(inside, 422, "fetch-refused")["detail"]
            )
    finally:
        await app.state.service.aclose()
    assert site.requests == []  # nothing was fetched


async def test_a_job_given_a_url_holds_the_page_fetched_when_it_was_submitted(
    client: httpx.AsyncClient, site: Site
) -> None:
    site.pages["/news/nw-201"] = Page(PAGE)
    response = await client.post("/v1/jobs", json={"url": site.url("/news/nw-201")})
    assert response.status_code == 202, response.text
    assert site.hits("/news/nw-201") == [200]


def test_the_command_line_summarises_a_url_among_files_and_says_what_it_could_not_fetch(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MILESTONES_ALLOW_HTTP_FETCHES", "true")
    monkeypatch.setenv("MILESTONES_ALLOW_PRIVATE_FETCHES", "true")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    site.pages["/news/nw-201"] = Page(PAGE)
    article = tmp_path / "a.txt"
    article.write_text("Acme Bio said the FDA granted Fast Track designation to AB-7.\n")
    args = ["summarise", site.url("/news/nw-201"), str(article), site.url("/gone"), "--json"]
    result = CliRunner().invoke(cli, [*args, "--engine", "rules"])
    assert result.exit_code == 1  # one of three failed
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == [site.url("/news/nw-201"), str(article)]
    assert "NW-201" in lines[0]["text"]
    assert "fetch_failed" in result.stderr and "answered 404" in result.stderr


def test_bulk_rows_with_only_a_url_are_fetched_and_a_page_that_cannot_be_had_is_an_error_line(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MILESTONES_ALLOW_HTTP_FETCHES", "true")
    monkeypatch.setenv("MILESTONES_ALLOW_PRIVATE_FETCHES", "true")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/bulk.sqlite3")
    site.pages["/news/nw-201"] = Page(PAGE)
    site.pages["/gone"] = Page(b"gone", status=404)
    rows = [
        {"id": "page", "url": site.url("/news/nw-201"), "source": "Northwind newsroom"},
        {"id": "gone", "url": site.url("/gone")},
        {"id": "plain", "text": "Harbour Gene Therapies raised $40 million in a Series B."},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    args = ["bulk", str(source), "-o", str(out), "--engine", "rules", "--no-progress"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1  # one item failed
    done = {line["id"]: line for line in map(json.loads, out.read_text().splitlines())}
    assert set(done) == {"page", "plain"}
    page = done["page"]
    assert any(m["kind"] == "trial_authorisation" for m in page["summary"]["milestones"])
    for m in page["summary"]["milestones"]:  # the spans refer to the page's text, given
        span = m["evidence_span"]
        assert page["text"][span["start"] : span["end"]] == m["evidence"]
    (failed,) = map(json.loads, (tmp_path / "out.errors.jsonl").read_text().splitlines())
    assert failed["id"] == "gone" and failed["kind"] == "fetch_failed"
    assert "404" in failed["detail"]

    again = CliRunner().invoke(cli, args)  # resumed: what is done is not fetched again
    assert again.exit_code == 1 and site.hits("/news/nw-201") == [200]


async def test_the_start_page_summarises_a_page_given_by_its_url(
    client: httpx.AsyncClient, site: Site
) -> None:
    from tests.test_pages import token_in

    site.pages["/news/nw-201"] = Page(PAGE)
    site.pages["/gone"] = Page(b"gone", status=404)
    csrf = token_in((await client.get("/")).text)
    made = await client.post(
        "/", data={"url": site.url("/news/nw-201"), "engine": "rules", "csrf": csrf}
    )
    assert made.status_code == 303, made.text
    page = await client.get(made.headers["location"])
    assert page.status_code == 200 and "NW-201" in page.text and 'class="ev' in page.text
    refused = await client.post("/", data={"url": site.url("/gone"), "csrf": csrf})
    assert refused.status_code == 422 and "404" in refused.text
    assert f'value="{site.url("/gone")}"' in refused.text  # the form keeps what was given
    nothing = await client.post("/", data={"url": " ", "csrf": csrf})
    assert nothing.status_code in (400, 422) and "give its page" in nothing.text
