"""Engine selection (auto, llm, rules) and the fallback from the LLM to the rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx
from typer.testing import CliRunner

from service.article import Article
from service.cli import app
from service.engines import build_engine, choose
from service.engines.fallback import FallbackEngine
from service.engines.llm import LLMEngine
from service.engines.rules import RulesEngine
from service.errors import ConfigurationError, ProviderUnavailable
from service.pipeline import summarise
from service.settings import Settings
from tests.articles import ARTICLE, answer
from tests.conftest import Sleeps
from tests.model_stub import completion, error


def test_auto_picks_the_rules_engine_when_no_model_is_configured() -> None:
    choice = choose(Settings())
    assert choice.name == "rules"
    assert "OPENAI_API_KEY" in choice.reason and "OPENAI_BASE_URL" in choice.reason
    assert isinstance(build_engine(choice, Settings()), RulesEngine)


@pytest.mark.parametrize(
    "configured", [{"openai_api_key": "sk-test"}, {"openai_base_url": "http://localhost:8000/v1"}]
)
def test_auto_picks_the_llm_when_a_key_or_an_endpoint_is_configured(
    configured: dict[str, str],
) -> None:
    settings = Settings(**configured)
    choice = choose(settings)
    assert choice.name == "llm" and choice.reason.startswith("auto: a model endpoint")
    assert isinstance(build_engine(choice, settings), LLMEngine)


def test_an_explicit_engine_wins_over_auto_and_over_settings() -> None:
    settings = Settings(openai_api_key="sk-test", engine="llm")
    assert choose(settings, "rules").name == "rules"
    assert choose(Settings(engine="rules", openai_api_key="sk-test")).name == "rules"


def test_asking_for_the_llm_without_a_model_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        choose(Settings(), "llm")


def test_milestones_engine_sets_the_cli_default_and_stderr_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MILESTONES_ENGINE", "rules")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    result = CliRunner().invoke(app, ["summarise", "-", "--json"], input=ARTICLE)
    assert result.exit_code == 0, result.stderr
    assert "engine: rules (asked for)" in result.stderr
    assert '"engine":"rules"' in result.stdout


def test_auto_in_the_cli_says_it_chose_the_rules_for_lack_of_a_model() -> None:
    result = CliRunner().invoke(app, ["summarise", "-", "--json"], input=ARTICLE)
    assert result.exit_code == 0
    assert "engine: rules (auto: no model endpoint is configured" in result.stderr


def fallback_engine(settings: Settings, sleeps: Sleeps) -> FallbackEngine:
    return FallbackEngine(LLMEngine(settings, sleep=sleeps), RulesEngine())


async def test_when_the_provider_stays_down_the_rules_answer_marked_degraded(
    settings: Settings, sleeps: Sleeps, model: respx.MockRouter
) -> None:
    route = model.post("/chat/completions").mock(return_value=error(503))
    record = await summarise(Article(ARTICLE), fallback_engine(settings, sleeps))
    assert route.call_count == settings.transport_retries + 1
    meta = record.meta
    assert (meta.engine, meta.model) == ("rules", None)
    assert meta.prompt_version.startswith("rules/v1@")
    assert meta.degraded is True
    assert meta.degraded_reason is not None
    assert meta.degraded_reason.startswith("llm failed (provider_unavailable): HTTP 503")
    assert meta.requests == settings.transport_retries + 1
    assert [m.kind for m in record.summary.milestones][:1] == ["trial_authorisation"]


async def test_when_the_output_stays_invalid_the_rules_answer_and_the_usage_is_kept(
    settings: Settings, sleeps: Sleeps, model: respx.MockRouter
) -> None:
    bad = completion(answer(headline=" ".join(["w"] * 40)))
    model.post("/chat/completions").mock(return_value=bad)
    record = await summarise(Article(ARTICLE), fallback_engine(settings, sleeps))
    assert record.meta.engine == "rules" and record.meta.degraded
    assert "invalid_output" in (record.meta.degraded_reason or "")
    assert record.meta.usage.total_tokens == 3 * 120


async def test_a_healthy_llm_is_not_degraded(
    settings: Settings, sleeps: Sleeps, model: respx.MockRouter
) -> None:
    from tests.articles import VALID_ANSWER

    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    record = await summarise(Article(ARTICLE), fallback_engine(settings, sleeps))
    assert (record.meta.engine, record.meta.degraded, record.meta.degraded_reason) == (
        "llm",
        False,
        None,
    )


async def test_without_the_fallback_setting_the_failure_is_raised(
    settings: Settings, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=error(503))
    quick = settings.model_copy(update={"transport_retries": 0})
    engine = build_engine(choose(quick), quick)
    assert isinstance(engine, LLMEngine)  # fallback is off by default in the library
    with pytest.raises(ProviderUnavailable):
        await summarise(Article(ARTICLE), engine)


def test_the_fallback_setting_wraps_the_llm() -> None:
    settings = Settings(openai_api_key="sk-test", fallback=True)
    assert isinstance(build_engine(choose(settings), settings), FallbackEngine)


def test_the_rules_engine_is_known_by_its_word_lists(tmp_path: Path) -> None:
    import shutil

    from service.article import prepare
    from service.engines.rules import RulesEngine
    from service.engines.rules.lexicon import DATA, load_lexicon
    from service.pipeline import cache_key

    shutil.copytree(DATA, tmp_path / "data")
    before = RulesEngine(load_lexicon(tmp_path / "data"))
    assert before.version == RulesEngine().version  # the same files, the same version
    places = tmp_path / "data" / "places.json"
    places.write_text(
        places.read_text().replace('"Gothenburg": "SE"', '"Gothenburg": "SE", "Borås": "SE"')
    )
    after = RulesEngine(load_lexicon(tmp_path / "data"))
    assert after.version != before.version and after.version.startswith("rules/v1@")
    context = prepare(Article(ARTICLE))
    assert cache_key(context, after) != cache_key(context, before)
