"""The OpenAPI description: what a CMS developer reads before the first request."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.http.app import create_app
from service.settings import Settings


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    application = create_app(
        Settings(engine="rules", database_url=f"sqlite:///{tmp_path}/store.sqlite3")
    )
    yield application
    await application.state.service.aclose()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


@pytest.fixture
def spec(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def body_examples(spec: dict[str, Any], path: str) -> list[tuple[str, str, Any]]:
    """(media type, example name, value) for every example of a route's request body."""
    content = spec["paths"][path]["post"]["requestBody"]["content"]
    found = []
    for media_type, entry in content.items():
        if "example" in entry:
            found.append((media_type, "example", entry["example"]))
        for name, example in entry.get("examples", {}).items():
            found.append((media_type, name, example["value"]))
    return found


def test_every_form_of_article_has_an_example(spec: dict[str, Any]) -> None:
    examples = body_examples(spec, "/v1/summaries")
    assert {media for media, _, _ in examples} == {
        "application/json",
        "text/plain",
        "text/html",
        "application/ninjs+json",
    }
    forms = {
        next(iter({"text", "html", "ninjs"} & set(v)))
        for m, _, v in examples
        if m == "application/json"
    }
    assert forms == {"text", "html", "ninjs"}
    jobs = body_examples(spec, "/v1/jobs")
    assert all("callback_url" in v for m, _, v in jobs if m == "application/json")


async def test_every_example_is_summarised_with_milestones(
    spec: dict[str, Any], client: httpx.AsyncClient
) -> None:
    """The examples are articles the service reads, not placeholders."""
    for media_type, name, value in body_examples(spec, "/v1/summaries"):
        content = value if isinstance(value, str) else json.dumps(value)
        response = await client.post(
            "/v1/summaries", content=content, headers={"content-type": media_type}
        )
        assert response.status_code == 200, (media_type, name, response.text)
        assert response.json()["summary"]["milestones"], (media_type, name)
