"""Every error the service raises on purpose, in one tree.

    MilestonesError
    ├── InputError                   the article or request cannot be used as sent
    │   ├── MalformedBody            a body that is not what its content type says
    │   ├── UnusableJSON             JSON invalid, nested too deep, or holding what no
    │   │                            text can (a lone surrogate, a number too long)
    │   ├── InvalidRequest           a request's fields are wrong (listed)
    │   ├── BadQuery                 a list's filter, sort, limit or cursor unusable
    │   │   └── UnknownChoice        a kind or status that does not exist
    │   ├── PayloadTooLarge          a body over the size limit
    │   ├── UnsupportedMediaType     a content type or charset not accepted
    │   ├── CallbackRefused          a callback URL the service will not call (SSRF)
    │   ├── FetchRefused             a page or feed URL the service will not fetch (SSRF)
    │   └── FetchFailed              the page or feed could not be fetched or read as one
    │       └── FetchUnavailable     unreachable, timed out or failing (transient)
    ├── RequestRefused               the request itself is refused
    │   ├── Unauthorized             no valid API key
    │   ├── CrossOrigin              a browser's write sent from another site or origin
    │   ├── FormRefused              a page's form without its valid CSRF token
    │   ├── HostNotAllowed           a Host this service does not answer to (rebinding)
    │   ├── NotFound                 no such summary, job, route, product or organisation
    │   ├── IdempotencyKeyReused     a key sent again with another request
    │   ├── CallbacksUnavailable     a callback asked for, and no signing secret set
    │   └── EngineUnavailable        the engine asked for cannot run here
    ├── ConfigurationError           the service is not set up to do what was asked
    │   ├── InvalidSettings          environment variables with values not accepted
    │   ├── PromptError              a prompt folder is missing, malformed or ungrounded
    │   └── StoreUnavailable         the database cannot be reached or used (transient)
    ├── ExtractionFailed             the model's output stayed invalid after its re-asks
    │   └── OutputIncomplete         the answer was cut off at the output token budget
    ├── ProviderError                the model provider did not give a usable answer
    │   ├── ProviderUnavailable      unreachable, overloaded or rate-limited (transient)
    │   └── ProviderRejected         it refused the request (bad key, unknown model …)
    ├── DeadlineExceeded             the deadline passed (transient)
    ├── Overloaded                   no model-call slot freed up in time (transient)
    └── JobInterrupted               a job's runs were cut short again and again

Every error has a ``kind`` (a stable short name for logs, metrics and error files), a
``detail`` written for the person who will read it, and ``transient``: whether the same
request may succeed later (a job is retried on that, and only on that). How each maps to
an HTTP problem document is one table, in ``service/http/problems.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas import TokenUsage


class MilestonesError(Exception):
    """Base of every error the service raises on purpose."""

    kind = "error"
    transient = False

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InputError(MilestonesError):
    """The article or request cannot be used as sent (empty, not text, too large …)."""

    kind = "bad_input"


class MalformedBody(InputError):
    """A body that is not what its content type says (not JSON, not UTF-8 …)."""

    kind = "malformed_body"


class UnusableJSON(MalformedBody):
    """JSON that is invalid, nested too deep, or holds what no text can."""


class InvalidRequest(InputError):
    """A request's fields are wrong; ``errors`` lists them."""

    kind = "invalid_request"

    def __init__(self, detail: str, errors: list[str]) -> None:
        super().__init__(detail)
        self.errors = errors


class BadQuery(InputError):
    """A list's query parameter that cannot be used (a filter, sort, limit or cursor)."""

    kind = "bad_query"


class UnknownChoice(BadQuery):
    """A filter naming a milestone kind or status that does not exist (422, as the API's
    own check of its parameters answers, on the pages and the command line alike)."""

    kind = "unknown_choice"


class PayloadTooLarge(InputError):
    """A body over the size limit."""

    kind = "payload_too_large"


class UnsupportedMediaType(InputError):
    """A content type or charset the service does not read."""

    kind = "unsupported_media_type"


class CallbackRefused(InputError):
    """A callback URL the service will not call."""

    kind = "callback_refused"


class FetchRefused(InputError):
    """A page or feed URL the service will not fetch (not https, not public …)."""

    kind = "fetch_refused"


