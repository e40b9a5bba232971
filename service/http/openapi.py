"""What the OpenAPI page says of request bodies and problem responses, shared by routes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from service.http.models import Problem
from service.http.problems import PROBLEM
from service.http.state import INCOMING_PARAMETERS

# Short made-up articles shipped with the package (not the seeds: an installed service
# has no repository around it), one per form the service reads.
EXAMPLES = Path(__file__).resolve().parent / "examples"


@cache
def _example(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


def _json_examples(extra: dict[str, Any]) -> dict[str, Any]:
    """The JSON body in each of its forms: text, an HTML page, a ninjs document."""
    ninjs = json.loads(_example("article.ninjs.json"))
    return {
        "text": {
            "summary": "Plain text, with the caller's id and date",
            "value": {
                "text": _example("article.txt"),
                "id": "cms-1042",
                "published_at": "2026-03-03",
            }
            | extra,
        },
        "html": {
            "summary": "An HTML page (its main text is extracted; page chrome is dropped)",
            "value": {
                "html": _example("article.html"),
                "url": "https://news.example.com/harbor-gene-series-a",
            }
            | extra,
        },
        "ninjs": {
            "summary": "An IPTC ninjs document",
            "value": {"ninjs": ninjs, "source": "Example Wire"} | extra,
        },
    }


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem documents a route can answer with."""
    return {
        s: {"model": Problem, "content": {PROBLEM: {"schema": Problem.model_json_schema()}}}
        for s in statuses
    }


def article_body(fields: type[BaseModel], **example: Any) -> dict[str, Any]:
    """An article request body: JSON as ``fields``, or plain text, HTML or ninjs alone."""
    return {
        "parameters": INCOMING_PARAMETERS,
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": fields.model_json_schema(),
                    "examples": _json_examples(example),
                },
                "text/plain": {
                    "schema": {"type": "string", "description": "The article as plain text."},
                    "example": _example("article.txt"),
                },
                "text/html": {
                    "schema": {"type": "string", "description": "The article's HTML page."},
                    "example": _example("article.html"),
                },
                "application/ninjs+json": {
                    "schema": {"type": "object", "description": "An IPTC ninjs document."},
                    "example": json.loads(_example("article.ninjs.json")),
                },
            },
        },
    }
