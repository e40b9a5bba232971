"""The charts page: milestones per quarter by kind, money per quarter by round in one
currency, drawn on the server as SVG with nothing fetched from elsewhere."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from service.app import create_app
from service.settings import Settings

DETAILS = Path(__file__).resolve().parent / "data" / "details"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(engine="rules", database_url=f"sqlite:///{tmp_path}/s.sqlite3"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        for path in sorted(DETAILS.glob("*.txt")):
            made = await c.post("/v1/summaries", json={"text": path.read_text()})
            assert made.status_code == 200
        yield c
    await app.state.service.aclose()


async def test_the_page_shows_both_charts_and_their_figures(client: httpx.AsyncClient) -> None:
    page = await client.get("/charts")
    assert page.status_code == 200
    assert 'src="/charts/milestones.svg"' in page.text
    assert 'src="/charts/funding.svg?currency=' in page.text
    assert "<td>2025-Q2</td>" in page.text  # Larkspur's Series B, 6 May 2025
    chosen = await client.get("/charts?currency=USD")
    assert "<td>series_b</td><td>85,000,000</td>" in chosen.text


@pytest.mark.parametrize("path", ["/charts/milestones.svg", "/charts/funding.svg?currency=USD"])
async def test_a_chart_is_svg_that_fetches_nothing(client: httpx.AsyncClient, path: str) -> None:
    chart = await client.get(path)
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg")
    assert "script-src" not in chart.headers["content-security-policy"]  # no script runs
    assert not re.search(r'(?:href|src)="https?://', chart.text)
    assert chart.text.lstrip().startswith("<svg")


async def test_a_currency_that_is_none_is_a_400(client: httpx.AsyncClient) -> None:
    bad = await client.get("/charts/funding.svg?currency=DOGE")
    assert bad.status_code == 400 and "ISO 4217" in bad.text


async def test_the_milestones_table_takes_the_detail_filters_from_its_url(
    client: httpx.AsyncClient,
) -> None:
    grants = await client.get("/milestones?round=grant")
    assert grants.status_code == 200 and "Meridel Cell" in grants.text
    assert "Larkspur" not in grants.text
    big = await client.get("/milestones?currency=USD&amount_min=50000000")
    assert "Larkspur" in big.text
    assert (await client.get("/milestones?amount_min=lots")).status_code == 400


async def test_the_milestones_tables_form_offers_the_detail_filters(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/milestones?round=grant&currency=EUR")
    for name in ("designation", "application", "phase", "round", "currency", "amount_min"):
        assert f'name="{name}"' in page.text
    assert '<option value="grant" selected>' in page.text
    assert '<option value="EUR" selected>' in page.text