class FetchFailed(InputError):
    """The page or feed at a URL could not be had as one: an answer of 4xx, over the size
    limit, too many redirects, not a format the service reads."""

    kind = "fetch_failed"


class FetchUnavailable(FetchFailed):
    """The page's server could not be reached, timed out or answered 5xx: it may answer
    later."""

    kind = "fetch_unavailable"
    transient = True


class RequestRefused(MilestonesError):
    """The request is refused as such (who sent it, what it names, what it asks for)."""

    kind = "refused"


class Unauthorized(RequestRefused):
    """No valid API key."""

    kind = "unauthorized"


class CrossOrigin(RequestRefused):
    """A browser sent a write (a form, a fetch) from a page of another origin."""

    kind = "cross_origin"


class FormRefused(RequestRefused):
    """A page's form without its security token (CSRF), or with a stale one."""

    kind = "form_refused"


class HostNotAllowed(RequestRefused):
    """A request addressed to a host name this service does not answer to."""

    kind = "host_not_allowed"


class NotFound(RequestRefused):
    """No summary, job or route by that name."""

    kind = "not_found"


class IdempotencyKeyReused(RequestRefused):
    """An Idempotency-Key sent again with another request."""

    kind = "idempotency_key_reused"

    def __init__(
        self, detail: str = "this Idempotency-Key was used with another request: use a new key"
    ) -> None:
        super().__init__(detail)


class CallbacksUnavailable(RequestRefused):
    """A job asked for a callback, and the service has no secret to sign it with."""

    kind = "callbacks_unavailable"


class EngineUnavailable(RequestRefused):
    """The engine asked for cannot run here (``?engine=llm`` with no model set up)."""

    kind = "engine_unavailable"


class ConfigurationError(MilestonesError):
    """The service is not set up to do what was asked (no model configured …)."""

    kind = "configuration"


class InvalidSettings(ConfigurationError):
    """Settings with values not accepted; ``problems`` has one line per variable, naming
    it, the value given and what is accepted."""

    kind = "invalid_settings"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class PromptError(ConfigurationError):
    """A prompt folder is missing, malformed, or its examples are not grounded."""

    kind = "prompt"


class StoreUnavailable(ConfigurationError):
    """The database cannot be reached or used."""

    kind = "store_unavailable"
    transient = True


@dataclass
class Spent:
    """What the model requests for one article cost so far."""

    usage: TokenUsage = field(default_factory=TokenUsage.zero)
    attempts: int = 0
    requests: int = 0


class _CostlyError(MilestonesError):
    """An error after model requests were made: it carries what they cost."""

    def __init__(self, detail: str, spent: Spent | None = None) -> None:
        super().__init__(detail)
        spent = spent or Spent()
        self.usage = spent.usage
        self.attempts = spent.attempts
        self.requests = spent.requests


class ExtractionFailed(_CostlyError):
    """The model's output stayed invalid after its re-asks; ``errors`` are the last ones."""

    kind = "invalid_output"

    def __init__(self, detail: str, errors: list[str], spent: Spent | None = None) -> None:
        super().__init__(detail, spent)
        self.errors = errors


class OutputIncomplete(ExtractionFailed):
    """The answer stopped at the output token budget: asking again with the same budget
    would only cut it again, so it is reported at once."""

    kind = "incomplete_output"


class ProviderError(_CostlyError):
    """The model provider did not give a usable answer."""

    kind = "provider_error"


class ProviderUnavailable(ProviderError):
    """The provider was unreachable, overloaded or rate-limiting, after every retry."""

    kind = "provider_unavailable"
    transient = True

    def __init__(
        self, detail: str, spent: Spent | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail, spent)
        self.retry_after = retry_after


class ProviderRejected(ProviderError):
    """The provider refused the request (bad key, unknown model, request too large …)."""

    kind = "provider_rejected"


class DeadlineExceeded(_CostlyError):
    """The deadline passed before a valid answer came."""

    kind = "deadline"
    transient = True


class Overloaded(MilestonesError):
    """Every model-call slot stayed busy for longer than the queue may wait."""

    kind = "overloaded"
    transient = True

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class JobInterrupted(MilestonesError):
    """A job whose runs were cut short again and again (its replicas died running it)."""

    kind = "job_interrupted"
