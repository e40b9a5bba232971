"""The request guard: a service without keys answers loopback names only (no DNS
rebinding), no browser write from another origin is read, and no URL holds NUL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.app import create_app
from service.http.guard import host_name, is_loopback
from service.settings import Settings

ARTICLE = "Acme Bio said the FDA has granted Orphan Drug Designation to AB-101."


@pytest.fixture
async def make_client(tmp_path: Path) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    apps: list[FastAPI] = []

    def make(**settings: Any) -> httpx.AsyncClient:
        fields = {"engine": "rules", "database_url": f"sqlite:///{tmp_path}/store.sqlite3"}
        app = create_app(Settings(**(fields | settings)))
        apps.append(app)
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
        )

    yield make
    for app in apps:
        await app.state.service.aclose()


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("127.0.0.1:8000", "127.0.0.1"),
        ("[::1]:8000", "::1"),
        ("LocalHost", "localhost"),
        ("news.example", "news.example"),
        ("::1", "::1"),
    ],  # fmt: skip
)
def test_a_host_header_is_read_without_its_port(host: str, name: str) -> None:
    assert host_name(host) == name


def test_loopback_names_are_those_that_can_only_mean_this_machine() -> None:
    assert all(map(is_loopback, ["localhost", "app.localhost", "127.0.0.1", "127.8.0.1", "::1"]))
    assert not any(map(is_loopback, ["evil.test", "localhost.evil.test", "10.0.0.1", "0.0.0.0"]))


async def test_an_open_service_answers_only_to_loopback_names_and_those_configured(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    async with make_client() as client:
        for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "app.localhost"):
            answer = await client.get("/v1/summaries", headers={"host": host})
            assert answer.status_code == 200, host
        # A name a DNS-rebinding page points at 127.0.0.1: nothing read, nothing written.
        for method in ("GET", "POST"):
            answer = await client.request(
                method, "/v1/summaries", json={"text": ARTICLE}, headers={"host": "evil.test"}
            )
            assert answer.status_code == 421 and "MILESTONES_ALLOWED_HOSTS" in answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
        assert (await client.get("/v1/summaries")).json()["items"] == []
    async with make_client(allowed_hosts="news.example") as client:
        assert (await client.get("/", headers={"host": "news.example"})).status_code == 200
        assert (await client.get("/", headers={"host": "evil.test"})).status_code == 421


async def test_with_keys_any_host_is_answered_unless_hosts_are_listed(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    key = {"authorization": "Bearer k1"}
    async with make_client(api_keys="alice:k1") as client:
        answer = await client.get("/v1/summaries", headers=key | {"host": "news.example"})
        assert answer.status_code == 200
    async with make_client(api_keys="alice:k1", allowed_hosts="news.example") as client:
        answer = await client.get("/v1/summaries", headers=key | {"host": "other.example"})
        assert answer.status_code == 421


async def test_a_cross_site_simple_post_to_an_open_service_is_refused(
    make_client: Callable[..., httpx.AsyncClient],
) -> None:
    async with make_client() as client:
        # <form enctype="text/plain" action="http://127.0.0.1:8000/v1/summaries">
        for headers in (
            {"sec-fetch-site": "cross-site", "origin": "https://evil.test"},
            {"origin": "https://evil.test"},  # a browser without Sec-Fetch-Site
        ):
            answer = await client.post(
                "/v1/summaries", content=ARTICLE, headers={"content-type": "text/plain"} | headers
            )
            assert answer.status_code == 403, headers
        assert (await client.get("/v1/summaries")).json()["items"] == []
        # a client that is not a browser (curl, a CMS) sends neither header: answered
        plain = {"content-type": "text/plain"}
        assert (await client.post("/v1/summaries", content=ARTICLE, headers=plain)).is_success
        # and reads are not writes: a cross-site GET of a page is answered as any link is
        assert (await client.get("/", headers={"sec-fetch-site": "cross-site"})).is_success


@pytest.mark.parametrize(
    "path",
    [
        "/v1/summaries/s_%00",
        "/v1/jobs/j_%00",
        "/v1/milestones?jurisdiction=%00",
        "/milestones?q=a%00b",
        "/organisations/a%00",
    ],  # fmt: skip
)
async def test_a_url_holding_nul_is_a_400_saying_so(
    make_client: Callable[..., httpx.AsyncClient], path: str
) -> None:
    async with make_client() as client:
        answer = await client.get(path)
        assert answer.status_code == 400 and "NUL" in answer.json()["detail"]
