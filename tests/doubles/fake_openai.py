"""A small local fake of the OpenAI chat-completions API, for benchmarks and smoke runs.

It answers ``POST /v1/chat/completions`` with a real reading of the article it is sent
(the rules engine's), shaped as the request asks: a tool call when it sends ``tools``,
JSON content otherwise. Options: a fixed latency, and requests- and tokens-per-minute
limits over which it answers 429 with ``Retry-After``. Every answer, 429s included,
announces the limits as OpenAI does (``x-ratelimit-limit-requests``,
``x-ratelimit-remaining-requests``, ``x-ratelimit-reset-requests`` and the ``-tokens``
twins; resets written "1s", "120ms", "1m0s"), unless ``--no-rate-headers``. ``GET
/stats`` counts what it saw.

    python -m tests.doubles.fake_openai --port 8089 --latency-ms 50 --rpm 600
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service.article import Article, PreparedArticle
from service.clean import clean
from service.engines.base import ArticleRequest
from service.engines.rules import RulesEngine

_ARTICLE = re.compile(r"<article (?P<tag>\w+)>\n(?P<text>.*)\n</article (?P=tag)>", re.S)
_PUBLISHED = re.compile(r"Publication date: (\d{4}-\d{2}-\d{2})")


@dataclass
class Limits:
    """How the fake behaves."""

    latency_s: float = 0.0
    rpm: int | None = None
    tpm: int | None = None
    # Announce the limits in every answer's headers, as OpenAI does.
    rate_headers: bool = True
    # Answer each article's first request with JSON cut off (a re-ask gets the real one).
    bad_first: bool = False


@dataclass
class Stats:
    requests: int = 0
    answered: int = 0
    rate_limited: int = 0


@dataclass
class TokenBucket:
    """A provider's rate limit: ``per_minute`` units (requests or tokens) a minute,
    refilled continuously, with one second's worth of burst."""

    per_minute: int
    tokens: float = 0.0
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    @property
    def capacity(self) -> float:
        return max(1.0, self.per_minute / 60.0)

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_minute / 60)
        self.updated = now

    def take(self, units: float = 1.0) -> float | None:
        """None when ``units`` may pass (taken), else the seconds until they may."""
        self._refill()
        units = min(units, self.capacity)
        if self.tokens >= units:
            self.tokens -= units
            return None
        return (units - self.tokens) * 60.0 / self.per_minute

    def headers(self, name: str) -> dict[str, str]:
        """OpenAI's headers for this limit: the limit, what remains, when it is full."""
        self._refill()
        full_in = (self.capacity - self.tokens) * 60.0 / self.per_minute
        return {
            f"x-ratelimit-limit-{name}": str(self.per_minute),
            f"x-ratelimit-remaining-{name}": str(int(self.tokens)),
            f"x-ratelimit-reset-{name}": go_duration(full_in),
        }


def go_duration(seconds: float) -> str:
    """A duration as OpenAI writes it: "20ms", "1.5s", "1m0s"."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m{rest:g}s" if minutes else f"{round(rest, 3):g}s"


def rules_answer(messages: list[dict[str, Any]], engine: RulesEngine, details: bool = False) -> str:
    """The extraction a model would return, read by the rules engine from the request:
    with each milestone's details when the schema asked for asks for them."""
    user = next(m["content"] for m in messages if m.get("role") == "user")
    match = _ARTICLE.search(user)
    text = match.group("text") if match else user
    found = _PUBLISHED.search(user)
    published = date.fromisoformat(found.group(1)) if found else None
    request = ArticleRequest(PreparedArticle(Article(text, published), clean(text)))
    extraction = engine.read(request)
    if details:
        return extraction.model_dump_json()
    return extraction.model_dump_json(exclude={"milestones": {"__all__": {"details"}}})


def create_app(limits: Limits) -> FastAPI:
    """The fake provider as an ASGI app."""
    app = FastAPI(title="fake OpenAI-compatible API")
    engine = RulesEngine()
    stats = Stats()

    requests = TokenBucket(limits.rpm) if limits.rpm else None
    tokens = TokenBucket(limits.tpm) if limits.tpm else None

    def over_limit(cost: int) -> float | None:
        waits = [
            wait
            for bucket, units in ((requests, 1.0), (tokens, float(cost)))
            if bucket is not None and (wait := bucket.take(units)) is not None
        ]
        return max(waits) if waits else None

    def announced() -> dict[str, str]:
        if not limits.rate_headers:
            return {}
        out: dict[str, str] = {}
        for bucket, name in ((requests, "requests"), (tokens, "tokens")):
            if bucket is not None:
                out.update(bucket.headers(name))
        return out

    @app.get("/stats")
    async def get_stats() -> dict[str, int]:
        return {k: v for k, v in vars(stats).items() if isinstance(v, int)}

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> JSONResponse:
        stats.requests += 1
        body = await request.json()
        prompt_chars = sum(len(str(m.get("content") or "")) for m in body["messages"])
        wait = over_limit(prompt_chars // 4)  # tokens counted as they come, like OpenAI's
        if wait is not None:
            stats.rate_limited += 1
            return JSONResponse(
                {"error": {"message": "rate limit reached", "type": "rate_limit"}},
                status_code=429,
                headers={"Retry-After": str(max(1, math.ceil(wait))), **announced()},
            )
        if limits.latency_s:
            await asyncio.sleep(limits.latency_s)
        asked_again = any(m.get("role") in ("assistant", "tool") for m in body["messages"])
        if limits.bad_first and not asked_again:
            content = '{"headline": "cut off'
        else:
            asked = json.dumps([body.get("tools"), body.get("response_format")])
            content = rules_answer(body["messages"], engine, details='"details"' in asked)
        if body.get("tools"):
            name = body["tools"][0]["function"]["name"]
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_0",
                        "type": "function",
                        "function": {"name": name, "arguments": content},
                    }
                ],
            }
        else:
            message = {"role": "assistant", "content": content}
        stats.answered += 1
        usage = {"prompt_tokens": prompt_chars // 4, "completion_tokens": len(content) // 4}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        return JSONResponse(
            {
                "id": f"chatcmpl-fake-{stats.requests}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
                "usage": usage,
            },
            headers=announced(),
        )

    return app


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(limits: Limits) -> Iterator[str]:
    """The fake on a free loopback port, in a thread, for as long as the block runs."""
    import threading

    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        create_app(limits), host="127.0.0.1", port=port, log_level="error", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    if not server.started:
        raise RuntimeError("the fake OpenAI server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def main() -> None:
    """Run the fake on a local port."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rpm", type=int, default=None, help="requests per minute; 429 above")
    parser.add_argument("--tpm", type=int, default=None, help="tokens per minute; 429 above")
    parser.add_argument(
        "--no-rate-headers",
        action="store_true",
        help="announce no limits in the headers (OpenAI's x-ratelimit-* are sent by default)",
    )
    parser.add_argument(
        "--bad-first", action="store_true", help="answer each article badly first, then well"
    )
    args = parser.parse_args()
    limits = Limits(
        latency_s=args.latency_ms / 1000,
        rpm=args.rpm,
        tpm=args.tpm,
        rate_headers=not args.no_rate_headers,
        bad_first=args.bad_first,
    )
    uvicorn.run(create_app(limits), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
