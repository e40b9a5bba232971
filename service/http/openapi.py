"""What the OpenAPI description says beyond what the routes declare: request bodies in
every form with examples, problem responses, the API key scheme, the job webhooks."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from service.formats import FORMATS, Format
from service.http.body import FIELDS_MEDIA_TYPE
from service.http.models import Problem
from service.http.problems import PROBLEM
from service.http.state import INCOMING_PARAMETERS

# Short made-up articles shipped with the package (not the seeds: an installed service
# has no repository around it), one per form the service reads.
EXAMPLES = Path(__file__).resolve().parent / "examples"


@cache
def _example(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


def _example_of(fmt: Format) -> Any:
    """A format's example (a made-up article shipped with the package), as sent."""
    if fmt.example is None:
        return None
    text = _example(fmt.example) if (EXAMPLES / fmt.example).exists() else fmt.example
    return json.loads(text) if fmt.json else text


def _json_examples(extra: dict[str, Any]) -> dict[str, Any]:
    """The JSON body in each of its forms: one example per format that has one."""
    examples = {}
    for fmt in FORMATS.values():
        example = _example_of(fmt)
        if example is None:
            continue
        summary = fmt.example_summary or fmt.label[:1].upper() + fmt.label[1:]
        value = {fmt.name: example} | dict(fmt.example_fields) | extra
        examples[fmt.name] = {"summary": summary, "value": value}
    return examples


