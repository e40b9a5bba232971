"""The call log: every model request of an extraction is kept, with the answer, the
validation errors fed back, the transport's tries and waits, tokens and latency."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx

from service.article import Article
from service.engines.llm import LLMEngine
from service.errors import ExtractionFailed
from service.pipeline import Summariser
from service.settings import Settings
from service.store import Store
from tests.articles import ARTICLE, VALID_ANSWER, answer_with_milestone
from tests.conftest import Sleeps
from tests.model_stub import completion, error


def stub(model: respx.MockRouter, *answers: httpx.Response) -> respx.Route:
    return model.post("/chat/completions").mock(side_effect=list(answers))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """The store on SQLite and on PostgreSQL."""
    opened = Store(store_url)
    yield opened
    opened.close()


def summariser(store: Store, settings: Settings, **changes: object) -> Summariser:
    return Summariser(store, settings.model_copy(update=changes))


async def test_a_re_asked_extraction_leaves_a_row_per_request_with_the_errors_fed_back(
    store: Store, settings: Settings, engine: LLMEngine, model: respx.MockRouter
) -> None:
    bad = answer_with_milestone(0, kind="approval")
    stub(model, completion('{"headline": "cut off'), completion(bad), completion(VALID_ANSWER))
    outcome = await summariser(store, settings).summarise(Article(ARTICLE), engine)
    rows = store.calls.logs(summary_id=outcome.id)
    assert [(r.number, r.outcome) for r in rows] == [(1, "invalid"), (2, "invalid"), (3, "valid")]
    first, second, third = rows
    assert first.answer == '{"headline": "cut off'
    assert first.errors and "JSON" in first.errors[0]
    assert second.errors and second.errors[0].startswith("milestones.0.kind")
    # what the next request told the model is kept with the answer it was about
    assert second.feedback is not None and "approval" in second.feedback
    assert third.errors == [] and third.feedback is None
    assert all(r.tries == 1 and r.status == 200 and r.latency_ms >= 0 for r in rows)
    assert {r.extraction for r in rows} == {first.extraction}
    # the stored summary holds the article: the first request refers to it
    assert "ref" in first.messages[0] and outcome.id
    assert "approval" in str(third.messages)  # a re-ask's messages are kept whole


async def test_a_transport_retry_is_visible_in_its_call(
    store: Store, settings: Settings, engine: LLMEngine, model: respx.MockRouter, sleeps: Sleeps
) -> None:
    stub(model, error(429, {"retry-after": "2"}), error(503), completion(VALID_ANSWER))
    outcome = await summariser(store, settings).summarise(Article(ARTICLE), engine)
    [row] = store.calls.logs(summary_id=outcome.id)
    assert (row.tries, row.status, row.outcome) == (3, 200, "valid")
    assert row.waited_s == pytest.approx(sum(sleeps)) and row.waited_s >= 2.0


async def test_a_failed_extraction_is_logged_without_a_summary_and_with_its_article(
    store: Store, settings: Settings, engine: LLMEngine, model: respx.MockRouter
) -> None:
    bad = '{"headline": "cut off'
    stub(model, *[completion(bad)] * (settings.max_reasks + 1))
    with pytest.raises(ExtractionFailed):
        await summariser(store, settings).summarise(Article(ARTICLE), engine)
    rows = store.calls.logs(failed=True)
    assert len(rows) == settings.max_reasks + 1
    assert all(r.summary_id is None and r.outcome == "invalid" for r in rows)
    first = min(rows, key=lambda r: r.number)
    assert ARTICLE[:40] in str(first.messages)  # no stored text to refer to


@pytest.mark.parametrize(("mode", "kept"), [("off", 0), ("errors", 0), ("all", 1)])
async def test_the_log_keeps_what_its_setting_says(
    store: Store,
    settings: Settings,
    engine: LLMEngine,
    model: respx.MockRouter,
    mode: str,
    kept: int,
) -> None:
    stub(model, completion(VALID_ANSWER))
    await summariser(store, settings, call_log=mode).summarise(Article(ARTICLE), engine)
    assert len(store.calls.logs()) == kept


async def test_errors_mode_keeps_an_extraction_that_was_re_asked(
    store: Store, settings: Settings, engine: LLMEngine, model: respx.MockRouter
) -> None:
    stub(model, completion('{"headline": "cut off'), completion(VALID_ANSWER))
    await summariser(store, settings, call_log="errors").summarise(Article(ARTICLE), engine)
    assert [r.outcome for r in store.calls.logs()] == ["valid", "invalid"]  # newest first


async def test_long_answers_are_cut_and_say_so(
    store: Store, settings: Settings, engine: LLMEngine, model: respx.MockRouter
) -> None:
    stub(model, completion("x" * 5000), completion(VALID_ANSWER))
    await summariser(store, settings, call_log_max_chars=1000).summarise(Article(ARTICLE), engine)
    [row] = store.calls.logs(failed=True)
    assert row.answer is not None and row.answer.startswith("x" * 1000)
    assert row.answer.endswith("[cut: 4000 more characters]")


async def test_purge_deletes_calls_past_their_retention(
    store: Store, settings: Settings, engine: LLMEngine, model: respx.MockRouter
) -> None:
    stub(model, completion(VALID_ANSWER))
    await summariser(store, settings).summarise(Article(ARTICLE), engine)
    assert store.calls.purge(datetime.now(UTC) - timedelta(days=1)) == 0
    assert store.calls.purge(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert store.calls.logs() == []


async def test_stats_give_first_answer_validity_attempts_failures_and_tokens(
    store: Store, settings: Settings, engine: LLMEngine, model: respx.MockRouter
) -> None:
    bad = '{"headline": "cut off'
    stub(
        model,
        completion(VALID_ANSWER),  # article 1: valid at once
        completion(bad),  # article 2: re-asked once
        completion(VALID_ANSWER),
    )
    work = summariser(store, settings)
    await work.summarise(Article(ARTICLE), engine)
    await work.summarise(Article(ARTICLE + "\nA second article."), engine)
    [stats] = store.calls.stats()
    assert (stats.model, stats.extractions, stats.calls) == ("test-model", 2, 3)
    assert stats.first_answer_validity == 0.5 and stats.mean_attempts == 1.5
    assert stats.outcomes == {"valid": 2, "invalid": 1} and stats.failed_extractions == 0
    assert stats.prompt_tokens > 0 and stats.completion_tokens > 0


SEED = Path(__file__).parent.parent / "seeds" / "004_9443ce3100c31505.txt"


@pytest.mark.slow  # a child process or a server on a socket
def test_after_summarise_against_a_model_that_answers_badly_first_logs_and_stats_say_so(
    tmp_path: Path,
) -> None:
    """The issue's check: ``summarise`` with the fake model answering badly first, then
    ``logs --failed`` shows the rejected answer and its error, ``stats`` the validity."""
    from typer.testing import CliRunner

    from service.cli import app
    from tests.doubles.fake_openai import Limits, serving

    runner = CliRunner()
    with serving(Limits(bad_first=True)) as url:
        env = {
            "OPENAI_BASE_URL": f"{url}/v1",
            "OPENAI_API_KEY": "test-key",
            "MILESTONES_MODEL": "fake-model",
            "COLUMNS": "200",
        }
        made = runner.invoke(app, ["summarise", str(SEED), "--engine", "llm"], env=env)
    assert made.exit_code == 0, made.output
    logs = runner.invoke(app, ["calls", "--failed"], env=env)
    assert logs.exit_code == 0, logs.output
    assert '{"headline": "cut off' in logs.stdout  # the rejected answer
    assert "error: answer: Invalid JSON: EOF while parsing" in logs.stdout  # its error
    old_name = runner.invoke(app, ["logs", "--failed"], env=env)  # kept for a release
    assert old_name.exit_code == 0 and old_name.stdout == logs.stdout
    stats = runner.invoke(app, ["stats", "--json"], env=env)
    [row] = [json.loads(line) for line in stats.stdout.splitlines()]
    assert (row["model"], row["extractions"], row["first_answer_validity"]) == ("fake-model", 1, 0)
    assert row["mean_attempts"] == 2 and row["outcomes"] == {"invalid": 1, "valid": 1}
    shown = runner.invoke(app, ["stats"], env=env)
    assert "first answer valid" in shown.stdout and "0%" in shown.stdout


def test_calls_and_stats_say_when_nothing_is_logged_and_refuse_a_bad_since() -> None:
    from typer.testing import CliRunner

    from service.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["calls"]).exit_code == 1
    assert runner.invoke(app, ["stats"]).exit_code == 1
    wrong = runner.invoke(app, ["calls", "--since", "yesterday-ish"])
    assert wrong.exit_code == 2 and "--since" in wrong.output
    assert runner.invoke(app, ["calls", "--since", "7d"]).exit_code == 1


async def test_the_llms_calls_are_logged_when_the_fallback_answered_instead(
    store: Store, settings: Settings, model: respx.MockRouter, sleeps: Sleeps
) -> None:
    from service.engines.fallback import FallbackEngine
    from service.engines.rules import RulesEngine

    engine = FallbackEngine(LLMEngine(settings, sleep=sleeps), RulesEngine())
    stub(model, *[completion("not json")] * (settings.max_reasks + 1))
    outcome = await summariser(store, settings).summarise(Article(ARTICLE), engine)
    assert outcome.record.meta.degraded
    rows = store.calls.logs()
    assert len(rows) == settings.max_reasks + 1
    assert {(r.outcome, r.summary_id) for r in rows} == {("invalid", None)}


async def test_the_job_worker_purges_calls_past_their_retention(
    store: Store, settings: Settings
) -> None:
    from service.jobs.worker import JobWorker

    old = datetime.now(UTC) - timedelta(days=settings.call_log_retention_days + 1)
    row = {
        "extraction": "e" * 32, "number": 1, "at": old, "summary_id": None,
        "article_key": "k", "job_id": None, "bulk_item": None, "engine": "llm",
        "model": "m", "prompt_version": "p", "messages": "[]", "answer": None,
        "errors": "[]", "feedback": None, "outcome": "valid", "status": 200, "tries": 1,
        "waited_s": 0.0, "retry_after_s": None, "prompt_tokens": 1,
        "completion_tokens": 1, "latency_ms": 1.0,
    }  # fmt: skip
    store.calls.add([row, row | {"at": datetime.now(UTC)}])

    class Idle:
        async def run(self, request: str) -> str:
            raise AssertionError("no job is queued")

        def problem(self, error: BaseException) -> tuple[str, bool]:
            raise AssertionError("no job is queued")

        def payload(self, job: object) -> bytes:
            raise AssertionError("no job is queued")

    worker = JobWorker(store.jobs, Idle(), settings, None, call_log=store.calls)  # type: ignore[arg-type]
    await worker._take_work()  # its first turn purges
    [kept] = store.calls.logs()
    assert kept.at > old


def test_a_bad_call_log_setting_stops_stats_with_a_line_not_a_traceback() -> None:
    from typer.testing import CliRunner

    from service.cli import app

    result = CliRunner().invoke(app, ["stats"], env={"MILESTONES_CALL_LOG": "foo"})
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "MILESTONES_CALL_LOG is 'foo': expected one of off, errors or all" in result.output
