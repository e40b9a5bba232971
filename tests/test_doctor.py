"""`milestones doctor`: which modes an endpoint takes, its context, and the settings to use."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner

from service.cli import app
from service.doctor import diagnose, render
from service.settings import Settings

ROOT = "http://llama.test"
BASE = f"{ROOT}/v1"


def chat_answer(request: httpx.Request) -> httpx.Response:
    """A llama-server: tools answered in prose, JSON modes with JSON; a 12-token probe."""
    body: dict[str, Any] = json.loads(request.content)
    usage = {"prompt_tokens": 40, "completion_tokens": 12, "total_tokens": 52}
    if "tools" in body:
        message = {"role": "assistant", "content": "Acme Bio said the regulator cleared it."}
    else:
        message = {"role": "assistant", "content": '{"headline": "Acme Bio'}
    return httpx.Response(
        200,
        json={"choices": [{"index": 0, "finish_reason": "length", "message": message}],
              "usage": usage},
    )  # fmt: skip


@pytest.fixture
def llama_server() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{BASE}/models").respond(
            200, json={"object": "list", "data": [{"id": "smol", "owned_by": "llamacpp"}]}
        )
        router.get(f"{ROOT}/props").respond(
            200, json={"default_generation_settings": {"n_ctx": 8192}, "total_slots": 4}
        )
        router.post(f"{ROOT}/tokenize").respond(200, json={"tokens": list(range(1276))})
        router.post(f"{BASE}/chat/completions").mock(side_effect=chat_answer)
        yield router


async def test_it_names_the_working_modes_the_context_and_the_settings(
    llama_server: respx.MockRouter,
) -> None:
    report = await diagnose(Settings(openai_base_url=BASE, model="smol"))
    assert report.server == "llama.cpp llama-server"
    assert report.working == ["json_schema", "json_object"]
    assert [p.mode for p in report.probes][:2] == ["tools (named)", "tools (required)"]
    assert report.context_tokens == 8192 and report.slots == 4
    assert report.prompt_tokens == 1276
    suggested = report.suggested
    assert suggested["MILESTONES_MODE"] == "json_schema"
    assert suggested["MILESTONES_CONTEXT_TOKENS"] == "8192"
    assert int(suggested["MILESTONES_MAX_OUTPUT_TOKENS"]) <= 8192 - 1276 - 1200
    # 4 slots share 8,192 tokens, and one request takes about 4,500: one at a time.
    assert suggested["MILESTONES_MAX_MODEL_CALLS"] == "1"
    text = render(report)
    assert "json_schema       works" in text and "tools (named)     fails" in text


async def test_every_probe_carries_the_real_schema(llama_server: respx.MockRouter) -> None:
    await diagnose(Settings(openai_base_url=BASE, model="smol"))
    bodies = [
        json.loads(c.request.content) for c in llama_server.calls if "chat" in str(c.request.url)
    ]
    schema_sent = bodies[2]["response_format"]["json_schema"]["schema"]
    assert "milestones" in schema_sent["properties"] and "maxLength" not in json.dumps(schema_sent)


async def test_an_unreachable_endpoint_says_so() -> None:
    with respx.mock() as router:
        router.get(f"{BASE}/models").mock(side_effect=httpx.ConnectError("refused"))
        report = await diagnose(Settings(openai_base_url=BASE, model="smol"))
    assert not report.reachable and "cannot reach" in render(report)


def test_the_command_exits_1_when_no_mode_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", BASE)
    monkeypatch.setenv("MILESTONES_MODEL", "smol")
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{BASE}/models").respond(200, json={"data": [{"id": "smol"}]})
        router.post(f"{BASE}/chat/completions").respond(
            400, json={"error": {"message": "model 'smol' does not support tools"}}
        )
        router.route(url__startswith=ROOT).respond(404, json={"detail": "Not Found"})
        result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "HTTP 400: model 'smol' does not support tools" in result.stdout
    assert "no mode works" in result.stdout


def test_the_command_needs_an_endpoint() -> None:
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 2
    assert "no model is configured" in result.stderr
