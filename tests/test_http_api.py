"""The HTTP API: summaries, the cache, errors as problem documents, auth, limits, health."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI

from service.app import create_app
from service.settings import Settings
from tests.articles import ARTICLE, VALID_ANSWER, answer
from tests.model_stub import BASE_URL, completion, error, slow_completions

SEED = Path(__file__).resolve().parent.parent / "seeds" / "003_b5a2676f76b2b484.txt"
AppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_app(tmp_path: Path) -> AppFactory:
    def make(**overrides: Any) -> FastAPI:
        fields: dict[str, Any] = {
            "openai_api_key": "test-key",
            "openai_base_url": BASE_URL,
            "model": "test-model",
            "database_url": f"sqlite:///{tmp_path}/store.sqlite3",
            "backoff_initial_s": 0.001,
            "backoff_max_s": 0.002,
            "retry_after_max_s": 0.01,
            "fallback": False,
        }
        return create_app(Settings(**(fields | overrides)))

    return make


@pytest.fixture
async def client(make_app: AppFactory) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        yield c
    await app.state.service.aclose()


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}" and body["status"] == status
    assert body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return body


async def test_a_json_article_is_summarised_with_spans_into_the_text_sent(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    route = model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    response = await client.post(
        "/v1/summaries", json={"text": ARTICLE, "id": "cms-42", "source": "wire"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"].startswith("s_") and body["article_id"] == "cms-42"
    assert body["meta"]["engine"] == "llm" and body["meta"]["cached"] is False
    for m in body["summary"]["milestones"]:
        assert ARTICLE[m["evidence_span"]["start"] : m["evidence_span"]["end"]] == m["evidence"]
    assert route.call_count == 1


async def test_a_repeat_comes_from_the_cache_even_with_other_boilerplate(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    route = model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    first = (await client.post("/v1/summaries", json={"text": ARTICLE})).json()
    wrapped = (
        "Subscribe now\nREAD: Ten stocks to watch\n"
        + ARTICLE
        + "Related news\nBeta Corp opens a plant in Ohio\nGamma Inc names a new chief executive\n"
    )
    second = await client.post(
        "/v1/summaries", content=wrapped, headers={"content-type": "text/plain; charset=utf-8"}
    )
    body = second.json()
    assert route.call_count == 1
    assert body["meta"]["cached"] is True and body["id"] == first["id"]
    for m in body["summary"]["milestones"]:
        assert wrapped[m["evidence_span"]["start"] : m["evidence_span"]["end"]] == m["evidence"]


async def test_an_exact_repeat_is_answered_from_memory_with_its_own_latency(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    route = model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    first = (await client.post("/v1/summaries", json={"text": ARTICLE, "id": "a"})).json()
    repeats = [
        (await client.post("/v1/summaries", json={"text": ARTICLE, "id": "a"})).json()
        for _ in range(3)
    ]
    assert route.call_count == 1
    for repeat in repeats:
        assert repeat["meta"]["cached"] is True and repeat["id"] == first["id"]
        assert repeat["article_id"] == "a" and repeat["summary"] == first["summary"]
        assert isinstance(repeat["meta"]["latency_ms"], float)
        assert repeat["meta"]["latency_ms"] >= 0
    other_id = (await client.post("/v1/summaries", json={"text": ARTICLE, "id": "b"})).json()
    assert other_id["article_id"] == "b" and other_id["meta"]["cached"] is True


async def test_no_cache_forces_a_fresh_run_and_refreshes_the_cache(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    route = model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    await client.post("/v1/summaries", json={"text": ARTICLE})
    fresh = await client.post(
        "/v1/summaries", json={"text": ARTICLE}, headers={"Cache-Control": "no-cache"}
    )
    assert fresh.json()["meta"]["cached"] is False and route.call_count == 2
    again = await client.post("/v1/summaries", json={"text": ARTICLE})
    assert again.json()["meta"]["cached"] is True and route.call_count == 2


async def test_a_stored_summary_is_read_back_by_id(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    created = (await client.post("/v1/summaries", json={"text": ARTICLE})).json()
    read = await client.get(f"/v1/summaries/{created['id']}")
    assert read.status_code == 200
    assert read.json()["summary"] == created["summary"]
    assert_problem(await client.get("/v1/summaries/s_unknown"), 404, "not-found")


async def test_the_engine_is_chosen_per_request_by_query_or_header(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    route = model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    by_query = await client.post("/v1/summaries?engine=rules", json={"text": ARTICLE})
    by_header = await client.post(
        "/v1/summaries", json={"text": SEED.read_text()}, headers={"X-Milestones-Engine": "rules"}
    )
    assert by_query.json()["meta"]["engine"] == by_header.json()["meta"]["engine"] == "rules"
    assert route.call_count == 0


async def test_failures_are_never_cached(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    route = model.post("/chat/completions").mock(side_effect=[error(400), completion(VALID_ANSWER)])
    assert_problem(
        await client.post("/v1/summaries", json={"text": ARTICLE}), 502, "provider-rejected"
    )
    ok = await client.post("/v1/summaries", json={"text": ARTICLE})
    assert ok.status_code == 200 and ok.json()["meta"]["cached"] is False
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("content", "content_type", "status", "slug"),
    [
        (b"", "application/json", 400, "malformed-body"),
        (b"{not json", "application/json", 400, "malformed-body"),
        (b"[1, 2]", "application/json", 400, "malformed-body"),
        (b'{"text": "caf\xe9"}', "application/json", 400, "malformed-body"),
        (b"\xff\xfe\x00t", "text/plain", 400, "malformed-body"),
        (b"text", "application/xml", 415, "unsupported-media-type"),
        (b"text", "", 415, "unsupported-media-type"),
        (b"text", "text/plain; charset=latin-1", 415, "unsupported-media-type"),
        (b'{"text": ""}', "application/json", 422, "invalid-article"),
        (b'{"text": "  \\n\\t "}', "application/json", 422, "invalid-article"),
        (b"   \n ", "text/plain", 422, "invalid-article"),
        (b"Advertisement\nSubscribe now\n", "text/plain", 422, "invalid-article"),
        (b'{"text": 42}', "application/json", 422, "invalid-request"),
        (b'{"txt": "Acme raised funds."}', "application/json", 422, "invalid-request"),
        (b'{"text": "a", "extra": 1}', "application/json", 422, "invalid-request"),
        (b'{"text": "a", "published_at": "yesterday"}', "application/json", 422, "invalid-request"),
        # Shapes a fuzzer of the schema does not reach: deep nesting, implausible dates.
        (b"[" * 50_000, "application/json", 400, "malformed-body"),
        (b'{"ninjs": ' + b"[" * 50_000 + b"}", "application/json", 400, "malformed-body"),
        (
            b'{"ninjs": {"a": ' + b"[" * 65 + b"]" * 65 + b"}}",
            "application/json",
            400,
            "malformed-body",
        ),
        (b"{" * 50_000, "application/ninjs+json", 400, "malformed-body"),
        (
            b'{"text": "Acme Bio raised $5 million on Tuesday.", "published_at": "0001-01-01"}',
            "application/json",
            422,
            "invalid-request",
        ),
        (
            b'{"text": "a", "published_at": "9999-12-31T23:59:59+00:00"}',
            "application/json",
            422,
            "invalid-request",
        ),
        (b'{"text": "a", "id": ' + b"1" * 5000 + b"}", "application/json", 400, "malformed-body"),
        (b'{"text": "Acme \\ud800 Bio raised funds."}', "application/json", 400, "malformed-body"),
        (b'{"body_text": "x", "uri": "\\udfff"}', "application/ninjs+json", 400, "malformed-body"),
    ],
)
async def test_bad_input_gets_its_status_and_problem_type(
    client: httpx.AsyncClient,
    model: respx.MockRouter,
    content: bytes,
    content_type: str,
    status: int,
    slug: str,
) -> None:
    route = model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post("/v1/summaries", content=content, headers=headers)
    assert_problem(response, status, slug)
    assert route.call_count == 0


async def test_a_body_over_the_limit_is_413(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    big = b"Acme Bio raised funds. " * 10_000  # 230 kB, over the 200 kB default
    response = await client.post(
        "/v1/summaries", content=big, headers={"content-type": "text/plain"}
    )
    assert_problem(response, 413, "payload-too-large")


async def test_invalid_model_output_after_re_asks_is_502_listing_the_errors(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(
        return_value=completion(answer(headline=" ".join(["w"] * 30)))
    )
    body = assert_problem(
        await client.post("/v1/summaries", json={"text": ARTICLE}), 502, "invalid-model-output"
    )
    assert body["errors"] == ["headline: headline has 30 words; write at most 20 words"]
    assert body["detail"].endswith("headline: headline has 30 words; write at most 20 words")


async def test_a_provider_that_stays_down_is_503_with_retry_after(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=error(429, {"Retry-After": "0.01"}))
    response = await client.post("/v1/summaries", json={"text": ARTICLE})
    assert_problem(response, 503, "provider-unavailable")
    assert int(response.headers["Retry-After"]) >= 1


async def test_the_service_falls_back_to_the_rules_by_default(
    make_app: AppFactory, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=error(503))
    app = make_app(fallback=None)  # unset: on in the service
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        response = await c.post("/v1/summaries", json={"text": ARTICLE})
        again = await c.post("/v1/summaries", json={"text": ARTICLE})
    await app.state.service.aclose()
    meta = response.json()["meta"]
    assert response.status_code == 200
    assert (meta["engine"], meta["degraded"]) == ("rules", True)
    assert again.json()["meta"]["cached"] is False  # a degraded answer is not cached


async def test_the_request_deadline_gives_504(
    make_app: AppFactory, model: respx.MockRouter
) -> None:
    slow_completions(model, VALID_ANSWER, delay=5)
    app = make_app(request_deadline_s=0.1)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        assert_problem(await c.post("/v1/summaries", json={"text": ARTICLE}), 504, "deadline")
    await app.state.service.aclose()


@asynccontextmanager
async def hung_provider() -> AsyncIterator[str]:
    """An OpenAI-compatible base URL whose server accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # read nothing, answer nothing

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("fallback", [True, False])
async def test_a_provider_that_never_answers_leaves_time_for_the_fallback(
    make_app: AppFactory, fallback: bool
) -> None:
    # The model's own deadline (180 s) and request timeout (60 s) are far longer than
    # the request's: the engine is given the request's deadline, less the fallback's share.
    async with hung_provider() as base_url:
        app = make_app(openai_base_url=base_url, request_deadline_s=2.0, fallback=fallback)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            started = asyncio.get_running_loop().time()
            response = await c.post("/v1/summaries", json={"text": ARTICLE})
            elapsed = asyncio.get_running_loop().time() - started
        await app.state.service.aclose()
    assert elapsed < 2.5, elapsed  # the request's deadline (and a little for the test)
    if fallback:
        assert response.status_code == 200, response.text
        meta = response.json()["meta"]
        assert (meta["engine"], meta["degraded"]) == ("rules", True)
        assert "deadline" in meta["degraded_reason"]
    else:
        assert_problem(response, 504, "deadline")


