"""Async jobs over HTTP: 202 and Location, the worker, signed webhooks with retries and a
delivery log, restarts, idempotency, and callback URLs that are refused (SSRF)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from sqlalchemy import func, select

from service import webhooks
from service.app import create_app
from service.settings import Settings
from service.store import Store
from service.store.tables import jobs
from tests.articles import ARTICLE, VALID_ANSWER
from tests.model_stub import BASE_URL, COMPLETIONS, completion, error
from tests.test_formats import as_html

SEED = Path(__file__).resolve().parent.parent / "seeds" / "003_b5a2676f76b2b484.txt"
SECRET = "whsec_" + base64.b64encode(b"a test secret of thirty-two byte").decode()
HOOK = "https://cms.example.com/hooks/milestones"
PLAIN = {"content-type": "text/plain; charset=utf-8"}
AppFactory = Callable[..., FastAPI]
# The LLM engine against the stubbed model, without the rules as fallback.
LLM: dict[str, Any] = {
    "engine": "llm",
    "openai_api_key": "test-key",
    "openai_base_url": BASE_URL,
    "model": "test-model",
    "fallback": False,
}


async def public_dns(host: str, port: int) -> list[str]:
    """Every host name resolves to a public address (no DNS in tests)."""
    return ["93.184.215.14"]


@pytest.fixture
def net() -> Iterator[respx.MockRouter]:
    """The outside world: the model API and the CMS's receiver, stubbed."""
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def make_app(tmp_path: Path) -> AppFactory:
    def make(resolve: Any = public_dns, **overrides: Any) -> FastAPI:
        fields: dict[str, Any] = {
            "engine": "rules",
            "database_url": f"sqlite:///{tmp_path}/store.sqlite3",
            "webhook_secret": SECRET,
            "job_poll_s": 0.02,
            "job_backoff_initial_s": 0.01,
            "webhook_backoff_initial_s": 0.01,
            "backoff_initial_s": 0.001,
            "backoff_max_s": 0.002,
            "claim_ttl_s": 0.3,
        }
        return create_app(Settings(**(fields | overrides)), resolve=resolve)

    return make


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan (so its job worker) running, and a client for it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            yield client


async def until(
    check: Callable[[], Awaitable[dict[str, Any] | None]], timeout: float = 10.0
) -> dict[str, Any]:
    """Poll ``check`` until it gives something, or fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (found := await check()) is None:
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)
    return found


def job_where(
    client: httpx.AsyncClient, job_id: str, done: Callable[[dict[str, Any]], bool]
) -> Callable[[], Awaitable[dict[str, Any] | None]]:
    async def check() -> dict[str, Any] | None:
        body: dict[str, Any] = (await client.get(f"/v1/jobs/{job_id}")).json()
        return body if done(body) else None

    return check


def delivered(body: dict[str, Any]) -> bool:
    return body["webhook"] is not None and body["webhook"]["state"] in ("delivered", "failed")


def ninjs_of(text: str) -> dict[str, Any]:
    """A ninjs 2.x document of an article's text."""
    headline, _, rest = text.partition("\n")
    return {
        "uri": "urn:newsroom:42",
        "headline": headline,
        "body_text": rest,
        "versioncreated": "2025-06-02T09:30:00Z",
        "language": "en",
    }


