"""Errors mapped to HTTP responses, in one place: RFC 9457 problem documents.

Every error a client can meet is an ``application/problem+json`` document with a
``type``, ``title``, ``status`` and ``detail``; no traceback ever reaches a client. The
errors themselves are drawn as a tree in ``service/errors.py``; ``PROBLEMS`` below says,
for each, its status, type and title. An error takes the entry of the nearest class in
its ancestry; anything else is a bug, logged, and a 500 that details nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from service.errors import (
    BadQuery,
    CallbackRefused,
    CallbacksUnavailable,
    ConfigurationError,
    CrossOrigin,
    DeadlineExceeded,
    EngineUnavailable,
    ExtractionFailed,
    FetchFailed,
    FetchRefused,
    FetchUnavailable,
    FormRefused,
    HostNotAllowed,
    IdempotencyKeyReused,
    InputError,
    InvalidRequest,
    JobInterrupted,
    MalformedBody,
    MilestonesError,
    NotFound,
    OutputIncomplete,
    Overloaded,
    PayloadTooLarge,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    Unauthorized,
    UnknownChoice,
    UnsupportedMediaType,
)
from service.metrics import Metrics
from service.validate import describe_problems

log = logging.getLogger("milestones.http")
PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Problem:
    """How an error shows over HTTP: status, type (a slug) and title; ``listed``: its
    ``errors`` are appended to the detail too; ``headers``: sent with it."""

    status: int
    slug: str
    title: str
    listed: bool = False
    headers: tuple[tuple[str, str], ...] = ()


PROBLEMS: dict[type[MilestonesError], Problem] = {
    MalformedBody: Problem(400, "malformed-body", "Malformed body"),
    BadQuery: Problem(400, "bad-query", "Bad query parameter"),
    EngineUnavailable: Problem(400, "engine-unavailable", "Engine unavailable"),
    Unauthorized: Problem(
        401, "unauthorized", "Unauthorized", headers=(("WWW-Authenticate", "Bearer"),)
    ),
    CrossOrigin: Problem(403, "cross-origin", "Cross-origin request refused"),
    FormRefused: Problem(403, "form-refused", "Form refused"),
    NotFound: Problem(404, "not-found", "Not found"),
    HostNotAllowed: Problem(421, "host-not-allowed", "Host not allowed"),
    PayloadTooLarge: Problem(413, "payload-too-large", "Payload too large"),
    UnsupportedMediaType: Problem(415, "unsupported-media-type", "Unsupported media type"),
    InvalidRequest: Problem(422, "invalid-request", "Invalid request"),
    UnknownChoice: Problem(422, "invalid-request", "Invalid request"),
    IdempotencyKeyReused: Problem(422, "idempotency-key-reused", "Idempotency-Key reused"),
    CallbackRefused: Problem(422, "invalid-callback-url", "Callback URL refused"),
    CallbacksUnavailable: Problem(422, "callbacks-unavailable", "Callbacks unavailable"),
    FetchRefused: Problem(422, "fetch-refused", "URL refused"),
    FetchFailed: Problem(422, "fetch-failed", "Page could not be fetched"),
    FetchUnavailable: Problem(502, "fetch-unavailable", "Page unavailable"),
    InputError: Problem(422, "invalid-article", "Invalid article"),
    OutputIncomplete: Problem(
        502, "incomplete-model-output", "Incomplete model output", listed=True
    ),
    ExtractionFailed: Problem(502, "invalid-model-output", "Invalid model output", listed=True),
    ProviderRejected: Problem(502, "provider-rejected", "Provider rejected the request"),
    ProviderError: Problem(502, "provider-error", "Provider error"),
    ProviderUnavailable: Problem(503, "provider-unavailable", "Provider unavailable"),
    Overloaded: Problem(503, "overloaded", "Overloaded"),
    ConfigurationError: Problem(503, "unavailable", "Service unavailable"),
    DeadlineExceeded: Problem(504, "deadline", "Deadline exceeded"),
    JobInterrupted: Problem(500, "job-interrupted", "Job interrupted"),
}
INTERNAL = Problem(500, "internal", "Internal error")


@dataclass(frozen=True)
class ProblemDocument:
    """A problem document and the headers that go with it."""

    status: int
    body: dict[str, object]
    headers: dict[str, str] | None = None

    def response(self) -> JSONResponse:
        return JSONResponse(
            self.body, status_code=self.status, headers=self.headers, media_type=PROBLEM
        )


def document(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    errors: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemDocument:
    """A problem document."""
    body: dict[str, object] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return ProblemDocument(status, body, headers)


def problem_of(error: BaseException) -> Problem:
    """The table's entry for ``error``: that of the nearest class in its ancestry."""
    for cls in type(error).__mro__:
        found = PROBLEMS.get(cls)
        if found is not None:
            return found
    return INTERNAL


def for_error(error: BaseException, retry_after_default: int) -> ProblemDocument:
    """The problem document for an error (a bug's is one that details nothing)."""
    problem = problem_of(error)
    if problem is INTERNAL:
        detail = "an unexpected error; it has been logged"
        return document(problem.status, problem.slug, problem.title, detail)
    assert isinstance(error, MilestonesError)
    errors: list[str] | None = getattr(error, "errors", None)
    detail = error.detail
    if problem.listed and errors:
        detail = f"{detail}: {'; '.join(errors)}"
    headers = dict(problem.headers)
    if isinstance(error, (ProviderUnavailable, Overloaded)):
        seconds = error.retry_after if error.retry_after is not None else retry_after_default
        headers["Retry-After"] = str(max(1, round(seconds)))
    return document(
        problem.status, problem.slug, problem.title, detail, errors=errors, headers=headers or None
    )


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """The methods some route answers at the request's path (a path can have several
    routes, one per method)."""
    allowed = []
    for method in METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def install(app: FastAPI, metrics: Metrics, retry_after_default: int) -> None:
    """Register the handlers that turn every error into a problem document."""

    async def on_domain_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, MilestonesError)
        metrics.errors.labels(error.kind).inc()
        return for_error(error, retry_after_default).response()

    async def on_validation_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        metrics.errors.labels("invalid_request").inc()
        errors = describe_problems(error.errors(), "body")
        detail = "; ".join(errors)
        return document(422, "invalid-request", "Invalid request", detail, errors=errors).response()

    async def on_http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        slug = {400: "malformed-body", 404: "not-found", 405: "method-not-allowed"}.get(
            error.status_code, "http-error"
        )
        metrics.errors.labels(slug.replace("-", "_")).inc()
        headers = dict(error.headers) if error.headers else {}
        if error.status_code == 405:  # every method of the path, not only one route's
            headers["Allow"] = ", ".join(allowed_methods(request))
        return document(
            error.status_code, slug, str(error.detail), str(error.detail), headers=headers or None
        ).response()

    async def on_unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=error)
        metrics.errors.labels("internal").inc()
        return for_error(error, retry_after_default).response()

    app.add_exception_handler(MilestonesError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
