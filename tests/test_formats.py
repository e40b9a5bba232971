"""HTML pages and IPTC ninjs documents give the same milestones as the article's text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import ValidationError

from schemas import SummaryRecord
from service.article import Article
from service.engines.rules import RulesEngine
from service.errors import InputError
from service.formats import (
    Format,
    Given,
    by_file_name,
    by_media_type,
    from_html,
    from_ninjs,
    register,
    unregister,
)
from service.inputs import ArticleInput
from service.pipeline import summarise

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
PUBLISHED = date(2025, 6, 2)


def as_html(text: str, head: str = "") -> str:
    """The article in a page with site navigation, a subscription box and a footer."""
    paragraphs = "".join(f"<p>{line}</p>\n" for line in text.splitlines() if line.strip())
    return (
        f"<html><head><title>News</title>{head}</head><body>"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/news'>News</a></li>"
        "<li><a href='/subscribe'>Subscribe</a></li></ul></nav>"
        f"<main><article>{paragraphs}</article></main>"
        "<aside><h3>Newsletter</h3><p>Sign up for our newsletter.</p></aside>"
        "<footer><p>Copyright 2025 Example News. All rights reserved.</p>"
        "<ul><li><a href='/privacy'>Privacy</a></li></ul></footer></body></html>"
    )


def milestones(record: SummaryRecord) -> list[tuple[str | None, ...]]:
    return sorted(
        (
            (m.kind, m.organisation, m.authority, m.product, m.date, m.jurisdiction)
            for m in record.summary.milestones
        ),
        key=str,
    )


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem[:3] for p in SEEDS])
async def test_a_seed_wrapped_in_page_markup_gives_the_same_milestones_as_its_text(
    seed: Path,
) -> None:
    text = seed.read_text(encoding="utf-8")
    engine = RulesEngine()
    plain = await summarise(Article(text), engine)
    page = from_html(as_html(text))
    from_page = await summarise(page, engine)
    assert milestones(from_page) == milestones(plain) and milestones(plain)
    for m in from_page.summary.milestones:  # spans point into the extracted text
        assert page.text[m.evidence_span.start : m.evidence_span.end] == m.evidence


@pytest.mark.parametrize("seed", SEEDS, ids=[p.stem[:3] for p in SEEDS])
async def test_ninjs_1_and_3_give_the_same_milestones_as_the_text(seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    headline, body = text.splitlines()[0], "\n".join(text.splitlines()[1:])
    engine = RulesEngine()
    plain = await summarise(Article(text, published_at=PUBLISHED), engine)
    version_1 = {
        "uri": "urn:example:1",
        "headline": headline,
        "body_text": body,
        "versioncreated": "2025-06-02T09:30:00Z",
        "language": "en",
    }
    html_body = "".join(f"<p>{line}</p>" for line in body.splitlines() if line.strip())
    version_3 = {
        "uri": "urn:example:3",
        "versionCreated": "2025-06-02T09:30:00Z",
        "language": "en",
        "headlines": [{"role": "main", "value": headline}],
        "bodies": [{"role": "main", "contentType": "text/html", "value": html_body}],
    }
    for document in (version_1, version_3):
        article = from_ninjs(document)
        assert article.published_at == PUBLISHED and article.url == document["uri"]
        assert milestones(await summarise(article, engine)) == milestones(plain)


def test_page_metadata_is_used_but_no_date_is_guessed() -> None:
    head = (
        "<link rel='canonical' href='https://news.example/a'>"
        "<meta property='article:published_time' content='2024-03-05T10:00:00Z'>"
    )
    article = from_html(as_html("Acme Bio raised $5 million in a seed round.", head))
    assert (article.url, article.published_at) == ("https://news.example/a", date(2024, 3, 5))
    undated = from_html(as_html("Acme Bio said on Tuesday it raised $5 million in 2024."))
    assert undated.published_at is None


def test_a_declared_date_no_article_can_have_is_ignored() -> None:
    document = {
        "body_text": "Acme Bio said on Tuesday it raised $5 million.",
        "versioncreated": "0001-01-01T00:00:00Z",
    }
    assert from_ninjs(document).published_at is None
    head = "<meta property='article:published_time' content='0001-01-01T00:00:00Z'>"
    assert (
        from_html(as_html("Acme Bio raised $5 million in a seed round.", head)).published_at is None
    )


@pytest.mark.parametrize(
    ("convert", "why"),
    [
        (
            lambda: from_html("<html><head><script>var a;</script></head><body></body></html>"),
            "no article text",
        ),
        (lambda: from_ninjs({"headline": "A headline only"}), "has no body"),
        (lambda: from_ninjs(["not", "an", "object"]), "must be a JSON object"),
    ],
)
def test_inputs_without_an_article_are_refused_clearly(convert: object, why: str) -> None:
    with pytest.raises(InputError, match=why):
        convert()  # type: ignore[operator]


def test_a_page_with_only_navigation_has_no_article() -> None:
    page = (
        "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a> "
        "<a href='/login'>Log in</a> <a href='/subscribe'>Subscribe</a></nav></body></html>"
    )
    with pytest.raises(InputError, match="only short fragments"):
        from_html(page)


# -- adding a format: one entry, and every front end reads it ------------------------------

WIRE_TEXT = (
    "HEADLINE: Harbor Gene wins FDA Fast Track designation\n"
    "BODY: Harbor Gene said on 3 March 2026 that the FDA granted Fast Track designation to "
    "HG-101, its gene therapy for Fabry disease.\n"
)


def _from_wire(content: object, given: Given) -> Article:
    """A made-up wire format: 'HEADLINE: …' and 'BODY: …' lines."""
    assert isinstance(content, str)
    fields = dict(line.split(": ", 1) for line in content.splitlines() if ": " in line)
    if "BODY" not in fields:
        raise InputError("a wire item has a BODY line")
    text = f"{fields.get('HEADLINE', '')}\n{fields['BODY']}".strip()
    return Article(text, given.published_at, given.source, given.url, given.id)


@pytest.fixture
def wire_format() -> Iterator[Format]:
    fmt = register(
        Format(
            "wire", "a wire item (HEADLINE and BODY lines)", ("application/x-wire",),
            (".wire",), _from_wire, pasted=True, description="A wire item.",
            example=WIRE_TEXT,
        )
    )  # fmt: skip
    yield fmt
    unregister("wire")


def _made_up_app(tmp_path: Path) -> FastAPI:
    from service.app import create_app
    from service.settings import Settings

    return create_app(Settings(engine="rules", database_url=f"sqlite:///{tmp_path}/s.sqlite3"))


def _kinds(answer: dict[str, Any]) -> set[str]:
    return {m["kind"] for m in answer["summary"]["milestones"]}


async def test_a_format_added_in_one_place_is_read_by_post_the_form_and_openapi(
    wire_format: Format, tmp_path: Path
) -> None:
    import re

    import httpx

    app = _made_up_app(tmp_path)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        as_body = await client.post(
            "/v1/summaries", content=WIRE_TEXT, headers={"content-type": "application/x-wire"}
        )
        as_field = await client.post("/v1/summaries", json={"wire": WIRE_TEXT})
        spec = (await client.get("/openapi.json")).json()
        start = await client.get("/")
        token = re.search(r'name="csrf" value="([^"]+)"', start.text)
        assert token is not None
        pasted = await client.post("/", data={"wire": WIRE_TEXT, "csrf": token.group(1)})
        uploaded = await client.post(
            "/",
            data={"csrf": token.group(1)},
            files={"file": ("item.wire", WIRE_TEXT.encode(), "application/octet-stream")},
        )
        refused = await client.post(
            "/v1/summaries",
            content="HEADLINE: only",
            headers={"content-type": "application/x-wire"},
        )
    await app.state.service.aclose()
    for answer in (as_body, as_field):
        assert answer.status_code == 200, answer.text
        assert "designation" in _kinds(answer.json())
        assert answer.json()["text"].startswith("Harbor Gene wins")  # extracted: included
    assert refused.status_code == 422 and "BODY" in refused.json()["detail"]
    body = spec["paths"]["/v1/summaries"]["post"]["requestBody"]["content"]
    assert body["application/x-wire"]["example"] == WIRE_TEXT
    assert "wire" in body["application/json"]["examples"]
    assert "wire" in body["application/json"]["schema"]["properties"]
    assert 'name="wire"' in start.text and ".wire" in start.text  # a box and the upload
    for page in (pasted, uploaded):
        assert page.status_code == 303, page.text
        assert page.headers["location"].startswith("/summaries/")


def test_a_format_added_in_one_place_is_read_by_the_cli_and_bulk_runs(
    wire_format: Format, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from service.cli import app as cli

    item = tmp_path / "item.wire"
    item.write_text(WIRE_TEXT, encoding="utf-8")
    (tmp_path / "notes.unknown").write_text("not an article", encoding="utf-8")
    ran = CliRunner().invoke(cli, ["summarise", "--json", "--no-store", str(tmp_path)])
    assert ran.exit_code == 0, ran.output
    [line] = [json.loads(line) for line in ran.stdout.splitlines()]  # .unknown left out
    assert "designation" in {m["kind"] for m in line["summary"]["milestones"]}
    assert line["source"] == str(tmp_path / "item.wire")
    out = tmp_path / "out" / "bulk.jsonl"
    bulk = CliRunner().invoke(
        cli, ["bulk", str(tmp_path), "-o", str(out), "--engine", "rules", "--no-progress"]
    )
    assert bulk.exit_code == 0, bulk.output
    [row] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "designation" in {m["kind"] for m in row["summary"]["milestones"]}


def test_a_format_removed_is_no_longer_read(wire_format: Format) -> None:
    unregister("wire")
    assert by_media_type("application/x-wire") is None and by_file_name("a.wire") is None
    with pytest.raises(ValidationError, match="unknown field wire"):
        ArticleInput.model_validate({"wire": WIRE_TEXT})
    register(wire_format)  # the fixture removes it again
