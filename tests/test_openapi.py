"""The OpenAPI description: what a CMS developer reads before the first request."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.app import create_app
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
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
    ) as c:
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
        "application/xhtml+xml",  # every media type the body reader takes
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


def undescribed(spec: dict[str, Any]) -> tuple[int, list[str]]:
    """Every schema property in the description, and those without a description."""
    total, missing = 0, []

    def walk(node: Any, where: str) -> None:
        nonlocal total
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                total += 1
                if not (isinstance(prop, dict) and prop.get("description")):
                    missing.append(f"{where}.{name}")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(spec, "")
    return total, missing


def test_every_schema_property_has_a_description(spec: dict[str, Any]) -> None:
    total, missing = undescribed(spec)
    assert total > 80 and missing == [], f"{len(missing)} of {total} undescribed: {missing}"


def test_the_milestone_kinds_are_explained_where_a_reader_meets_them(
    spec: dict[str, Any],
) -> None:
    kind = spec["components"]["schemas"]["Milestone"]["properties"]["kind"]
    assert "trial_authorisation" in kind["description"]
    assert set(kind["enum"]) >= {"designation", "funding", "other"}


def test_the_v1_operations_ask_for_the_bearer_key_and_the_probes_do_not(
    spec: dict[str, Any],
) -> None:
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"],
    }
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            keyed = path.startswith(("/v1/", "/v2/"))
            expected = [{"bearer": []}] if keyed else []
            assert operation["security"] == expected, path
            if keyed:
                assert "401" in operation["responses"], path


def test_every_operation_documents_its_problem_documents(spec: dict[str, Any]) -> None:
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            responses = operation["responses"]
            assert "500" in responses, path
            for status, response in responses.items():
                assert response["description"], (path, status)
                if status.startswith(("4", "5")):
                    content = response["content"]
                    assert list(content) == ["application/problem+json"], (path, status)
    assert "HTTPValidationError" not in json.dumps(spec)
    assert "503" in spec["paths"]["/readyz"]["get"]["responses"]


def test_metrics_are_documented_as_prometheus_text(spec: dict[str, Any]) -> None:
    ok = spec["paths"]["/metrics"]["get"]["responses"]["200"]
    assert list(ok["content"]) == ["text/plain"]
    assert "Prometheus" in ok["description"]


def test_the_job_webhooks_are_described_with_their_signature_headers(
    spec: dict[str, Any],
) -> None:
    assert set(spec["webhooks"]) == {"job.succeeded", "job.failed"}
    for hook in spec["webhooks"].values():
        post = hook["post"]
        headers = {p["name"] for p in post["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        body = post["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/WebhookEvent"}
        assert "Standard Webhooks" in post["description"]
    event = spec["components"]["schemas"]["WebhookEvent"]["properties"]
    assert set(event["type"]["enum"]) == {"job.succeeded", "job.failed"}


async def test_the_docs_pages_load_their_assets_from_the_service(
    client: httpx.AsyncClient,
) -> None:
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = (await client.get(page)).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/") for s in sources), sources
        assert f"/docs/assets/{asset}" in sources
        for source in sources:
            assert (await client.get(source)).status_code == 200, source
    assert "fonts.googleapis" not in (await client.get("/redoc")).text
