"""The Python API for script authors: the examples in its docstring and in the README run,
the blocking and the async entry points agree, and a caller's engine stays the caller's."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest
import respx

import service
import service.api
from service import (
    SummaryRecord,
    asummarise_html,
    asummarise_text,
    build_engine,
    choose,
    load_settings,
    summarise_html,
    summarise_text,
)
from service.errors import InvalidSettings
from tests.articles import ARTICLE, VALID_ANSWER
from tests.model_stub import BASE_URL, completion

ROOT = Path(__file__).resolve().parent.parent
SENTENCE = "Acme Bio said the FDA has granted Orphan Drug Designation to AB-101."
PAGE = (
    "<html><body><nav>Home | Subscribe</nav>"
    f"<article><p>{SENTENCE}</p></article><footer>(c) Example News</footer></body></html>"
)


def test_the_modules_examples_run() -> None:
    failures, tried = doctest.testmod(service.api, raise_on_error=False, verbose=False)
    assert tried > 0 and failures == 0


@pytest.mark.parametrize("page", ["README.md", "docs/python-api.md"])
def test_the_python_examples_of_the_docs_run(page: str) -> None:
    """Every ``>>>`` example in the README and the Python API's page, as a reader would
    type it."""
    readme = (ROOT / page).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    examples = "\n".join(b for b in blocks if ">>>" in b)
    assert examples, f"{page} shows the Python API"
    test = doctest.DocTestParser().get_doctest(examples, {}, page, page, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_the_api_is_exported_from_the_package() -> None:
    for name in ("summarise_text", "asummarise_text", "summarise_html", "asummarise_html"):
        assert name in service.__all__ and callable(getattr(service, name))


async def test_the_async_twin_gives_what_the_blocking_call_gives() -> None:
    blocking = summarise_text(SENTENCE, engine="rules")  # from inside a running loop
    awaited = await asummarise_text(SENTENCE, engine="rules")
    assert isinstance(awaited, SummaryRecord)
    assert awaited.summary == blocking.summary


def test_an_html_page_is_read_for_its_main_text() -> None:
    page = (
        f"<html><body><nav>Home | Subscribe</nav><article><p>{SENTENCE}</p></article></body></html>"
    )
    record = summarise_html(page, url="https://news.example.com/a", engine="rules")
    [milestone] = record.summary.milestones
    assert milestone.kind == "designation" and record.source == "https://news.example.com/a"


async def test_a_callers_engine_is_used_and_left_open(model: respx.MockRouter) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    settings = load_settings(openai_base_url=BASE_URL, model="test-model")
    engine = build_engine(choose(settings, "llm"), settings)
    try:
        for _ in range(2):
            record = await asummarise_text(ARTICLE, engine=engine)
            assert record.meta.engine == "llm" and record.summary.milestones
        assert model.calls.call_count == 2  # the engine still worked after the first call
    finally:
        await engine.aclose()


async def test_html_twin_and_bad_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    record = await asummarise_html(PAGE, engine="rules")
    assert record.summary.milestones
    monkeypatch.setenv("MILESTONES_MAX_REASKS", "many")
    with pytest.raises(InvalidSettings, match="MILESTONES_MAX_REASKS is 'many'"):
        summarise_text(SENTENCE)


@pytest.mark.parametrize("engine", ["rules", "instance"])
async def test_the_callers_settings_rule_the_whole_path_not_the_environments(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.engines.rules import RulesEngine
    from service.settings import Settings

    mine = Settings(engine="rules", max_model_calls=1)
    monkeypatch.setenv("MILESTONES_MAX_MODEL_CALLS", "none")  # unreadable: must not be read
    chosen = RulesEngine() if engine == "instance" else "rules"
    record = await asummarise_text(SENTENCE, engine=chosen, settings=mine)  # type: ignore[arg-type]
    assert [m.kind for m in record.summary.milestones] == ["designation"]
    with pytest.raises(InvalidSettings):  # where no settings are given, the environment's
        await asummarise_text(SENTENCE, engine="rules")
