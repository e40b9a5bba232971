"""A test double for the OpenAI chat-completions HTTP API, used with respx.

Builds the JSON bodies a provider sends, for tool-calling and JSON-schema modes, and
reads back what the client sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
import respx

BASE_URL = "http://model.test/v1"
COMPLETIONS = f"{BASE_URL}/chat/completions"
USAGE = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}


def completion(
    answer: dict[str, Any] | str,
    *,
    mode: str = "tools",
    usage: dict[str, int] | None = None,
    finish_reason: str | None = None,
) -> httpx.Response:
    """A 200 answer carrying ``answer`` (a dict is sent as JSON; a str as it is)."""
    text = answer if isinstance(answer, str) else json.dumps(answer)
    if mode == "tools":
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "Extraction", "arguments": text},
                }
            ],
        }
        reason = finish_reason or "tool_calls"
    else:
        message = {"role": "assistant", "content": text}
        reason = finish_reason or "stop"
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 0,
            "model": "test-model",
            "choices": [{"index": 0, "finish_reason": reason, "message": message}],
            "usage": usage or USAGE,
        },
    )


def error(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    """An error answer in the provider's format."""
    return httpx.Response(
        status,
        headers=headers,
        json={"error": {"message": f"test error {status}", "type": "test", "code": None}},
    )


def sent(request: httpx.Request) -> dict[str, Any]:
    """The JSON body a request carried."""
    return json.loads(request.content)


def user_message(request: httpx.Request) -> str:
    """The first user message a request carried."""
    return next(m["content"] for m in sent(request)["messages"] if m["role"] == "user")


def all_text(request: httpx.Request) -> str:
    """Every message's text in a request, joined."""
    return "\n".join(str(m.get("content") or "") for m in sent(request)["messages"])


def slow_completions(
    model: respx.MockRouter,
    answer: dict[str, Any],
    delay: float,
    started: asyncio.Event | None = None,
    release: asyncio.Event | None = None,
) -> respx.Route:
    """Stub the completions route with ``answer``, given after ``delay`` seconds (with
    ``release``: once it is set, ``delay`` at most); ``started`` is set as a request
    arrives (respx counts a call only once answered)."""

    async def respond(request: httpx.Request) -> httpx.Response:
        if started is not None:
            started.set()
        if release is None:
            await asyncio.sleep(delay)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(release.wait(), delay)
        return completion(answer)

    return model.post("/chat/completions").mock(side_effect=respond)
