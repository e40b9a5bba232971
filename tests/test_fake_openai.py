"""End to end over real HTTP: the CLI against the local fake OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from schemas import SummaryRecord
from service.cli import app
from tests.doubles.fake_openai import Limits, create_app, serving

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
pytestmark = pytest.mark.slow  # the fake provider serves on a socket


@pytest.fixture
def fake_server() -> Iterator[str]:
    with serving(Limits(rpm=1000)) as url:
        yield url


@pytest.mark.parametrize("mode", ["tools", "json_schema"])
def test_summarising_the_seeds_with_the_llm_engine_over_http_gives_one_grounded_line_each(
    fake_server: str, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", f"{fake_server}/v1")
    monkeypatch.setenv("MILESTONES_MODEL", "fake-model")
    monkeypatch.setenv("MILESTONES_MODE", mode)
    result = CliRunner().invoke(app, ["summarise", str(SEEDS), "--json", "--engine", "llm"])
    assert result.exit_code == 0, result.stderr
    records = [SummaryRecord.model_validate_json(line) for line in result.stdout.splitlines()]
    assert len(records) == len(list(SEEDS.glob("*.txt"))) == 5
    for record in records:
        assert (record.meta.engine, record.meta.model, record.meta.requests) == (
            "llm",
            "fake-model",
            1,
        )
        assert record.meta.usage.total_tokens > 0
        text = Path(record.source or "").read_text(encoding="utf-8")
        assert record.summary.milestones
        for m in record.summary.milestones:
            assert text[m.evidence_span.start : m.evidence_span.end] == m.evidence
    stats = httpx.get(f"{fake_server}/stats").json()
    assert stats["answered"] == 5


async def test_over_its_rate_limit_the_fake_answers_429_with_retry_after() -> None:
    transport = httpx.ASGITransport(app=create_app(Limits(rpm=60)))  # one a second, burst 1
    body = {"model": "m", "messages": [{"role": "user", "content": "Acme Bio raised funds."}]}
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        codes = [
            (await client.post("/v1/chat/completions", json=body)).status_code for _ in range(3)
        ]
        assert codes == [200, 429, 429]
        limited = await client.post("/v1/chat/completions", json=body)
        assert int(limited.headers["Retry-After"]) == 1
        assert (await client.get("/stats")).json()["rate_limited"] == 3