def milestones(summary: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((m["kind"], m["status"], m["date"], m["evidence"]) for m in summary["milestones"])


async def test_a_ninjs_document_gets_202_and_one_correctly_signed_callback(
    make_app: AppFactory, net: respx.MockRouter
) -> None:
    hook = net.post(HOOK).mock(return_value=httpx.Response(204))
    text = SEED.read_text(encoding="utf-8")
    async with running(make_app()) as client:
        response = await client.post(
            "/v1/jobs",
            params={"callback_url": HOOK},
            content=json.dumps(ninjs_of(text)),
            headers={"content-type": "application/ninjs+json"},
        )
        assert response.status_code == 202, response.text
        job = response.json()
        assert response.headers["location"] == f"/v1/jobs/{job['id']}"
        assert job["status"] in ("queued", "running", "succeeded")
        final = await until(job_where(client, job["id"], delivered))
        plain = (await client.post("/v1/summaries", content=text.encode(), headers=PLAIN)).json()
    assert final["status"] == "succeeded" and final["attempts"] == 1
    assert final["webhook"]["state"] == "delivered" and final["webhook"]["attempts"] == 1
    [entry] = final["webhook"]["log"]
    assert entry["status_code"] == 204 and entry["error"] is None
    assert hook.call_count == 1
    request = hook.calls.last.request
    assert webhooks.verify(SECRET, request.headers, request.content)
    assert request.headers["webhook-id"] == f"msg_{job['id']}"
    assert request.headers["content-type"] == "application/json"
    event = json.loads(request.content)
    assert event["type"] == "job.succeeded" and event["data"]["id"] == job["id"]
    result = event["data"]["result"]
    assert milestones(result["summary"]) == milestones(plain["summary"])
    assert result["summary"]["milestones"], "the seed has milestones"
    for m in result["summary"]["milestones"]:  # spans refer to the extracted text, included
        assert (
            result["text"][m["evidence_span"]["start"] : m["evidence_span"]["end"]]
            == (m["evidence"])
        )


async def test_a_receiver_failing_twice_gets_the_same_delivery_a_third_time(
    make_app: AppFactory, net: respx.MockRouter
) -> None:
    hook = net.post(HOOK).mock(
        side_effect=[httpx.Response(500), httpx.ConnectError("refused"), httpx.Response(200)]
    )
    async with running(make_app()) as client:
        job = (await client.post("/v1/jobs", json={"text": ARTICLE, "callback_url": HOOK})).json()
        final = await until(job_where(client, job["id"], delivered))
        metrics = (await client.get("/metrics")).text
    assert 'milestones_jobs_total{outcome="succeeded"} 1.0' in metrics
    assert 'milestones_webhook_deliveries_total{outcome="retrying"} 2.0' in metrics
    assert 'milestones_webhook_deliveries_total{outcome="delivered"} 1.0' in metrics
    webhook = final["webhook"]
    assert webhook["state"] == "delivered" and webhook["attempts"] == 3
    assert [e["status_code"] for e in webhook["log"]] == [500, None, 200]
    assert "500" in webhook["log"][0]["error"] and "ConnectError" in webhook["log"][1]["error"]
    assert hook.call_count == 3
    sent = [call.request for call in hook.calls]
    assert len({r.headers["webhook-id"] for r in sent}) == 1  # one message, retried
    assert len({r.content for r in sent}) == 1
    assert all(webhooks.verify(SECRET, r.headers, r.content) for r in sent)


async def test_a_receiver_that_never_answers_well_is_given_up_after_the_limit(
    make_app: AppFactory, net: respx.MockRouter
) -> None:
    hook = net.post(HOOK).mock(return_value=httpx.Response(503))
    async with running(make_app(webhook_max_attempts=3)) as client:
        job = (await client.post("/v1/jobs", json={"text": ARTICLE, "callback_url": HOOK})).json()
        final = await until(job_where(client, job["id"], delivered))
        await asyncio.sleep(0.1)  # no further attempt comes
    assert final["status"] == "succeeded"  # the summary is there to poll
    assert final["webhook"]["state"] == "failed" and len(final["webhook"]["log"]) == 3
    assert final["webhook"]["next_attempt_at"] is None
    assert hook.call_count == 3


@pytest.mark.parametrize("media", ["text/plain", "text/html"])
async def test_without_a_callback_the_job_is_polled(make_app: AppFactory, media: str) -> None:
    text = SEED.read_text(encoding="utf-8")
    body = as_html(text) if media == "text/html" else text
    async with running(make_app()) as client:
        plain = (await client.post("/v1/summaries", content=text, headers=PLAIN)).json()
        response = await client.post(
            "/v1/jobs", content=body, headers={"content-type": f"{media}; charset=utf-8"}
        )
        assert response.status_code == 202
        job_id = response.json()["id"]
        final = await until(job_where(client, job_id, lambda b: b["status"] == "succeeded"))
    assert final["webhook"] is None and final["callback_url"] is None
    assert final["problem"] is None
    assert milestones(final["result"]["summary"]) == milestones(plain["summary"])
    assert final["result"]["summary"]["milestones"]


async def test_a_transient_model_failure_is_retried_and_the_job_succeeds(
    make_app: AppFactory, net: respx.MockRouter
) -> None:
    model = net.post(COMPLETIONS).mock(side_effect=[error(503), completion(VALID_ANSWER)])
    app = make_app(**LLM, transport_retries=0)
    async with running(app) as client:
        job = (await client.post("/v1/jobs", json={"text": ARTICLE})).json()
        final = await until(job_where(client, job["id"], lambda b: b["status"] == "succeeded"))
    assert final["attempts"] == 2 and model.call_count == 2
    assert final["result"]["meta"]["engine"] == "llm"


async def test_a_job_that_cannot_succeed_fails_with_a_problem_and_says_so_by_webhook(
    make_app: AppFactory, net: respx.MockRouter
) -> None:
    net.post(COMPLETIONS).mock(return_value=completion("not json at all"))
    hook = net.post(HOOK).mock(return_value=httpx.Response(200))
    app = make_app(**LLM, max_reasks=0)
    async with running(app) as client:
        job = (await client.post("/v1/jobs", json={"text": ARTICLE, "callback_url": HOOK})).json()
        final = await until(job_where(client, job["id"], delivered))
    assert final["status"] == "failed" and final["result"] is None
    assert final["problem"]["status"] == 502
    assert final["problem"]["type"] == "/problems/invalid-model-output"
    event = json.loads(hook.calls.last.request.content)
    assert event["type"] == "job.failed" and event["data"]["problem"] == final["problem"]


async def test_a_job_running_when_the_service_stops_is_finished_after_the_restart(
    make_app: AppFactory, net: respx.MockRouter
) -> None:
    started = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(60)
        return completion(VALID_ANSWER)

    model = net.post(COMPLETIONS).mock(side_effect=slow)
    hook = net.post(HOOK).mock(return_value=httpx.Response(200))
    async with running(make_app(**LLM)) as client:
        job = (await client.post("/v1/jobs", json={"text": ARTICLE, "callback_url": HOOK})).json()
        await asyncio.wait_for(started.wait(), 10)
    # Stopped mid-run: the job is back in the queue, the cut-short run not counted.
    async with running(make_app(**LLM)) as client:
        model.side_effect = None
        model.return_value = completion(VALID_ANSWER)
        final = await until(job_where(client, job["id"], delivered))
    assert final["status"] == "succeeded" and final["attempts"] == 1
    assert hook.call_count == 1 and final["webhook"]["attempts"] == 1


async def test_a_job_left_running_by_a_dead_replica_is_taken_again_when_its_lease_lapses(
    make_app: AppFactory, net: respx.MockRouter, tmp_path: Path
) -> None:
    hook = net.post(HOOK).mock(return_value=httpx.Response(200))
    app = make_app(job_workers=0)  # this replica takes nothing itself
    async with running(app) as client:
        job = (await client.post("/v1/jobs", json={"text": ARTICLE, "callback_url": HOOK})).json()
    # A replica takes it and dies (kill -9): it holds a short lease it will never renew.
    dead_store = Store(f"sqlite:///{tmp_path}/store.sqlite3")
    dead = dead_store.jobs
    [taken] = dead.claim("dead-replica", 1, lease_s=0.2)
    assert taken.id == job["id"] and taken.status == "running"
    # The replica that takes it over holds a long lease of its own: under load, a short
    # one renewed from a thread could lapse mid-run and the job be taken a third time.
    async with running(make_app(job_lease_s=30)) as client:
        final = await until(job_where(client, job["id"], delivered))
    assert final["status"] == "succeeded" and final["attempts"] == 2
    assert hook.call_count == 1
    assert not dead.finish(job["id"], "dead-replica", result="{}")  # it cannot end it twice
    dead_store.close()


async def test_the_same_idempotency_key_and_body_give_the_same_job(
    make_app: AppFactory,
) -> None:
    app = make_app(job_workers=0)
    body = {"text": ARTICLE, "callback_url": HOOK}
    async with running(app) as client:
        key = {"Idempotency-Key": "publish-42"}
        first = await client.post("/v1/jobs", json=body, headers=key)
        again = await client.post("/v1/jobs", json=body, headers=key)
        assert first.status_code == again.status_code == 202
        assert again.json()["id"] == first.json()["id"]
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["idempotent-replayed"] == "true"
        other = await client.post("/v1/jobs", json=body | {"text": ARTICLE + " More."}, headers=key)
        assert (
            other.status_code == 422 and other.json()["type"] == "/problems/idempotency-key-reused"
        )
        unkeyed = await client.post("/v1/jobs", json=body)
        assert unkeyed.json()["id"] != first.json()["id"]
        racing = await asyncio.gather(
            *(
                client.post("/v1/jobs", json=body, headers={"Idempotency-Key": "race"})
                for _ in range(8)
            )
        )
    assert {r.status_code for r in racing} == {202}
    assert len({r.json()["id"] for r in racing}) == 1


async def test_idempotency_keys_are_per_api_key(make_app: AppFactory) -> None:
    app = make_app(job_workers=0, api_keys="alpha,beta")
    async with running(app) as client:
        key = {"Idempotency-Key": "same"}
        alpha = await client.post(
            "/v1/jobs", json={"text": ARTICLE}, headers=key | {"authorization": "Bearer alpha"}
        )
        beta = await client.post(
            "/v1/jobs", json={"text": ARTICLE}, headers=key | {"authorization": "Bearer beta"}
        )
    assert alpha.status_code == beta.status_code == 202
    assert alpha.json()["id"] != beta.json()["id"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://cms.example.com/hook", "https"),
        ("ftp://cms.example.com/hook", "https"),
        ("https://127.0.0.1/hook", "127.0.0.1"),
        ("https://10.0.0.7:8443/hook", "10.0.0.7"),
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("https://[::1]/hook", "::1"),
        ("https://[::ffff:192.168.0.1]/hook", "192.168.0.1"),
        ("https:///no-host", "no host"),
        ("not-a-url", "https"),
        ("not a url", "white space"),
        ("https://cms:secret@cms.example.com/hook", "user name or password"),
        ("https://cms.example.com/hook\r\nHost: 10.0.0.1", "control character"),
        ("https://[64:ff9b::a9fe:a9fe]/latest/meta-data", "64:ff9b::a9fe:a9fe"),
        ("https://[2002:c0a8:1::1]/hook", "2002:c0a8:1::1"),
    ],
)
async def test_callback_urls_that_could_reach_inside_are_refused(
    make_app: AppFactory, url: str, why: str
) -> None:
    async with running(make_app(job_workers=0)) as client:
        response = await client.post("/v1/jobs", json={"text": ARTICLE, "callback_url": url})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"] == "/problems/invalid-callback-url" and why in body["detail"]


