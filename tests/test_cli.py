"""The command line: tables or JSON Lines, failures reported without losing the others."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import respx
from typer.testing import CliRunner

from schemas import SummaryRecord
from service.cli import app
from service.settings import Settings
from service.webhooks import decode_secret
from tests.articles import ARTICLE, VALID_ANSWER
from tests.model_stub import BASE_URL, completion, error

runner = CliRunner()


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", BASE_URL)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("MILESTONES_MODEL", "test-model")
    monkeypatch.setenv("MILESTONES_BACKOFF_MAX_S", "0")


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00 an image, named .txt")
    (tmp_path / "c.txt").write_text("Advertisement\n" + ARTICLE, encoding="utf-8")
    (tmp_path / "notes.json").write_text("{}")  # not an article: skipped
    return tmp_path


def test_json_lines_give_one_record_per_article_and_report_the_bad_one(
    configured: None, articles: Path, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    result = runner.invoke(app, ["summarise", str(articles), "--json", "--engine", "llm"])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    records = [SummaryRecord.model_validate_json(line) for line in lines]
    assert [r.source for r in records] == [str(articles / "a.txt"), str(articles / "c.txt")]
    for record in records:
        text = Path(record.source or "").read_text(encoding="utf-8")
        for m in record.summary.milestones:
            assert text[m.evidence_span.start : m.evidence_span.end] == m.evidence
    assert set(json.loads(lines[0])["meta"]) >= {
        "engine",
        "model",
        "prompt_version",
        "schema_hash",
        "attempts",
        "usage",
        "latency_ms",
        "cached",
    }
    assert "b.txt: bad_input: " in result.stderr and "it is a PNG image" in result.stderr
    assert "1 of 3 article(s) failed" in result.stderr


def test_the_default_output_is_a_readable_table(
    configured: None, articles: Path, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    result = runner.invoke(app, ["summarise", str(articles / "a.txt")])
    assert result.exit_code == 0, result.stderr
    assert "MHRA approves Brightwater" in result.stdout
    assert "trial_authorisation" in result.stdout and "funding" in result.stdout
    assert "engine: llm" in result.stderr


def test_standard_input_is_read_with_a_dash(configured: None, model: respx.MockRouter) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    result = runner.invoke(app, ["summarise", "-", "--json"], input=ARTICLE)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "-"


def test_a_model_failure_is_reported_with_its_kind_and_the_exit_code(
    configured: None, articles: Path, model: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MILESTONES_TRANSPORT_RETRIES", "0")
    model.post("/chat/completions").mock(return_value=error(503))
    result = runner.invoke(app, ["summarise", str(articles / "a.txt"), "--json"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "a.txt: provider_unavailable: HTTP 503" in result.stderr


def test_a_new_webhook_secret_is_printed_ready_to_use() -> None:
    first, second = (runner.invoke(app, ["webhook-secret"]) for _ in range(2))
    assert first.exit_code == 0 and first.stdout != second.stdout
    secret = first.stdout.strip()
    Settings(webhook_secret=secret)  # accepted as MILESTONES_WEBHOOK_SECRET
    assert len(decode_secret(secret)) == 32


def test_without_a_model_configured_it_says_what_to_set() -> None:
    result = runner.invoke(app, ["summarise", "seeds", "--engine", "llm"])
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr and "OPENAI_BASE_URL" in result.stderr


def test_an_unknown_engine_is_a_usage_error() -> None:
    result = runner.invoke(app, ["summarise", "seeds", "--engine", "magic"])
    assert result.exit_code == 2
    assert "'magic' is not one of 'auto', 'llm', 'rules'" in " ".join(result.stderr.split())


def test_a_missing_path_is_a_usage_error_before_anything_runs(
    configured: None, model: respx.MockRouter
) -> None:
    result = runner.invoke(app, ["summarise", "seeds", "no/such/file.txt"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "no such file or directory: no/such/file.txt" in result.stderr
    assert not model.calls


def test_html_files_are_summarised_and_their_json_line_carries_the_extracted_text(
    tmp_path: Path,
) -> None:
    from tests.test_formats import as_html

    text = (
        Path(__file__).resolve().parent.parent / "seeds" / "000_2ec0818c34523e87.txt"
    ).read_text()
    (tmp_path / "page.html").write_text(as_html(text), encoding="utf-8")
    result = runner.invoke(app, ["summarise", str(tmp_path), "--json", "--engine", "rules"])
    assert result.exit_code == 0, result.stderr
    line = json.loads(result.stdout)
    assert line["summary"]["milestones"][0]["kind"] == "certification"
    for m in line["summary"]["milestones"]:
        span = m["evidence_span"]
        assert line["text"][span["start"] : span["end"]] == m["evidence"]
