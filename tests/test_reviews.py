"""Reviews: an editor's verdicts, corrections and additions, kept by the API, and the
gold set they make, which ``milestones eval`` reads."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from service.app import create_app
from service.cli import app as cli
from service.settings import Settings

ARTICLE = (
    "Acme Bio AG is a cell therapy company based in Basel.\n"
    "Acme Bio said the FDA has granted Orphan Drug Designation to AB-101.\n"
    "Acme Bio raised $50 million in a Series B financing led by Delta Ventures.\n"
    "The company also opened a manufacturing facility in Leiden in June 2024.\n"
)
ALICE = {"authorization": "Bearer key-of-alice"}


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/store.sqlite3"


@pytest.fixture
async def app(database: str) -> AsyncIterator[FastAPI]:
    application = create_app(
        Settings(engine="rules", database_url=database, api_keys="alice:key-of-alice,other")
    )
    yield application
    await application.state.service.aclose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1", headers=ALICE
    ) as c:
        yield c


async def summarised(client: httpx.AsyncClient, text: str = ARTICLE) -> dict[str, Any]:
    response = await client.post("/v1/summaries", json={"text": text})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def a_review(summary: dict[str, Any], text: str = ARTICLE) -> dict[str, Any]:
    """Every milestone correct but the funding one (wrong) and the designation's date
    corrected; the facility's sentence added as a missed milestone."""
    milestones = summary["summary"]["milestones"]
    kinds = [m["kind"] for m in milestones]
    assert "designation" in kinds and "funding" in kinds, kinds
    verdicts = []
    for i, m in enumerate(milestones):
        if m["kind"] == "funding":
            verdicts.append({"index": i, "verdict": "wrong"})
        elif m["kind"] == "designation":
            verdicts.append({"index": i, "verdict": "correct", "edits": {"date": "2024-05"}})
        else:
            verdicts.append({"index": i, "verdict": "correct"})
    sentence = "The company also opened a manufacturing facility in Leiden in June 2024."
    start = text.index(sentence)
    added = {
        "kind": "facility",
        "title": "Manufacturing facility opened in Leiden",
        "organisation": "Acme Bio",
        "date": "2024-06",
        "jurisdiction": "NL",
        "evidence_span": {"start": start, "end": start + len(sentence)},
    }
    # the rules may find the facility themselves: then it is marked correct, and the
    # addition is of a clinical milestone written as a facility's sentence anyway
    return {"verdicts": verdicts, "added": [added], "note": "checked against the release"}


async def test_a_review_is_kept_with_its_reviewer_and_read_back(
    client: httpx.AsyncClient,
) -> None:
    summary = await summarised(client)
    review = a_review(summary)
    made = await client.post(f"/v1/summaries/{summary['id']}/reviews", json=review)
    assert made.status_code == 201, made.text
    assert made.headers["location"] == f"/v1/summaries/{summary['id']}/reviews"
    kept = made.json()
    assert kept["reviewer"] == "alice" and kept["summary_id"] == summary["id"]
    assert kept["verdicts"] == [{"edits": None} | v for v in review["verdicts"]]
    assert kept["added"][0]["evidence_span"] == review["added"][0]["evidence_span"]
    listed = (await client.get(f"/v1/summaries/{summary['id']}/reviews")).json()
    assert [r["id"] for r in listed] == [kept["id"]]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda r: r["verdicts"].pop(), "verdicts: give one for each of the"),
        (lambda r: r["verdicts"].append({"index": 99, "verdict": "wrong"}), "no milestone [99]"),
        (
            lambda r: r["added"][0].update(evidence_span={"start": 5, "end": 10**6}),
            "is out of the text",
        ),
        (lambda r: r["added"][0].update(date="June 2024"), "date"),
        (lambda r: r["added"][0].update(jurisdiction="Holland"), "jurisdiction"),
        (lambda r: r["verdicts"][0].update(edits={"kind": "miracle"}), "kind"),
    ],
    ids=[
        "a verdict missing",
        "no such milestone",
        "span out of the text",
        "bad date",
        "bad jurisdiction",
        "unknown kind",
    ],
)
async def test_a_review_that_does_not_fit_the_summary_is_422_saying_why(
    client: httpx.AsyncClient, change: Any, says: str
) -> None:
    summary = await summarised(client)
    review = a_review(summary)
    change(review)
    answer = await client.post(f"/v1/summaries/{summary['id']}/reviews", json=review)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert says in answer.text


async def test_reviews_need_a_key_and_a_summary(client: httpx.AsyncClient) -> None:
    summary = await summarised(client)
    url = f"/v1/summaries/{summary['id']}/reviews"
    assert (await client.get(url, headers={"authorization": ""})).status_code == 401
    assert (await client.get("/v1/summaries/s_nosuch/reviews")).status_code == 404
    empty = {"verdicts": []}
    assert (await client.post("/v1/summaries/s_nosuch/reviews", json=empty)).status_code == 404


async def test_exported_reviews_are_a_gold_set_that_eval_reads(
    client: httpx.AsyncClient,
    database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = await summarised(client)
    review = a_review(summary)
    await client.post(
        f"/v1/summaries/{summary['id']}/reviews",
        json={"verdicts": []}
        | {"verdicts": [{"index": i, "verdict": "wrong"} for i in range(len(review["verdicts"]))]},
    )  # a first review, superseded by the next
    assert (await client.post(f"/v1/summaries/{summary['id']}/reviews", json=review)).is_success
    other = await summarised(client, "Beta Cell AG raised $7 million in a Series A round.\n")
    unreviewed = other["id"]

    monkeypatch.setenv("DATABASE_URL", database)
    gold = tmp_path / "out" / "gold.jsonl"
    exported = CliRunner().invoke(cli, ["reviews", "export", "-o", str(gold)])
    assert exported.exit_code == 0, exported.output
    articles = tmp_path / "out" / "gold.articles"
    assert f"milestones eval {gold} --articles {articles}" in exported.stderr

    [line] = [json.loads(x) for x in gold.read_text().splitlines()]
    assert line["article"] == f"{summary['id']}.txt" and unreviewed not in gold.read_text()
    assert (articles / line["article"]).read_text() == ARTICLE
    kept = sum(v["verdict"] == "correct" for v in review["verdicts"]) + len(review["added"])
    assert len(line["milestones"]) == kept
    assert "funding" not in {m["kind"] for m in line["milestones"]}
    designation = next(m for m in line["milestones"] if m["kind"] == "designation")
    assert designation["date"] == "2024-05" and designation["organisation"] == ["Acme Bio"]

    args = ["eval", str(gold), "--articles", str(articles), "--engine", "rules", "--json"]
    evaluated = await asyncio.to_thread(CliRunner().invoke, cli, args)  # it runs its own loop
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.stdout)
    [row] = report["articles"]
    assert row["gold"] == kept and row["predicted"] == len(summary["summary"]["milestones"])