async def test_requests_queued_past_the_wait_get_503_with_retry_after(
    make_app: AppFactory, model: respx.MockRouter
) -> None:
    first_call, release = asyncio.Event(), asyncio.Event()
    # The first answer waits until the second request has had its answer (however slow
    # the machine), holding the only model slot all that time.
    slow_completions(model, VALID_ANSWER, delay=30, started=first_call, release=release)
    app = make_app(max_model_calls=1, queue_wait_s=0.05, retry_after_s=7)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        first = asyncio.ensure_future(c.post("/v1/summaries", json={"text": ARTICLE}))
        await asyncio.wait_for(first_call.wait(), 5)  # the first holds the only slot now
        other = await c.post("/v1/summaries", json={"text": SEED.read_text()})
        release.set()
        assert (await first).status_code == 200
    await app.state.service.aclose()
    assert_problem(other, 503, "overloaded")
    assert other.headers["Retry-After"] == "7"


async def test_api_keys_are_required_when_configured(
    make_app: AppFactory, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    app = make_app(api_keys="key-one, key-two")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        missing = await c.post("/v1/summaries", json={"text": ARTICLE})
        wrong = await c.post(
            "/v1/summaries", json={"text": ARTICLE}, headers={"Authorization": "Bearer key-three"}
        )
        right = await c.post(
            "/v1/summaries", json={"text": ARTICLE}, headers={"Authorization": "Bearer key-two"}
        )
        health = await c.get("/healthz")
    await app.state.service.aclose()
    assert_problem(missing, 401, "unauthorized")
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert_problem(wrong, 401, "unauthorized")
    assert right.status_code == 200 and health.status_code == 200


async def test_readiness_checks_the_model_endpoint_when_asked_and_keeps_the_report(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    listed = model.get("/models").respond(
        200, json={"data": [{"id": "test-model", "owned_by": "vllm"}]}
    )
    probes = model.post("/chat/completions").mock(
        return_value=completion('{"headline": "x"', mode="json_schema")
    )
    with respx.mock(assert_all_called=False) as root:  # the server's own paths: not there
        root.route(url__regex=r"^http://model\.test/(props|tokenize|extras/)").respond(404)
        root.route().pass_through()
        first = (await client.get("/readyz", params={"model": "true"})).json()
    again = (await client.get("/readyz", params={"model": "true"})).json()
    checks = first["checks"]
    assert checks["model"] == "vLLM"
    assert "json_schema" in checks["model_modes"]
    assert "MILESTONES_MODE=json_schema" in checks["model_settings"]
    assert again == first and listed.call_count == 1  # kept, not probed on every call
    assert probes.call_count >= 3
    plain = (await client.get("/readyz")).json()
    assert "model" not in plain["checks"]


async def test_health_readiness_schema_and_metrics(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    await client.post("/v1/summaries", json={"text": ARTICLE})
    await client.post("/v1/summaries", json={"text": ARTICLE})
    assert (await client.get("/healthz")).json() == {"status": "ok", "checks": {}}
    ready = (await client.get("/readyz")).json()
    assert ready == {"status": "ready", "checks": {"store": "ok", "engine": "llm"}}
    schema = (await client.get("/v1/schema")).json()
    assert set(schema["required"]) >= {"id", "summary", "meta"}
    metrics = (await client.get("/metrics")).text
    assert 'milestones_cache_total{result="hit"} 1.0' in metrics
    assert 'milestones_cache_total{result="miss"} 1.0' in metrics
    assert "milestones_model_requests_total 1.0" in metrics
    assert 'milestones_model_answers_total{outcome="valid"} 1.0' in metrics
    assert 'milestones_model_first_answers_total{valid="true"} 1.0' in metrics
    assert 'milestones_model_tokens_total{type="prompt"} 100.0' in metrics
    assert (
        'milestones_http_requests_total{method="POST",route="/v1/summaries",status="200"} 2.0'
        in metrics
    )
    assert "milestones_http_request_seconds_bucket" in metrics


async def test_html_and_ninjs_bodies_are_summarised_with_the_extracted_text(
    make_app: AppFactory, model: respx.MockRouter
) -> None:
    from tests.test_formats import as_html

    text = SEED.read_text()
    ninjs = {
        "uri": "urn:x",
        "versionCreated": "2025-01-02T00:00:00Z",
        "headlines": [{"role": "main", "value": text.splitlines()[0]}],
        "bodies": [{"role": "main", "contentType": "text/plain", "value": text}],
    }
    app = make_app(engine="rules")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        page = await c.post(
            "/v1/summaries",
            content=as_html(text),
            headers={"content-type": "text/html; charset=utf-8"},
        )
        wrapped = await c.post("/v1/summaries", json={"html": as_html(text), "id": "p1"})
        document = await c.post(
            "/v1/summaries",
            content=json.dumps(ninjs),
            headers={"content-type": "application/ninjs+json"},
        )
        plain = await c.post("/v1/summaries", content=text, headers={"content-type": "text/plain"})
        both = await c.post("/v1/summaries", json={"text": text, "html": as_html(text)})
    await app.state.service.aclose()
    for response in (page, wrapped, document):
        body = response.json()
        assert response.status_code == 200 and body["text"]
        for m in body["summary"]["milestones"]:
            span = m["evidence_span"]
            assert body["text"][span["start"] : span["end"]] == m["evidence"]
        kinds = {(m["kind"], m["organisation"]) for m in body["summary"]["milestones"]}
        assert ("manufacturing_authorisation", "Alcura") in kinds
    assert plain.json()["text"] is None and wrapped.json()["article_id"] == "p1"
    assert_problem(both, 422, "invalid-request")
    assert "exactly one of text, html and ninjs" in both.json()["detail"]


async def test_the_response_carries_ninjs_subjects_for_the_cms(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    subjects = (await client.post("/v1/summaries", json={"text": ARTICLE})).json()["subjects"]
    by_code = {s["code"]: s for s in subjects}
    assert by_code["milestones:organisation:mhra"]["type"] == "organisation"
    assert by_code["milestones:product:bw-311"]["name"] == "BW-311"
    assert by_code["milestones:milestone_kind:funding"]["type"] == "milestone_kind"
    assert {s["creator"] for s in subjects} == {"milestones/llm"}


async def test_an_idempotency_key_replays_its_response_and_refuses_another_request(
    make_app: AppFactory, model: respx.MockRouter
) -> None:
    route = model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    key = {"Idempotency-Key": "publish-42"}
    app = make_app()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        first = await c.post("/v1/summaries", json={"text": ARTICLE}, headers=key)
        replay = await c.post("/v1/summaries", json={"text": ARTICLE}, headers=key)
        other = await c.post(
            "/v1/summaries", json={"text": ARTICLE, "source": "other"}, headers=key
        )
        unkeyed = await c.post("/v1/summaries", json={"text": ARTICLE, "source": "other"})
    await app.state.service.aclose()
    assert first.status_code == 200 and replay.content == first.content
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert_problem(other, 422, "idempotency-key-reused")
    assert unkeyed.status_code == 200 and route.call_count == 1
    restarted = make_app()  # the same store: the key outlives the process
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=restarted), base_url="http://127.0.0.1"
    ) as c:
        after_restart = await c.post("/v1/summaries", json={"text": ARTICLE}, headers=key)
    await restarted.state.service.aclose()
    assert after_restart.content == first.content and route.call_count == 1


async def test_idempotency_keys_belong_to_the_caller_who_sent_them(
    make_app: AppFactory, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))
    app = make_app(api_keys="alice,bob")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
        alice = await c.post(
            "/v1/summaries",
            json={"text": ARTICLE},
            headers={"Idempotency-Key": "k", "Authorization": "Bearer alice"},
        )
        bob = await c.post(
            "/v1/summaries",
            json={"text": ARTICLE, "source": "bob's wire"},
            headers={"Idempotency-Key": "k", "Authorization": "Bearer bob"},
        )
    await app.state.service.aclose()
    assert alice.status_code == 200 and bob.status_code == 200


def test_serving_beyond_loopback_without_keys_is_refused() -> None:
    from service.cli import bind_refusal

    assert bind_refusal("127.0.0.1", Settings()) is None
    assert "MILESTONES_API_KEYS" in (bind_refusal("0.0.0.0", Settings()) or "")
    assert bind_refusal("0.0.0.0", Settings(api_keys="k")) is None
    assert bind_refusal("0.0.0.0", Settings(allow_unauthenticated=True)) is None


async def test_a_prompt_file_edited_in_place_makes_the_next_request_a_miss(
    make_app: AppFactory, model: respx.MockRouter, tmp_path: Path
) -> None:
    import shutil

    from service.prompt import PROMPTS_DIR

    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR / "extract" / "v3", prompts / "extract" / "v3")
    route = model.post("/chat/completions").mock(return_value=completion(VALID_ANSWER))

    async def post_twice() -> list[dict[str, Any]]:
        app = make_app(prompts_dir=prompts)  # a replica started after the edit, same store
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            texts = [f"{ARTICLE}\n", f"{ARTICLE}\nAdvertisement\n"]  # not an exact repeat
            answers = [(await c.post("/v1/summaries", json={"text": t})).json() for t in texts]
        await app.state.service.aclose()
        return [a["meta"] for a in answers]

    first = await post_twice()
    assert route.call_count == 1 and [m["cached"] for m in first] == [False, True]
    system = prompts / "extract" / "v3" / "system.txt"
    system.write_text(system.read_text() + "\nQuote the article exactly.\n")
    edited = await post_twice()
    assert route.call_count == 2 and [m["cached"] for m in edited] == [False, True]
    assert edited[0]["prompt_version"] != first[0]["prompt_version"]
    assert edited[0]["prompt_version"].startswith("extract/v3@")


