"""Errors mapped to HTTP responses, in one place: RFC 9457 problem documents.

Every error a client can meet is a ``application/problem+json`` document with a
``type``, ``title``, ``status`` and ``detail``; no traceback ever reaches a client.

    status  type                      raised for
    400     malformed-body            not JSON, not UTF-8, JSON that is not an object
    400     engine-unavailable        ?engine=llm with no model configured
    401     unauthorized              no or a wrong API key
    404     not-found                 unknown summary or job id, or route
    405     method-not-allowed
    413     payload-too-large         body over MILESTONES_MAX_BODY_BYTES
    415     unsupported-media-type    not application/json or text/plain
    422     invalid-request           wrong fields or types (errors listed)
    422     invalid-article           empty, white space only, or only boilerplate
    422     idempotency-key-reused    an Idempotency-Key sent again with another request
    422     invalid-callback-url      not https, or not a public address (SSRF)
    422     callbacks-unavailable     a callback_url, and no MILESTONES_WEBHOOK_SECRET set
    502     invalid-model-output      the model's output stayed invalid (errors listed)
    502     provider-rejected         the model provider refused the request
    503     provider-unavailable      the provider stayed down (Retry-After when known)
    503     overloaded                no model-call slot freed in time (Retry-After)
    503     unavailable               the store or configuration is not usable
    504     deadline                  the request's deadline passed
    500     job-interrupted           a job's runs were cut short too often (job only)
    500     internal                  a bug: logged, never detailed to the client
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import (
    ConfigurationError,
    DeadlineExceeded,
    ExtractionFailed,
    InputError,
    JobInterrupted,
    MilestonesError,
    Overloaded,
    ProviderRejected,
    ProviderUnavailable,
)
from service.jobs.callbacks import CallbackRefused
from service.metrics import Metrics

log = logging.getLogger("milestones.http")
PROBLEM = "application/problem+json"


class HTTPProblem(MilestonesError):
    """An error that is about the HTTP request itself."""

    status = 400
    slug = "bad-request"
    title = "Bad request"


class MalformedBody(HTTPProblem, InputError):
    """The body is not what its content type says."""

    kind = "malformed_body"
    slug = "malformed-body"
    title = "Malformed body"


class EngineUnavailable(HTTPProblem):
    """The engine asked for cannot run here."""

    kind = "engine_unavailable"
    slug = "engine-unavailable"
    title = "Engine unavailable"


class Unauthorized(HTTPProblem):
    """No valid API key."""

    kind = "unauthorized"
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"


class NotFound(HTTPProblem):
    kind = "not_found"
    status = 404
    slug = "not-found"
    title = "Not found"


class PayloadTooLarge(HTTPProblem, InputError):
    kind = "payload_too_large"
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(HTTPProblem, InputError):
    kind = "unsupported_media_type"
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class IdempotencyKeyReused(HTTPProblem):
    """An Idempotency-Key sent again with another request."""

    kind = "idempotency_key_reused"
    status = 422
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused"


class CallbacksUnavailable(HTTPProblem):
    """A job asked for a callback, and the service has no webhook secret to sign it."""

    kind = "callbacks_unavailable"
    status = 422
    slug = "callbacks-unavailable"
    title = "Callbacks unavailable"


class InvalidRequest(HTTPProblem, InputError):
    """The JSON body's fields are wrong; ``errors`` lists them."""

    kind = "invalid_request"
    status = 422
    slug = "invalid-request"
    title = "Invalid request"

    def __init__(self, detail: str, errors: list[str]) -> None:
        super().__init__(detail)
        self.errors = errors


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

    @property
    def transient(self) -> bool:
        """Whether the same request may succeed later (503, 504)."""
        return self.status in (503, 504)


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


def _retry_after(seconds: float | None, default: int) -> dict[str, str]:
    return {"Retry-After": str(max(1, round(seconds if seconds is not None else default)))}


def for_error(error: BaseException, retry_after_default: int) -> ProblemDocument:
    """The problem document for an error (a bug's is one that details nothing)."""
    if not isinstance(error, MilestonesError):
        return document(
            500, "internal", "Internal error", "an unexpected error; it has been logged"
        )
    detail = error.detail
    if isinstance(error, HTTPProblem):
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
        errors = error.errors if isinstance(error, InvalidRequest) else None
        return document(
            error.status, error.slug, error.title, detail, errors=errors, headers=headers
        )
    if isinstance(error, CallbackRefused):
        return document(422, "invalid-callback-url", "Callback URL refused", detail)
    if isinstance(error, InputError):
        return document(422, "invalid-article", "Invalid article", detail)
    if isinstance(error, ExtractionFailed):
        listed = f"{detail}: {'; '.join(error.errors)}" if error.errors else detail
        return document(
            502, "invalid-model-output", "Invalid model output", listed, errors=error.errors
        )
    if isinstance(error, ProviderRejected):
        return document(502, "provider-rejected", "Provider rejected the request", detail)
    if isinstance(error, ProviderUnavailable):
        headers = _retry_after(error.retry_after, retry_after_default)
        return document(
            503, "provider-unavailable", "Provider unavailable", detail, headers=headers
        )
    if isinstance(error, Overloaded):
        headers = _retry_after(error.retry_after, retry_after_default)
        return document(503, "overloaded", "Overloaded", detail, headers=headers)
    if isinstance(error, DeadlineExceeded):
        return document(504, "deadline", "Deadline exceeded", detail)
    if isinstance(error, JobInterrupted):
        return document(500, "job-interrupted", "Job interrupted", detail)
    if isinstance(error, ConfigurationError):
        return document(503, "unavailable", "Service unavailable", detail)
    return document(500, "internal", "Internal error", "an unexpected error; it has been logged")


def install(app: FastAPI, metrics: Metrics, retry_after_default: int) -> None:
    """Register the handlers that turn every error into a problem document."""

    async def on_domain_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, MilestonesError)
        metrics.errors.labels(error.kind).inc()
        return for_error(error, retry_after_default).response()

    async def on_validation_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        metrics.errors.labels("invalid_request").inc()
        errors = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        detail = "; ".join(errors)
        return document(422, "invalid-request", "Invalid request", detail, errors=errors).response()

    async def on_http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        slug = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http-error")
        metrics.errors.labels(slug.replace("-", "_")).inc()
        return document(
            error.status_code,
            slug,
            str(error.detail),
            str(error.detail),
            headers=dict(error.headers) if error.headers else None,
        ).response()

    async def on_unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=error)
        metrics.errors.labels("internal").inc()
        return for_error(error, retry_after_default).response()

    app.add_exception_handler(MilestonesError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