async def test_a_host_name_resolving_to_a_private_address_is_refused(
    make_app: AppFactory,
) -> None:
    async def internal(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.1.2.3"]  # one private answer is enough to refuse

    async with running(make_app(job_workers=0, resolve=internal)) as client:
        response = await client.post("/v1/jobs", json={"text": ARTICLE, "callback_url": HOOK})
    assert response.status_code == 422 and "10.1.2.3" in response.json()["detail"]


async def test_settings_can_allow_http_and_private_callbacks(
    make_app: AppFactory, net: respx.MockRouter
) -> None:
    local = "http://127.0.0.1:9999/hook"
    hook = net.post(local).mock(return_value=httpx.Response(200))
    app = make_app(allow_http_callbacks=True, allow_private_callbacks=True)
    async with running(app) as client:
        response = await client.post("/v1/jobs", json={"text": ARTICLE, "callback_url": local})
        assert response.status_code == 202, response.text
        await until(job_where(client, response.json()["id"], delivered))
    assert hook.call_count == 1


async def test_a_name_pointed_inside_after_submission_is_not_called(
    make_app: AppFactory, net: respx.MockRouter
) -> None:
    answers = {"cms.example.com": ["93.184.215.14"]}

    async def rebinding(host: str, port: int) -> list[str]:
        return answers[host]

    hook = net.post(HOOK).mock(return_value=httpx.Response(200))
    app = make_app(resolve=rebinding, webhook_max_attempts=2)
    async with running(app) as client:
        await app.state.service.worker.stop()
        job = (await client.post("/v1/jobs", json={"text": ARTICLE, "callback_url": HOOK})).json()
    answers["cms.example.com"] = ["127.0.0.1"]
    async with running(make_app(resolve=rebinding, webhook_max_attempts=2)) as client:
        final = await until(job_where(client, job["id"], delivered))
    assert final["webhook"]["state"] == "failed"
    assert "127.0.0.1" in final["webhook"]["log"][0]["error"]
    assert hook.call_count == 0


async def test_a_callback_needs_a_signing_secret(make_app: AppFactory) -> None:
    async with running(make_app(job_workers=0, webhook_secret=None)) as client:
        refused = await client.post("/v1/jobs", json={"text": ARTICLE, "callback_url": HOOK})
        polled = await client.post("/v1/jobs", json={"text": ARTICLE})
    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/callbacks-unavailable"
    assert polled.status_code == 202


@pytest.mark.parametrize(
    ("kwargs", "status", "slug"),
    [
        ({"json": {"text": "   "}}, 422, "invalid-article"),
        ({"json": {"callback_url": HOOK}}, 422, "invalid-request"),
        (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "malformed-body",
        ),
        (
            {
                "json": {"text": ARTICLE, "callback_url": HOOK},
                "params": {"callback_url": HOOK + "x"},
            },
            422,
            "invalid-request",
        ),
        (
            {"content": b"<html>", "headers": {"content-type": "image/png"}},
            415,
            "unsupported-media-type",
        ),
        (
            {"content": b"[" * 50_000, "headers": {"content-type": "application/json"}},
            400,
            "malformed-body",
        ),
        (
            {
                "json": {
                    "text": "Acme Bio raised $5 million on Tuesday.",
                    "published_at": "0001-01-01",
                }
            },
            422,
            "invalid-request",
        ),
    ],
)
async def test_a_bad_job_request_is_refused_at_once_and_nothing_is_queued(
    make_app: AppFactory, kwargs: dict[str, Any], status: int, slug: str
) -> None:
    app = make_app(job_workers=0)
    async with running(app) as client:
        response = await client.post("/v1/jobs", **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["type"] == f"/problems/{slug}"
    with app.state.service.store.database.connect() as conn:
        assert conn.execute(select(func.count()).select_from(jobs)).scalar() == 0


async def test_an_unknown_job_is_a_404_problem(make_app: AppFactory) -> None:
    async with running(make_app(job_workers=0)) as client:
        response = await client.get("/v1/jobs/j_nope")
    assert response.status_code == 404 and response.json()["type"] == "/problems/not-found"


async def test_a_bug_while_running_fails_the_job_as_internal_and_is_logged(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug with a secret in it")

    monkeypatch.setattr("service.http.job_runner.public_summary", broken)
    async with running(make_app()) as client:
        job = (await client.post("/v1/jobs", json={"text": ARTICLE})).json()
        final = await until(job_where(client, job["id"], lambda b: b["status"] == "failed"))
    assert final["problem"]["status"] == 500 and final["problem"]["type"] == "/problems/internal"
    assert "secret" not in json.dumps(final)
    assert final["attempts"] == 1  # not transient: not retried
    assert any("failed unexpectedly" in r.message and r.exc_info for r in caplog.records)


async def test_a_jobs_model_calls_show_its_failed_run_and_the_retry_that_succeeded(
    make_app: AppFactory, net: respx.MockRouter
) -> None:
    net.post(COMPLETIONS).mock(side_effect=[error(503), completion(VALID_ANSWER)])
    async with running(make_app(**LLM, transport_retries=0)) as client:
        job = (await client.post("/v1/jobs", json={"text": ARTICLE})).json()
        final = await until(job_where(client, job["id"], lambda b: b["status"] == "succeeded"))
    calls = final["model_calls"]
    assert [(c["outcome"], c["status"]) for c in calls] == [
        ("transport_error", 503),
        ("valid", 200),
    ]