async def test_an_engine_header_is_checked_even_when_the_query_names_one(
    client: httpx.AsyncClient,
) -> None:
    """The query's engine wins, but a header naming no engine is still a mistake."""
    response = await client.post(
        "/v1/summaries?engine=rules",
        json={"text": ARTICLE},
        headers={"x-milestones-engine": "{}"},
    )
    assert_problem(response, 422, "invalid-request")
    assert "header.x-milestones-engine" in response.json()["detail"]


async def test_a_method_not_allowed_lists_every_method_of_the_path(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/v1/summaries/s_1/reviews")
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "GET, POST"


async def test_a_summarys_calls_show_each_re_ask_with_its_errors(
    client: httpx.AsyncClient, model: respx.MockRouter
) -> None:
    model.post("/chat/completions").mock(
        side_effect=[completion('{"headline": "cut off'), completion(VALID_ANSWER)]
    )
    made = (await client.post("/v1/summaries", json={"text": ARTICLE})).json()
    response = await client.get(f"/v1/summaries/{made['id']}/calls")
    assert response.status_code == 200, response.text
    first, second = response.json()
    assert (first["number"], first["outcome"], first["answer"]) == (
        1,
        "invalid",
        '{"headline": "cut off',
    )
    assert first["errors"] and "Invalid JSON" in first["feedback"]
    assert (second["outcome"], second["errors"]) == ("valid", [])
    old_path = await client.get(f"/v1/summaries/{made['id']}/attempts")  # kept for a release
    assert old_path.json() == response.json()
    assert_problem(await client.get("/v1/summaries/s_nothing/calls"), 404, "not-found")


SEED_004 = Path(__file__).resolve().parent.parent / "seeds" / "004_9443ce3100c31505.txt"


async def test_v2_answers_each_milestones_details_and_v1_the_same_without_them(
    client: httpx.AsyncClient,
) -> None:
    text = SEED_004.read_text(encoding="utf-8")
    plain = {"content-type": "text/plain", "X-Milestones-Engine": "rules"}
    v2 = (await client.post("/v2/summaries", content=text, headers=plain)).json()
    v1 = (await client.post("/v1/summaries", content=text, headers=plain)).json()
    designations = {
        m["details"]["designation"]
        for m in v2["summary"]["milestones"]
        if m["kind"] == "designation"
    }
    assert designations == {"fast_track", "orphan_drug"}
    assert all("details" not in m for m in v1["summary"]["milestones"])
    for m in v2["summary"]["milestones"]:
        m.pop("details")
    assert v2["summary"] == v1["summary"] and v2["id"] == v1["id"]  # one stored summary
    assert v1["meta"]["schema_hash"] != v2["meta"]["schema_hash"]  # each its schema's
    stored = (await client.get(f"/v2/summaries/{v2['id']}")).json()
    assert any(m["details"]["designation"] for m in stored["summary"]["milestones"])
    assert_problem(await client.get("/v2/summaries/s_nothing"), 404, "not-found")
