"""Benchmarks of the CPU path on hostile articles (make bench).

(a) Time per KB of an article's whole CPU path (clean, the rules engine with its
    validation, ground) for every shape of ``tests/hostile.py``, from 2 KB to 200 KB:
    linear work keeps it flat (the ratio to 2 KB stays near 1 or falls).
(b) The rules engine alone on articles (``seeds/`` and every evaluation set under
    ``tests/data/``; and the real news pages of ``../shared/realdev`` where present), each
    read cold: median ms per article over passes, and articles per second.
(c) /healthz of a real server (``milestones serve`` in its own process, rules engine)
    probed every 20 ms while 190 KB one-line articles are summarised back to back:
    the latency of each probe from when it was due.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from service.article import Article, prepare
from service.engines.base import ArticleRequest
from service.engines.rules import RulesEngine
from service.engines.rules.memo import forget
from service.ground import ground
from tests.doubles.fake_openai import free_port
from tests.doubles.processes import server_process
from tests.hostile import SHAPES, clauses

SIZES_KB = (2, 20, 50, 100, 200)
ROOT = Path(__file__).resolve().parent.parent
PASSES = 7  # over every article; the median pass is reported
BUDGET_S = 1.5  # runs per (shape, size): as many as fit, at least one, at most 15


def cpu_path(engine: RulesEngine, text: str) -> None:
    forget()  # each run reads the article cold (no sentence's results kept from the last)
    context = prepare(Article(text))
    ground(engine.read(ArticleRequest(context)), context)


def per_kb() -> dict[str, dict[int, float]]:
    engine = RulesEngine()
    table: dict[str, dict[int, float]] = {}
    for name, build in SHAPES.items():
        table[name] = {}
        for kb in SIZES_KB:
            text = build(kb * 1000)
            times: list[float] = []
            spent = 0.0
            while not times or (spent < BUDGET_S and len(times) < 15):
                started = time.perf_counter()
                cpu_path(engine, text)
                times.append(time.perf_counter() - started)
                spent += times[-1]
            table[name][kb] = statistics.median(times) * 1000 / kb
    return table


# Real news pages of others, for evaluation only (never copied into the project): read
# where a checkout has them beside it, as the development machines do.
REALDEV = ROOT.parent / "shared" / "realdev"


def real_pages(paths: list[Path]) -> tuple[int, float, float]:
    """(articles, median ms per article, articles per second) of the engine alone, each
    article read cold (``forget``: no sentence's results kept from the one before)."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
    requests = [ArticleRequest(prepare(Article(text))) for text in texts]
    engine = RulesEngine()
    for request in requests:  # warm: word lists parsed, patterns compiled
        engine.read(request)
    passes = []
    for _ in range(PASSES):
        spent = 0.0
        for request in requests:
            forget()
            started = time.perf_counter()
            engine.read(request)
            spent += time.perf_counter() - started
        passes.append(spent / len(requests))
    median = statistics.median(passes)
    return len(requests), median * 1000, 1 / median


async def probe_health(port: int, seconds: float) -> tuple[list[float], int]:
    body = json.dumps({"text": clauses(190_000)}).encode()
    latencies: list[float] = []
    summarised = 0
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        stop = time.monotonic() + seconds

        async def summarise() -> None:
            nonlocal summarised
            while time.monotonic() < stop:
                response = await client.post(
                    "/v1/summaries",
                    content=body,
                    headers={"content-type": "application/json", "cache-control": "no-cache"},
                )
                response.raise_for_status()
                summarised += 1

        load = asyncio.ensure_future(summarise())
        loop = asyncio.get_running_loop()
        await asyncio.sleep(0.2)
        while not load.done():
            due = loop.time() + 0.02
            await asyncio.sleep(0.02)
            (await client.get("/healthz")).raise_for_status()
            latencies.append(loop.time() - due)
        await load
    return latencies, summarised


def main() -> None:
    table = per_kb()
    print("CPU path (clean, rules engine, ground), ms per KB; ratio to 2 KB in brackets")
    print("| shape | " + " | ".join(f"{kb} KB" for kb in SIZES_KB) + " |")
    print("| --- |" + " ---: |" * len(SIZES_KB))
    for name, row in table.items():
        cells = [f"{row[kb]:.2f} ({row[kb] / row[SIZES_KB[0]]:.2f})" for kb in SIZES_KB]
        print(f"| {name} | " + " | ".join(cells) + " |")
    own = sorted(ROOT.glob("seeds/*.txt")) + sorted(ROOT.glob("tests/data/*/*.txt"))
    sets = [("seeds and tests/data", own)]
    if REALDEV.is_dir():
        sets.append(("real news pages of ../shared/realdev", sorted(REALDEV.glob("d*.txt"))))
    else:
        print(f"(no {REALDEV}: the real news pages are measured where a checkout has them)")
    for label, paths in sets:
        articles, ms, per_second = real_pages(paths)
        print(
            f"Rules engine on {articles} articles ({label}), each read cold: "
            f"{ms:.2f} ms per article (median of {PASSES} passes), {per_second:.0f} articles/s"
        )
    port = free_port()
    with (
        tempfile.TemporaryDirectory() as store,
        server_process(["bench.server", str(port), store], port),
    ):
        latencies, summarised = asyncio.run(probe_health(port, seconds=8.0))
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"/healthz while {summarised} articles of 190 KB on one line were summarised: "
        f"{len(latencies)} probes, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {latencies[-1] * 1000:.1f} ms (from when each was due)"
    )


if __name__ == "__main__":
    main()
