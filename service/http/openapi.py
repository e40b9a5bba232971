"""What the OpenAPI page says of request bodies and problem responses, shared by routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from service.http.models import Problem
from service.http.problems import PROBLEM
from service.http.state import INCOMING_PARAMETERS

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def _seed_examples(extra: dict[str, Any]) -> dict[str, Any]:
    """Request examples taken from the seed articles, when present."""
    examples: dict[str, Any] = {}
    for path in sorted(SEEDS.glob("*.txt"))[:3]:
        text = path.read_text(encoding="utf-8")
        value = {"text": text, "source": path.name} | extra
        examples[path.stem] = {"summary": path.name, "value": value}
    return examples


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
                    "examples": _seed_examples(example),
                },
                "text/plain": {
                    "schema": {"type": "string"},
                    "example": "Acme Bio raised $10 million.",
                },
                "text/html": {"schema": {"type": "string"}},
                "application/ninjs+json": {
                    "schema": {"type": "object", "description": "An IPTC ninjs document."}
                },
            },
        },
    }