# What each problem status means, whichever route sends it.
STATUS_MEANING = {
    400: "The body is not what its content type says, the engine asked for cannot run, or "
    "a list's query parameter (a date, sort, limit or cursor) cannot be used.",
    401: "No valid API key: send 'Authorization: Bearer <key>'.",
    404: "No such summary or job, or nothing stored for that product or organisation.",
    413: "The body is over the size limit (MILESTONES_MAX_BODY_BYTES).",
    415: "A content type or charset the service does not read.",
    422: "The request's fields or the article cannot be used (the detail says which); or "
    "an Idempotency-Key reused with another request; or a callback URL refused.",
    500: "An unexpected error (logged); the detail says nothing more.",
    502: "The model's output stayed invalid after its re-asks (the errors are listed), or "
    "the provider refused the request.",
    503: "The model provider or the store is unavailable, or the service is overloaded: "
    "retry after Retry-After seconds.",
    504: "The request's deadline passed.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem documents a route can answer with (500 always)."""
    return {
        s: {
            "model": Problem,
            "description": STATUS_MEANING[s],
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in sorted({*statuses, 500})
    }


# The article bodies the routes take, by name: described when the description is made
# (``describe``), so a format registered after the routes were declared is listed too.
_ARTICLE_BODIES: dict[str, tuple[type[BaseModel], dict[str, Any]]] = {}
ARTICLE_BODY = "x-milestones-article-body"


def article_body(fields: type[BaseModel], **example: Any) -> dict[str, Any]:
    """An article request body, for a route's ``openapi_extra``: JSON as ``fields``, or
    one format's content alone (every media type of every registered format)."""
    _ARTICLE_BODIES[fields.__name__] = (fields, example)
    return {"parameters": INCOMING_PARAMETERS, ARTICLE_BODY: fields.__name__}


def _request_body(fields: type[BaseModel], example: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = {
        FIELDS_MEDIA_TYPE: {
            "schema": fields.model_json_schema(),
            "examples": _json_examples(example),
        }
    }
    for fmt in FORMATS.values():
        schema = {"type": "object" if fmt.json else "string", "description": fmt.description}
        sample = _example_of(fmt)
        for media_type in fmt.media_types:
            content[media_type] = {"schema": schema} | (
                {"example": sample} if sample is not None else {}
            )
    return {"required": True, "content": content}


API_DESCRIPTION = """\
Turns news articles about advanced therapies (cell and gene therapies, ATMPs) into
grounded milestone summaries: every milestone quotes the article, and `evidence_span`
says where.

**Send** an article as JSON (`text`, `html` or `ninjs`, with your `id`, `url`,
`published_at`), or as a `text/plain`, `text/html` or `application/ninjs+json` body.
`POST /v1/summaries` answers at once (`POST /v2/summaries`: schema v2, each milestone
with its `details`); `POST /v1/jobs` answers `202` and POSTs the outcome
to your `callback_url`, signed per [Standard Webhooks](https://www.standardwebhooks.com/)
(see *Webhooks*).

**Authorise** with an API key as `Authorization: Bearer <key>` when the service has keys
(`MILESTONES_API_KEYS`).

**Errors** are [RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) problem documents
(`application/problem+json`): `type` is stable for code, `detail` says what to do.
Send an `Idempotency-Key` to retry a POST safely.
"""

TAGS = [
    {"name": "summaries", "description": "Summarise an article now, or read a summary back."},
    {"name": "reviews", "description": "Editors' verdicts, corrections and additions."},
    {"name": "jobs", "description": "Summarise in the background; the outcome by webhook."},
    {
        "name": "index",
        "description": "Milestones across articles: stored summaries, milestones and events "
        "(one milestone reported by several articles) listed, filtered, searched and "
        "downloaded (CSV, XLSX); a product's or organisation's timeline.",
    },
    {
        "name": "feeds",
        "description": "RSS and Atom feeds the service polls; each new item summarised.",
    },
    {
        "name": "searches",
        "description": "Saved searches and their alerts: webhook, Atom, iCalendar.",
    },
    {"name": "operations", "description": "Health, readiness and metrics, without a key."},
]

BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key from MILESTONES_API_KEYS. Needed when the service has keys "
    "(it refuses to listen beyond loopback without them, unless told to).",
}

WEBHOOK_HEADERS = {
    "webhook-id": "The message's id: the same on every retry of one delivery (deduplicate on it).",
    "webhook-timestamp": "Seconds since the epoch when this attempt was signed.",
    "webhook-signature": "v1,<base64 HMAC-SHA256 of '{webhook-id}.{webhook-timestamp}.{body}' "
    "with the key of MILESTONES_WEBHOOK_SECRET>; reject old timestamps.",
}


def webhook_parameters() -> list[dict[str, Any]]:
    """The Standard Webhooks headers every delivery carries."""
    return [
        {
            "name": name,
            "in": "header",
            "required": True,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, text in WEBHOOK_HEADERS.items()
    ]


def describe(spec: dict[str, Any]) -> dict[str, Any]:
    """Finish the generated description: the bearer scheme on every /v1 operation (none
    on the others), problem documents instead of FastAPI's default validation errors."""
    components = spec.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = BEARER
    for path, operations in spec.get("paths", {}).items():
        for operation in operations.values():
            body = operation.pop(ARTICLE_BODY, None)
            if body is not None:
                operation["requestBody"] = _request_body(*_ARTICLE_BODIES[body])
            operation["security"] = [{"bearer": []}] if path.startswith(("/v1/", "/v2/")) else []
            _problem_for_422(operation)
            for status, response in operation.get("responses", {}).items():
                if status.startswith(("4", "5")) and PROBLEM in response.get("content", {}):
                    response["content"] = {PROBLEM: response["content"][PROBLEM]}
    for operation in _operations(spec.get("webhooks", {})):
        operation["security"] = []
        _problem_for_422(operation, drop=True)
    schemas = components.get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return spec


def _operations(paths: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for item in paths.values() for op in item.values() if isinstance(op, dict)]


def _problem_for_422(operation: dict[str, Any], drop: bool = False) -> None:
    responses = operation.get("responses", {})
    answer = responses.get("422")
    if answer is None or "HTTPValidationError" not in json.dumps(answer):
        return
    if drop:
        del responses["422"]
        return
    responses["422"] = {
        "description": STATUS_MEANING[422],
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
