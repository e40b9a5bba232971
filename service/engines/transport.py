"""Transport retries for model requests, with tenacity.

Retried: 429, 5xx (and 408/409), timeouts and connection errors, with exponential
backoff and full jitter, or exactly the server's ``Retry-After`` when it sends one
(capped). The openai client's own retries are off, so the two never multiply. A
retry never repeats a request that got an answer: re-asks are the caller's business.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from schemas import TokenUsage
from service.calls import Call
from service.errors import ProviderRejected, ProviderUnavailable, Spent

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class RequestGate(Protocol):
    """Paces model requests (a bulk run's rate limiter): asked before each request, told
    after it whether the provider rate-limited it."""

    async def acquire(self) -> None:
        """Wait until a request may be sent."""

    def release(self, rate_limited: bool, retry_after: float | None, tokens: int) -> None:
        """The request is over: whether it got a 429 (and its Retry-After), tokens used."""


_RETRYABLE_STATUS = frozenset({408, 409, 429})


@dataclass
class Ledger:
    """What the model requests for one article have cost so far."""

    requests: int = 0
    answers: int = 0
    usage: TokenUsage = field(default_factory=TokenUsage.zero)

    def add_usage(self, prompt: int, completion: int, total: int) -> None:
        self.usage = self.usage + TokenUsage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=total
        )

    def spent(self, attempts: int | None = None) -> Spent:
        return Spent(self.usage, self.answers if attempts is None else attempts, self.requests)


def is_retryable(error: BaseException) -> bool:
    """Whether a failed request is worth sending again."""
    if isinstance(error, openai.APIConnectionError):  # includes timeouts
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in _RETRYABLE_STATUS or error.status_code >= 500
    return False


def retry_after_seconds(error: BaseException) -> float | None:
    """The delay the server asked for (``retry-after-ms`` or ``Retry-After``), if any."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(parsed.timestamp() - time.time(), 0.0) if parsed else None


def _describe(error: BaseException) -> str:
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code} from the model provider: {error.message}"
    if isinstance(error, openai.APITimeoutError):
        return "the model provider did not answer in time"
    if isinstance(error, openai.APIConnectionError):
        return f"cannot reach the model provider: {error.__cause__ or error}"
    return str(error)


class TransportRetry:
    """Sends one model request, retrying transport failures only."""

    def __init__(
        self,
        retries: int,
        initial_s: float,
        max_s: float,
        retry_after_max_s: float,
        sleep: Sleep | None = None,
        gate: RequestGate | None = None,
    ) -> None:
        self._retries = retries
        self._backoff = wait_random_exponential(multiplier=initial_s, max=max_s)
        self._retry_after_max_s = retry_after_max_s
        self._sleep = asyncio.sleep if sleep is None else sleep
        self._gate = gate

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = retry_after_seconds(error) if error else None
        if asked is not None:
            return min(asked, self._retry_after_max_s)
        return float(self._backoff(state))

    async def _gated(self, request: Callable[[], Awaitable[T]]) -> T:
        if self._gate is None:
            return await request()
        await self._gate.acquire()
        limited, asked, tokens = False, None, 0
        try:
            response = await request()
            usage = getattr(response, "usage", None)
            tokens = int(getattr(usage, "total_tokens", 0) or 0)
            return response
        except openai.RateLimitError as error:
            limited, asked = True, retry_after_seconds(error)
            raise
        finally:
            self._gate.release(limited, asked, tokens)

    async def send(
        self, request: Callable[[], Awaitable[T]], ledger: Ledger, call: Call | None = None
    ) -> T:
        """Send ``request``, counting each try in ``ledger`` (and in ``call``, with the
        time waited between tries and the last status, for the call log); typed errors
        when it fails."""

        async def sleep(seconds: float) -> None:
            if call is not None:
                call.waited_s += seconds
            await self._sleep(seconds)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._retries + 1),
            wait=self._wait,
            retry=retry_if_exception(is_retryable),
            reraise=True,
            sleep=sleep,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    ledger.requests += 1
                    if call is not None:
                        call.tries += 1
                    try:
                        response = await self._gated(request)
                    except openai.APIError as error:
                        if call is not None:
                            call.status = getattr(error, "status_code", None)
                            call.retry_after_s = retry_after_seconds(error)
                        raise
                    if call is not None:
                        call.status = 200
                    return response
        except openai.APIError as error:
            if is_retryable(error):
                raise ProviderUnavailable(
                    f"{_describe(error)} (after {ledger.requests} requests)",
                    ledger.spent(),
                    retry_after=retry_after_seconds(error),
                ) from error
            raise ProviderRejected(_describe(error), ledger.spent()) from error
        raise AssertionError("unreachable: tenacity either returns or raises")
