"""Milestones counted, and money summed per currency, by group: what a bulk run stored,
counted again here from its own output."""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from service.app import create_app
from service.cli import app as cli
from service.index.query import Filters
from service.settings import Settings
from service.store import Store
from tests.index_data import keep, milestone

ROOT = Path(__file__).resolve().parent.parent
SETS = [ROOT / "seeds", ROOT / "tests" / "data" / "details"]


@pytest.fixture
def bulk_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """The seeds and the details set run in bulk with the rules into one store."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for source in SETS:
        for path in source.glob("*.txt"):
            shutil.copy(path, folder / path.name)
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    monkeypatch.setenv("DATABASE_URL", url)
    out = tmp_path / "out.jsonl"
    ran = CliRunner().invoke(
        cli, ["bulk", str(folder), "-o", str(out), "--engine", "rules", "--no-progress"]
    )
    assert ran.exit_code == 0, ran.output
    return out, url


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def aggregate(*args: str) -> list[dict[str, Any]]:
    ran = CliRunner().invoke(cli, ["aggregate", *args, "--json"])
    assert ran.exit_code == 0, ran.output
    return [json.loads(line) for line in ran.stdout.splitlines()]


def test_counts_per_kind_are_the_bulk_runs_milestones(bulk_out: tuple[Path, str]) -> None:
    out, _ = bulk_out
    expected = Counter(m["kind"] for line in lines(out) for m in line["summary"]["milestones"])
    found = {row["kind"]: row["milestones"] for row in aggregate("--by", "kind")}
    assert found == dict(expected) and sum(found.values()) > 20


def test_money_is_summed_per_currency_as_stated(bulk_out: tuple[Path, str]) -> None:
    out, _ = bulk_out
    expected: dict[str, float] = defaultdict(float)
    for line in lines(out):
        for m in line["summary"]["milestones"]:
            amount = m["details"]["amount"]
            if m["kind"] == "funding" and amount:
                expected[amount["currency"]] += amount["value"]
    rows = aggregate("--by", "currency", "--sum", "--kind", "funding")
    found = {row["currency"]: row["amount"] for row in rows if row["currency"]}
    assert found == pytest.approx(dict(expected)) and {"USD", "EUR", "CNY", "SGD"} <= set(found)
    by_round = aggregate("--by", "round", "--sum", "--kind", "funding")
    assert all(row["currency"] is not None or row["amount"] is None for row in by_round)


async def test_the_api_answers_the_same_groups(bulk_out: tuple[Path, str]) -> None:
    _, url = bulk_out
    app = create_app(Settings(engine="rules", database_url=url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        api = await client.get("/v2/milestones/aggregate?by=kind,quarter&sum=true")
        bad = await client.get("/v2/milestones/aggregate?by=colour")
        designation = await client.get("/v1/milestones?designation=orphan_drug")
    await app.state.service.aclose()
    assert api.status_code == 200 and api.json() == aggregate("--by", "kind,quarter", "--sum")
    assert bad.status_code == 400 and "colour" in bad.json()["detail"]
    products = {m["product"] for m in designation.json()["items"]}
    assert {"IMC001", "IMC008"} <= products and "IMC002" not in products


def test_a_quarter_is_a_dated_milestones_and_sums_never_mix_currencies(store_url: str) -> None:
    store = Store(store_url)
    try:
        text = "Acme raised $5 million in March 2024. Acme raised €3 million in May 2024."
        first, second = text.split(". ")
        keep(
            store, text,
            milestone(first + ".", kind="funding", date="2024-03", organisation="Acme",
                      details={"amount": {"value": 5e6, "currency": "USD",
                                          "stated": "$5 million"}}),
            milestone(second, kind="funding", date="2024-05", organisation="Acme",
                      details={"amount": {"value": 3e6, "currency": "EUR",
                                          "stated": "€3 million"}}),
        )  # fmt: skip
        rows = store.index.aggregate(Filters(kinds=("funding",)), ("quarter",), True)
    finally:
        store.close()
    assert rows == [
        {"quarter": "2024-Q1", "currency": "USD", "milestones": 1, "amount": 5e6,
         "with_amount": 1},
        {"quarter": "2024-Q2", "currency": "EUR", "milestones": 1, "amount": 3e6,
         "with_amount": 1},
    ]  # fmt: skip


def test_the_downloads_carry_the_details_and_the_json_lists_keep_v1s_shape(
    bulk_out: tuple[Path, str], tmp_path: Path
) -> None:
    import csv

    sheet = tmp_path / "funding.csv"
    ran = CliRunner().invoke(cli, ["export", "-o", str(sheet), "--kind", "funding"])
    assert ran.exit_code == 0, ran.output
    with sheet.open(encoding="utf-8") as opened:
        rows = list(csv.DictReader(opened))
    rounds = {row["round"] for row in rows}
    assert {"series_b", "grant", "placement"} <= rounds
    larkspur = next(row for row in rows if row["organisation"] == "Larkspur Bio")
    assert (float(larkspur["amount"]), larkspur["currency"]) == (85e6, "USD")
    assert larkspur["investors"] == "Delta Ventures"
    listed = CliRunner().invoke(
        cli, ["export", "-o", str(tmp_path / "m.jsonl"), "--kind", "designation"]
    )
    assert listed.exit_code == 0
    assert all("details" not in line for line in lines(tmp_path / "m.jsonl"))
