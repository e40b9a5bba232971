"""Benchmarks of the HTTP service and the pipeline (make bench).

(a) Cached-path throughput of POST /v1/summaries against a bare endpoint on the same
    server, measured in one run (alternating, twice each), as a ratio.
(b) The pipeline's own overhead per seed article when the model answers instantly: clean,
    prompt, instructor's parse, validate, ground, store (the LLM engine over an in-memory
    transport; a forced refresh each time so nothing is served from the cache).
(c) Latency percentiles of both paths.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from bench.load import Run, load, request_bytes
from tests.doubles.fake_openai import free_port
from tests.doubles.processes import server_process

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
CONNECTIONS = 16
SECONDS = 4.0
REPEATS = 60


def throughput() -> dict[str, Run]:
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    bodies = [json.dumps({"text": t}).encode() for t in texts]
    cached = [request_bytes("/v1/summaries", b) for b in bodies]
    bare = [request_bytes("/bare", b) for b in bodies]
    # The same articles with other boilerplate each time: not an exact repeat, so each
    # goes through cleaning, the store and re-grounding.
    rewrapped = [
        request_bytes(
            "/v1/summaries",
            json.dumps(
                {"text": f"Advertisement\n{texts[i % len(texts)]}\nREAD: story {i}\n"}
            ).encode(),
        )
        for i in range(20_000)
    ]
    port = free_port()
    with (
        tempfile.TemporaryDirectory() as store,
        server_process(["bench.server", str(port), store], port),
    ):
        for body in bodies:  # fill the cache
            httpx.post(
                f"http://127.0.0.1:{port}/v1/summaries",
                content=body,
                headers={"content-type": "application/json"},
                timeout=30,
            )
        runs: dict[str, list[Run]] = {"bare": [], "cached": [], "rewrapped": []}
        paths = (("bare", bare), ("cached", cached), ("rewrapped", rewrapped))
        for _ in range(2):
            for name, requests in paths:
                runs[name].append(asyncio.run(load(port, requests, CONNECTIONS, SECONDS)))
    merged = {}
    for name, parts in runs.items():
        total = Run(sum(p.seconds for p in parts))
        for part in parts:
            total.latencies += part.latencies
            for status, n in part.statuses.items():
                total.statuses[status] = total.statuses.get(status, 0) + n
        merged[name] = total
    return merged


async def overhead() -> dict[str, float]:
    """Median milliseconds per seed through the whole path with an instant model."""
    from service.article import Article, PreparedArticle
    from service.clean import clean
    from service.engines.base import ArticleRequest
    from service.engines.llm import LLMEngine
    from service.engines.rules import RulesEngine
    from service.metrics import Metrics
    from service.pipeline import Summariser
    from service.settings import Settings
    from service.store import Store

    rules = RulesEngine()
    replies: dict[bytes, bytes] = {}
    for path in SEEDS:  # the model's answers, serialised before any timing
        text = path.read_text(encoding="utf-8")
        context = PreparedArticle(Article(text), clean(text))
        arguments = rules.read(ArticleRequest(context)).model_dump_json()
        tag = hashlib.sha256(context.cleaned.text.encode()).hexdigest()[:12].encode()
        replies[tag] = json.dumps(
            {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "instant",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "tool_calls",
                        "message": {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                {
                                    "id": "c",
                                    "type": "function",
                                    "function": {"name": "Extraction", "arguments": arguments},
                                }
                            ],
                        },
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()

    def reply(request: httpx.Request) -> httpx.Response:
        # The article's delimiter tag names it (see service/prompt.py).
        tag = request.content.split(b"<article ", 1)[1][:12]
        return httpx.Response(
            200, content=replies[tag], headers={"content-type": "application/json"}
        )

    with tempfile.TemporaryDirectory() as store_dir:
        settings = Settings(
            openai_api_key="k",
            openai_base_url="http://instant/v1",
            model="instant",
            database_url=f"sqlite:///{store_dir}/o.sqlite3",
        )
        client = httpx.AsyncClient(transport=httpx.MockTransport(reply))
        engine = LLMEngine(settings, http_client=client)
        summariser = Summariser(Store(settings.database_url), settings, Metrics())
        articles = {path.name: Article(path.read_text(encoding="utf-8")) for path in SEEDS}
        times: dict[str, list[float]] = {name: [] for name in articles}
        for article in articles.values():
            await summariser.summarise(article, engine, refresh=True)  # warm-up
        for _ in range(REPEATS):  # seeds interleaved, so the machine's noise hits all alike
            for name, article in articles.items():
                started = time.perf_counter()
                outcome = await summariser.summarise(article, engine, refresh=True)
                times[name].append((time.perf_counter() - started) * 1000)
                assert not outcome.record.meta.cached and outcome.record.meta.requests == 1
        medians = {name: statistics.median(t) for name, t in times.items()}
        await engine.aclose()
        summariser.close()
    return medians


def main() -> None:
    print(
        f"machine: {len(__import__('os').sched_getaffinity(0))} cores; "
        f"{CONNECTIONS} connections, 2 x {SECONDS:g} s per path, alternating\n"
    )
    runs = throughput()
    bare = runs["bare"]
    print("| path | requests/s | vs bare | p50 ms | p95 ms | p99 ms | statuses |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, run in (
        ("bare endpoint (reads the body, answers a small JSON)", bare),
        ("POST /v1/summaries, cached (exact repeat)", runs["cached"]),
        ("POST /v1/summaries, cached (same article, other boilerplate)", runs["rewrapped"]),
    ):
        print(
            f"| {name} | {run.rps:,.0f} | {run.rps / bare.rps:.2f} | {run.percentile(50):.1f} "
            f"| {run.percentile(95):.1f} | {run.percentile(99):.1f} | {run.statuses} |"
        )
    ratio = runs["cached"].rps / bare.rps
    print(f"\ncached path / bare endpoint: {ratio:.2f} (target >= 0.70)\n")
    medians = asyncio.run(overhead())
    print("| seed | pipeline overhead, median ms (model answers instantly) |")
    print("| --- | ---: |")
    for name, ms in medians.items():
        print(f"| {name} | {ms:.1f} |")
    print(f"\nworst seed median: {max(medians.values()):.1f} ms (target < 10 ms)")


if __name__ == "__main__":
    main()
