"""Benchmarks of the HTTP service and the pipeline (make bench).

(a) Cached-path throughput of POST /v1/summaries against a bare endpoint on the same
    server, measured in one run (alternating, twice each), as a ratio.
(b) The pipeline's own overhead per seed article when the model answers instantly: clean,
    prompt, instructor's parse, validate, ground, store (the LLM engine over an in-memory
    transport; a forced refresh each time so nothing is served from the cache).
(c) Latency percentiles of both paths.
(d) The call log's overhead: the whole path of (b) with MILESTONES_CALL_LOG=all (the
    default: every request's row written) against the same path with the log off.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

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


async def overhead() -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Median milliseconds per seed with a model that answers at once, three ways, over the
    same in-memory transport and the same canned answer:

    - ``sdk``: the openai SDK's chat-completions call alone;
    - ``instructor``: a plain instructor call with the same response model (parse and
      validate, nothing of ours);
    - ``path``: our whole path (clean, prompt, the engine's instructor call with the
      article in the validation context, ground, store, metrics, the call log), refreshed
      each time;
    - ``unlogged``: the same path with the call log off;
    - ``new``: the same path for an article it has not seen (the seed with a line of its
      own appended), so the store inserts every row rather than refreshing them; its
      milestones are taken out again, untimed, before the next (see ``withdraw``).
    """
    import instructor
    import openai

    from schemas import v2
    from service.article import Article, PreparedArticle
    from service.clean import clean
    from service.engines.base import ArticleRequest
    from service.engines.llm import LLMEngine
    from service.engines.rules import RulesEngine
    from service.metrics import Metrics
    from service.pipeline import Summariser
    from service.prompt import load_prompt
    from service.settings import Settings
    from service.store import Store

    # The prompt the engine sends (the default, or MILESTONES_PROMPT_VERSION's) and the
    # response model it asks for: the plain call gets the same messages and model.
    prompt = load_prompt("extract", Settings(openai_api_key="k").prompt_version)
    Extraction = prompt.extraction  # noqa: N806
    asks_details = issubclass(Extraction, v2.Extraction)
    rules = RulesEngine()
    replies: dict[bytes, bytes] = {}
    withdrawn: dict[str, bytes] = {}

    def completion(arguments: str) -> bytes:  # the model's answer: one tool call
        call = {"id": "c", "type": "function",
                "function": {"name": "Extraction", "arguments": arguments}}  # fmt: skip
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        choice = {"index": 0, "finish_reason": "tool_calls", "message": message}
        return json.dumps(
            {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "instant",
                "choices": [choice],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()

    def tag_of(text: str) -> bytes:  # the article's delimiter tag (see service/prompt.py)
        cleaned = PreparedArticle(Article(text), clean(text)).clean_text
        return hashlib.sha256(cleaned.encode()).hexdigest()[:12].encode()

    for path in SEEDS:  # the model's answers, serialised before any timing
        text = path.read_text(encoding="utf-8")
        context = PreparedArticle(Article(text), clean(text))
        extraction = rules.read(ArticleRequest(context))
        drop = None if asks_details else {"milestones": {"__all__": {"details"}}}
        replies[tag_of(text)] = completion(extraction.model_dump_json(exclude=drop))
        # The same answer with no milestones: what takes a new article's milestones back
        # out of the index after it was timed (see ``path_new``).
        emptied = extraction.model_copy(update={"milestones": []})
        withdrawn[path.name] = completion(emptied.model_dump_json(exclude=drop))

    def reply(request: httpx.Request) -> httpx.Response:
        # The article's delimiter tag names it (see service/prompt.py).
        tag = request.content.split(b"<article ", 1)[1][:12]
        return httpx.Response(
            200, content=replies[tag], headers={"content-type": "application/json"}
        )

    articles = {path.name: Article(path.read_text(encoding="utf-8")) for path in SEEDS}
    # Articles never seen before, one for each call: the seed and a line of its own at the
    # end (the canned answer's spans still hold); the model answers each as its seed.
    unseen: dict[str, list[tuple[Article, bytes]]] = {}
    for name, a in articles.items():
        variants = [Article(f"{a.text}\n\nReference {i:05d}.\n") for i in range(REPEATS + 1)]
        unseen[name] = [(v, tag_of(v.text)) for v in variants]
        for _, tag in unseen[name]:
            replies[tag] = replies[tag_of(a.text)]
    messages = {  # what the model is sent for each, made before any timing
        name: prompt.messages(PreparedArticle(a, clean(a.text)).clean_text)
        for name, a in articles.items()
    }
    times: dict[str, dict[str, list[float]]] = {
        way: {name: [] for name in articles}
        for way in ("sdk", "instructor", "path", "unlogged", "new")
    }
    with tempfile.TemporaryDirectory() as store_dir:
        settings = Settings(
            openai_api_key="k",
            openai_base_url="http://instant/v1",
            model="instant",
            database_url=f"sqlite:///{store_dir}/o.sqlite3",
        )
        transport = httpx.MockTransport(reply)
        client = openai.AsyncOpenAI(
            api_key="k",
            base_url="http://instant/v1",
            max_retries=0,
            http_client=httpx.AsyncClient(transport=transport),
        )
        plain = instructor.from_openai(client, mode=instructor.Mode.TOOLS)
        engine = LLMEngine(settings, http_client=httpx.AsyncClient(transport=transport))
        store = Store(settings.database_url)
        summariser = Summariser(store, settings, Metrics())
        unlogged = Summariser(store, settings.model_copy(update={"call_log": "off"}), Metrics())

        async def sdk(name: str) -> None:
            await client.chat.completions.create(
                model="instant",
                messages=messages[name],  # type: ignore[arg-type]
                max_tokens=4096,
            )

        async def plain_instructor(name: str) -> None:
            await plain.chat.completions.create(
                model="instant",
                messages=messages[name],  # type: ignore[arg-type]
                response_model=Extraction,
                max_retries=0,
                max_tokens=4096,
            )

        async def whole_path(name: str) -> None:
            outcome = await summariser.summarise(articles[name], engine, refresh=True)
            assert not outcome.record.meta.cached and outcome.record.meta.requests == 1

        async def path_unlogged(name: str) -> None:
            outcome = await unlogged.summarise(articles[name], engine, refresh=True)
            assert not outcome.record.meta.cached and outcome.record.meta.requests == 1

        async def path_new(name: str) -> None:
            outcome = await summariser.summarise(unseen[name][-1][0], engine)
            assert not outcome.record.meta.cached and outcome.record.meta.requests == 1

        async def withdraw(name: str) -> None:
            """Untimed, after ``path_new``: its article refreshed with no milestones, so
            that the seed's copies do not pile up in the index's groups (where each new
            one would merge with all the copies before it, as no real archive has)."""
            article, tag = unseen[name].pop()
            replies[tag] = withdrawn[name]
            outcome = await summariser.summarise(article, engine, refresh=True)
            assert not outcome.record.summary.milestones

        ways = {
            "sdk": sdk,
            "instructor": plain_instructor,
            "path": whole_path,
            "unlogged": path_unlogged,
            "new": path_new,
        }
        for name in articles:  # warm-up
            for call in ways.values():
                await call(name)
            await withdraw(name)
        for _ in range(REPEATS):  # interleaved, so the machine's noise hits all alike
            for name in articles:
                for way, call in ways.items():
                    started = time.perf_counter()
                    await call(name)
                    times[way][name].append((time.perf_counter() - started) * 1000)
                await withdraw(name)
        steps = await split(engine, store, whole_path, list(articles))
        await engine.aclose()
        await client.close()
        await summariser.aclose()
    medians = {
        way: {name: statistics.median(t) for name, t in by_name.items()}
        for way, by_name in times.items()
    }
    return medians, steps


# The path's steps, timed where they run (the event loop or a worker thread): what each
# costs per article, the medians summed over the seeds. The rest (event-loop hops to the
# worker threads, metrics, the call rows' making) is the whole path less these.
STEPS = {
    "prepare": "clean the article (prepare)",
    "extract": "the model step (engine.extract: prompt, SDK, instructor, validation)",
    "assemble": "ground the extraction, say how it was made (assemble)",
    "claim": "claim the article in the store",
    "keep": "store: the summary, its index rows and call rows, one transaction (keep)",
}


async def split(
    engine: Any, store: Any, whole: Callable[[str], Awaitable[None]], names: list[str]
) -> dict[str, dict[str, float]]:
    """Median ms per step of the whole path, per seed (one extra pass of REPEATS with
    timers wrapped around the steps, after the interleaved runs)."""
    import functools

    from service import pipeline

    samples: dict[str, dict[str, list[float]]] = {
        step: {n: [] for n in names} for step in [*STEPS, "path"]
    }
    current = [names[0]]

    def timer(step: str, function: Any) -> Any:
        if asyncio.iscoroutinefunction(function):

            @functools.wraps(function)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await function(*args, **kwargs)
                finally:
                    samples[step][current[0]].append((time.perf_counter() - started) * 1000)

            return timed_async

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                samples[step][current[0]].append((time.perf_counter() - started) * 1000)

        return timed

    originals = {step: getattr(pipeline, step) for step in ("prepare", "assemble")}
    for step, function in originals.items():  # the module's names the path calls
        setattr(pipeline, step, timer(step, function))
    engine.extract = timer("extract", engine.extract)
    store.keep = timer("keep", store.keep)
    claims = store.claims
    claims.claim = timer("claim", claims.claim)
    try:
        for _ in range(REPEATS):
            for name in names:
                current[0] = name
                started = time.perf_counter()
                await whole(name)
                samples["path"][name].append((time.perf_counter() - started) * 1000)
    finally:
        for step, function in originals.items():
            setattr(pipeline, step, function)
        del engine.extract, store.keep, claims.claim
    return {
        step: {n: statistics.median(by_name[n]) for n in names} for step, by_name in samples.items()
    }


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
    cached = runs["cached"].rps / bare.rps
    rewrapped = runs["rewrapped"].rps / bare.rps
    print(f"\ncached exact repeat / bare endpoint: {cached:.2f} (target >= 0.80)")
    print(f"same article, other boilerplate / bare endpoint: {rewrapped:.2f} (target >= 0.50)\n")
    medians, steps = asyncio.run(overhead())
    columns = "SDK call alone, ms | plain instructor call, ms | our whole path, ms"
    print(f"| seed | {columns} | path / instructor | a new article, ms | new / instructor |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in medians["path"]:
        sdk, plain, path, new = (medians[w][name] for w in ("sdk", "instructor", "path", "new"))
        print(
            f"| {name} | {sdk:.1f} | {plain:.1f} | {path:.1f} | {path / plain:.2f} "
            f"| {new:.1f} | {new / plain:.2f} |"
        )
    total = {way: sum(by_name.values()) for way, by_name in medians.items()}
    print(
        f"\nall seeds: our whole path / plain instructor call: "
        f"{total['path'] / total['instructor']:.2f} (target <= 1.00); "
        f"worst seed median {max(medians['path'].values()):.1f} ms (target < 10 ms)"
    )
    worst = max(medians["path"], key=lambda n: medians["path"][n] / medians["instructor"][n])
    print(
        f"worst seed: {worst}, our whole path / plain instructor call: "
        f"{medians['path'][worst] / medians['instructor'][worst]:.2f} (target <= 1.00)\n"
    )
    newest = max(medians["new"], key=lambda n: medians["new"][n] / medians["instructor"][n])
    print(
        f"a new article each time / plain instructor call: "
        f"{total['new'] / total['instructor']:.2f} over all seeds, "
        f"{medians['new'][newest] / medians['instructor'][newest]:.2f} on the worst ({newest})\n"
    )
    print_split(medians, steps, worst)
    logged = total["path"] / total["unlogged"] - 1
    print(
        f"call log: whole path with the log on / off: {total['path']:.1f} / "
        f"{total['unlogged']:.1f} ms for all seeds, overhead {logged:+.1%} (target < 10%)"
    )


def print_split(
    medians: dict[str, dict[str, float]], steps: dict[str, dict[str, float]], worst: str
) -> None:
    """Where the time goes, per step: the mean seed (medians averaged over the seeds) and
    the worst seed, for the plain SDK call, the plain instructor call and our path."""
    names = list(medians["path"])

    def mean(by_name: dict[str, float]) -> float:
        return sum(by_name.values()) / len(names)

    def column(pick: Callable[[dict[str, float]], float]) -> dict[str, float]:
        sdk, plain = pick(medians["sdk"]), pick(medians["instructor"])
        ours = {step: pick(steps[step]) for step in [*STEPS, "path"]}
        return {
            "sdk": sdk,
            "instructor": plain - sdk,
            "ours in extract": ours["extract"] - plain,
            **{step: ours[step] for step in STEPS if step != "extract"},
            "rest": ours["path"] - sum(ours[step] for step in STEPS),
            "total": ours["path"],
            "plain": plain,
        }

    average, bad = column(mean), column(lambda by_name: by_name[worst])
    labels = {
        "sdk": "the SDK's request and answer (openai client, in-memory transport)",
        "instructor": "instructor's own work: schema, parse, validate (instructor - SDK)",
        "ours in extract": "ours around instructor in the model step (extract - instructor)",
        **{step: label for step, label in STEPS.items() if step != "extract"},
        "rest": "the rest (event-loop hops to threads, metrics, the call rows)",
        "total": "total",
    }
    print("where the time goes, ms per article (medians; the mean seed, and the worst):")
    print("| step | SDK call | instructor call | our path | worst seed: instructor | our path |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for key, label in labels.items():
        on_sdk = key in ("sdk", "total")
        on_plain = key in ("sdk", "instructor", "total")
        cells = []
        for figures in (average, bad):
            plain = figures["plain"] if key == "total" else figures[key]
            cells += [f"{plain:.2f}" if on_plain else "", f"{figures[key]:.2f}"]
        sdk_cell = f"{average['sdk']:.2f}" if on_sdk else ""
        print(f"| {label} | {sdk_cell} | {' | '.join(cells)} |")
    print()


if __name__ == "__main__":
    main()
