"""The LLM engine against the answers real servers give (recorded from llama-cpp-python's
server and llama.cpp's llama-server with SmolLM2-135M, in tests/data/servers/): refusals
are not retried and read in the server's words, a cut-off answer is reported once, an
answer in prose is re-asked, a re-ask that would not fit the context is not sent, the
deadline says what the requests ran into, and auto picks the mode by the server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from service.engines.llm import LLMEngine
from service.errors import DeadlineExceeded, ExtractionFailed, OutputIncomplete, ProviderRejected
from service.pipeline import cache_key
from service.settings import Settings
from tests.articles import VALID_ANSWER
from tests.conftest import Sleeps
from tests.model_stub import completion, sent
from tests.test_llm_engine import request_for, stub

SERVERS = Path(__file__).parent / "data" / "servers"


def recorded(name: str) -> httpx.Response:
    data: dict[str, Any] = json.loads((SERVERS / f"{name}.json").read_text(encoding="utf-8"))
    return httpx.Response(data["status"], json=data["body"])


async def test_a_500_that_says_the_request_is_invalid_is_not_retried_and_reads_plainly(
    engine: LLMEngine, model: respx.MockRouter
) -> None:
    route = stub(model, recorded("llama_cpp_python_json_schema_refused"), completion(VALID_ANSWER))
    with pytest.raises(ProviderRejected) as raised:
        await engine.extract(request_for())
    assert route.call_count == 1
    detail = raised.value.detail
    assert detail.startswith("HTTP 500 from the model provider: 1 validation error")
    assert "Input should be 'text' or 'json_object'" in detail
    assert "File " not in detail and "{'error'" not in detail  # no traceback, no dict dump


@pytest.mark.parametrize(
    "answer", ["llama_server_context_exceeded", "llama_server_context_exceeded_500"]
)
async def test_a_prompt_too_long_for_the_context_is_not_retried(
    engine: LLMEngine, model: respx.MockRouter, answer: str
) -> None:
    route = stub(model, recorded(answer), completion(VALID_ANSWER))
    with pytest.raises(ProviderRejected, match="(?i)context size"):
        await engine.extract(request_for())
    assert route.call_count == 1


async def test_a_tool_call_cut_at_the_budget_is_reported_once_by_its_token_count(
    settings: Settings, model: respx.MockRouter
) -> None:
    """llama-cpp-python says "tool_calls" for a call cut at max_tokens: the count tells."""
    engine = LLMEngine(settings.model_copy(update={"max_output_tokens": 24, "mode": "tools"}))
    route = stub(model, recorded("llama_cpp_python_tool_call_cut"), completion(VALID_ANSWER))
    with pytest.raises(OutputIncomplete, match="MILESTONES_MAX_OUTPUT_TOKENS") as raised:
        await engine.extract(request_for())
    assert route.call_count == 1  # not re-asked with the same budget
    assert raised.value.usage.completion_tokens == 24


async def test_an_answer_in_prose_where_a_tool_call_was_asked_is_re_asked(
    engine: LLMEngine, model: respx.MockRouter
) -> None:
    route = stub(model, recorded("llama_server_prose_for_tools"), completion(VALID_ANSWER))
    run = await engine.extract(request_for())
    assert route.call_count == 2 and run.attempts == 2


async def test_a_re_ask_that_would_not_fit_the_context_is_not_sent(
    settings: Settings, model: respx.MockRouter
) -> None:
    engine = LLMEngine(
        settings.model_copy(
            update={"context_tokens": 8000, "max_output_tokens": 1000, "mode": "tools"}
        )
    )
    # The server counts 7,000 prompt tokens: the re-ask, longer, cannot fit 8,000 - 1,000.
    long_usage = {"prompt_tokens": 7000, "completion_tokens": 40, "total_tokens": 7040}
    bad = completion('{"headline": "cut', usage=long_usage)
    route = stub(model, bad, completion(VALID_ANSWER))
    with pytest.raises(ExtractionFailed, match="re-ask was not sent") as raised:
        await engine.extract(request_for())
    assert route.call_count == 1
    assert "MILESTONES_CONTEXT_TOKENS" in raised.value.detail


async def test_a_first_request_that_cannot_fit_is_refused_before_it_is_sent(
    settings: Settings, model: respx.MockRouter
) -> None:
    engine = LLMEngine(settings.model_copy(update={"context_tokens": 600, "mode": "tools"}))
    route = stub(model, completion(VALID_ANSWER))
    with pytest.raises(ProviderRejected, match="do not fit the model's 600-token context"):
        await engine.extract(request_for())
    assert route.call_count == 0


async def test_the_deadline_names_what_the_requests_ran_into(
    settings: Settings, model: respx.MockRouter, sleeps: Sleeps
) -> None:
    engine = LLMEngine(
        settings.model_copy(update={"deadline_s": 0.3, "transport_retries": 2}), sleep=sleeps
    )
    calls = 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        await asyncio.sleep(5)
        return completion(VALID_ANSWER)

    model.post("/chat/completions").mock(side_effect=answer)
    with pytest.raises(DeadlineExceeded) as raised:
        await engine.extract(request_for())
    detail = raised.value.detail
    assert "2 requests sent: 1 timed out (request timeout 60 s" in detail
    assert "1 still waiting for an answer" in detail


@pytest.mark.parametrize(
    ("owner", "shape"),
    [("llamacpp", "response_format"), ("me", "tools"), ("vllm", "response_format")],
)
async def test_auto_asks_the_server_who_it_is_once_and_uses_its_mode(
    settings: Settings, model: respx.MockRouter, owner: str, shape: str
) -> None:
    models = model.get("/models").mock(
        return_value=httpx.Response(
            200,
            json={"object": "list", "data": [{"id": "m", "object": "model", "owned_by": owner}]},
        )
    )
    engine = LLMEngine(settings.model_copy(update={"mode": "auto"}))
    mode = "tools" if shape == "tools" else "json_schema"
    route = stub(model, completion(VALID_ANSWER, mode=mode), completion(VALID_ANSWER, mode=mode))
    await engine.extract(request_for())
    await engine.extract(request_for("Another article. " + request_for().clean_text))
    assert models.call_count == 1
    body = sent(route.calls[0].request)
    assert shape in body


async def test_auto_without_a_model_list_uses_tools(
    settings: Settings, model: respx.MockRouter
) -> None:
    model.get("/models").mock(return_value=httpx.Response(404, json={"detail": "Not Found"}))
    engine = LLMEngine(settings.model_copy(update={"mode": "auto"}))
    route = stub(model, completion(VALID_ANSWER))
    await engine.extract(request_for())
    assert "tools" in sent(route.calls[0].request)


def test_the_cache_key_changes_with_every_setting_that_changes_an_answer(
    settings: Settings,
) -> None:
    article = request_for().prepared
    base = cache_key(article, LLMEngine(settings))
    for change in (
        {"openai_base_url": "http://other.test/v1"},
        {"mode": "json_schema"},
        {"temperature": 0.7},
        {"max_output_tokens": 1024},
        {"tool_choice": "required"},
        {"prompt_examples": 0},
    ):
        assert cache_key(article, LLMEngine(settings.model_copy(update=change))) != base, change
