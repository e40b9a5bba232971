"""Errors of the milestones pipeline.

    MilestonesError
    ├── InputError                 the article cannot be summarised as sent
    ├── ConfigurationError         the service is not set up to do what was asked
    ├── ExtractionFailed           the model's output stayed invalid after its re-asks
    ├── ProviderError              the model provider did not give a usable answer
    │   ├── ProviderUnavailable    unreachable, overloaded or rate-limited, after retries
    │   └── ProviderRejected       it refused the request (bad key, unknown model …)
    ├── DeadlineExceeded           the article's overall deadline passed
    └── Overloaded                 no model-call slot freed up in time

Every error has a ``kind`` (a stable short name for logs, metrics and error files) and a
``detail`` written for the person who will read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas import TokenUsage


class MilestonesError(Exception):
    """Base of every error the pipeline raises on purpose."""

    kind = "error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InputError(MilestonesError):
    """The article cannot be summarised as sent (empty, not text, too large …)."""

    kind = "bad_input"


class ConfigurationError(MilestonesError):
    """The service is not set up to do what was asked (no model configured …)."""

    kind = "configuration"


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


class ProviderError(_CostlyError):
    """The model provider did not give a usable answer."""

    kind = "provider_error"


class ProviderUnavailable(ProviderError):
    """The provider was unreachable, overloaded or rate-limiting, after every retry."""

    kind = "provider_unavailable"

    def __init__(
        self, detail: str, spent: Spent | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(detail, spent)
        self.retry_after = retry_after


class ProviderRejected(ProviderError):
    """The provider refused the request (bad key, unknown model, request too large …)."""

    kind = "provider_rejected"


class DeadlineExceeded(_CostlyError):
    """The article's overall deadline passed before a valid answer came."""

    kind = "deadline"


class Overloaded(MilestonesError):
    """Every model-call slot stayed busy for longer than the queue may wait."""

    kind = "overloaded"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class JobInterrupted(MilestonesError):
    """A job whose runs were cut short again and again (its replicas died running it)."""

    kind = "job_interrupted"
