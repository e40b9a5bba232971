"""Single-flight: concurrent identical requests make one model call, in one process and
across replicas sharing a store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import respx

from service.app import create_app
from service.article import Article
from service.engines.llm import LLMEngine
from service.metrics import Metrics
from service.pipeline import Summariser
from service.settings import Settings
from service.store import Store
from tests.articles import ARTICLE, VALID_ANSWER
from tests.model_stub import slow_completions


async def test_fifty_concurrent_identical_posts_cause_one_model_call(
    settings: Settings, tmp_path: Path, model: respx.MockRouter
) -> None:
    route = slow_completions(model, VALID_ANSWER, delay=0.2)
    settings = settings.model_copy(
        update={"fallback": False, "database_url": f"sqlite:///{tmp_path}/s.sqlite3"}
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        responses = await asyncio.gather(
            *(client.post("/v1/summaries", json={"text": ARTICLE}) for _ in range(50))
        )
    await app.state.service.aclose()
    assert [r.status_code for r in responses] == [200] * 50
    assert route.call_count == 1
    cached = [r.json()["meta"]["cached"] for r in responses]
    assert cached.count(False) == 1 and cached.count(True) == 49
    assert len({r.json()["id"] for r in responses}) == 1


async def test_replicas_sharing_a_store_make_one_model_call(
    settings: Settings, store_url: str, model: respx.MockRouter
) -> None:
    route = slow_completions(model, VALID_ANSWER, delay=0.3)
    settings = settings.model_copy(update={"claim_poll_s": 0.02})
    replicas = [Summariser(Store(store_url), settings, Metrics()) for _ in range(3)]
    engines = [LLMEngine(settings) for _ in replicas]
    outcomes = await asyncio.gather(
        *(
            cache.summarise(Article(ARTICLE), engine)
            for cache, engine in zip(replicas, engines, strict=True)
            for _ in range(5)
        )
    )
    assert route.call_count == 1
    assert len({o.id for o in outcomes}) == 1
    assert sum(not o.record.meta.cached for o in outcomes) == 1
    for cache, engine in zip(replicas, engines, strict=True):
        await engine.aclose()
        await cache.aclose()


async def test_a_leader_working_longer_than_its_lease_keeps_it_by_renewing(
    settings: Settings, store_url: str, model: respx.MockRouter
) -> None:
    route = slow_completions(model, VALID_ANSWER, delay=0.6)
    settings = settings.model_copy(update={"claim_ttl_s": 0.2, "claim_poll_s": 0.02})
    replicas = [Summariser(Store(store_url), settings, Metrics()) for _ in range(2)]
    engine = LLMEngine(settings)
    outcomes = await asyncio.gather(*(c.summarise(Article(ARTICLE), engine) for c in replicas))
    assert route.call_count == 1 and len({o.id for o in outcomes}) == 1
    await engine.aclose()
    for cache in replicas:
        await cache.aclose()


async def test_a_claim_left_by_a_dead_holder_lapses(
    settings: Settings, store_url: str, model: respx.MockRouter
) -> None:
    route = slow_completions(model, VALID_ANSWER, delay=0.0)
    settings = settings.model_copy(update={"claim_ttl_s": 0.3, "claim_poll_s": 0.02})
    cache = Summariser(Store(store_url), settings, Metrics())
    engine = LLMEngine(settings)
    from service.article import prepare
    from service.pipeline import cache_key

    key = cache_key(prepare(Article(ARTICLE)), engine)
    assert cache.store.claims.claim(key, "a-process-that-was-killed", ttl_s=0.3)
    outcome = await asyncio.wait_for(cache.summarise(Article(ARTICLE), engine), timeout=5)
    assert route.call_count == 1 and not outcome.record.meta.cached
    await engine.aclose()
    await cache.aclose()


async def test_a_stored_summary_of_an_older_shape_is_made_afresh(
    settings: Settings, tmp_path: Path, model: respx.MockRouter
) -> None:
    from service.article import prepare
    from service.pipeline import cache_key, summary_id

    route = slow_completions(model, VALID_ANSWER, delay=0.0)
    cache = Summariser(Store(f"sqlite:///{tmp_path}/s.sqlite3"), settings, Metrics())
    engine = LLMEngine(settings)
    key = cache_key(prepare(Article(ARTICLE)), engine)
    cache.store.summaries.put(
        summary_id(key), key, '{"source": null, "summary": {}, "meta": {}}', "llm"
    )
    outcome = await cache.summarise(Article(ARTICLE), engine)
    assert route.call_count == 1 and not outcome.record.meta.cached
    again = await cache.summarise(Article(ARTICLE), engine)
    assert again.record.meta.cached and route.call_count == 1
    await engine.aclose()
    await cache.aclose()
