"""Transport retries for model requests, with tenacity.

Retried: 429, 5xx (and 408/409), timeouts and connection errors, with exponential
backoff and full jitter, or exactly the server's ``Retry-After`` when it sends one
(capped). Not retried: a request the provider refused, by a 4xx or by a 5xx whose message
says the request itself is invalid or too long (local servers answer 500 for those). The
openai client's own retries are off, so the two never multiply. A retry never repeats a
request that got an answer: re-asks are the caller's business. Errors carry the
provider's own message, not the SDK's dump of its body. Every request is first paced by
the limits the provider announces in its answers' headers (``ratelimits.HeaderPacer``).
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
)

from schemas import TokenUsage
from service.backoff import Backoff
from service.calls import Call
from service.engines.ratelimits import HeaderPacer
from service.errors import ProviderRejected, ProviderUnavailable, Spent

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
Sleep = Callable[[float], Awaitable[None]]


class RawResponse(Protocol, Generic[T_co]):
    """An answer with its headers (the openai SDK's ``with_raw_response``)."""

    @property
    def headers(self) -> Any: ...

    def parse(self) -> T_co: ...


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
    # What failed requests ran into ("timed out": 3, "HTTP 503": 1), for the deadline's
    # message; and the prompt's size as the server counted it, for what fits its context.
    failures: Counter[str] = field(default_factory=Counter)
    last_prompt_tokens: int = 0
    last_prompt_chars: int = 0

    def add_usage(self, prompt: int, completion: int, total: int) -> None:
        self.usage = self.usage + TokenUsage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=total
        )

    def spent(self, attempts: int | None = None) -> Spent:
        return Spent(self.usage, self.answers if attempts is None else attempts, self.requests)


# A 5xx whose message says the request itself cannot be served (some servers answer 500
# for a request they refuse: too long for the context, a field they do not take): sent
# again, it fails again.
_REFUSAL = re.compile(
    r"context (?:size|length|window)|exceed|too (?:long|large|many)|maximum (?:context|length)"
    r"|validation|invalid|must be|not supported|unsupported|unrecognized|not allowed"
    r"|extra (?:inputs|fields)|input should be|failed to parse|cannot parse|bad request",
    re.IGNORECASE,
)


_TRACEBACK = re.compile(r'\n\s*(?:File "|Traceback \(most recent call last\))')


def provider_message(error: BaseException) -> str:
    """The provider's own words for a failed request: the ``error.message`` (or FastAPI's
    ``detail``) of its JSON body, else its text; never the SDK's dict dump."""
    response = getattr(error, "response", None)
    try:
        text = response.text if response is not None else ""
    except Exception:  # noqa: BLE001 - a streamed or closed body: say what we know
        text = ""
    fallback = getattr(error, "message", None) or str(error)
    return provider_said(getattr(error, "body", None), text.strip() or fallback)


def provider_said(body: Any, text: str) -> str:
    """What a provider's answer says, in one line: the message of its JSON ``body``, else
    its ``text``; a server's traceback (llama-cpp-python appends one) cut, as it is for
    the server's own logs."""
    message = message_in(body) or text.strip()
    message = _TRACEBACK.split(message, maxsplit=1)[0]
    message = " ".join(message.split())
    return message if len(message) <= 300 else message[:297] + "..."


def message_in(body: Any) -> str | None:
    if isinstance(body, str):
        return body.strip() or None
    if not isinstance(body, dict):
        return None
    inner = body.get("error", body)
    if isinstance(inner, str):
        return inner
    if isinstance(inner, dict):
        for key in ("message", "detail", "msg"):
            value = inner.get(key)
            if isinstance(value, str) and value.strip():
                return value
            if isinstance(value, list) and value:
                return "; ".join(_detail_item(item) for item in value[:3])
    return None


def _detail_item(item: Any) -> str:
    if isinstance(item, dict):
        where = ".".join(str(part) for part in item.get("loc", []))
        return f"{where}: {item.get('msg', item)}" if where else str(item.get("msg", item))
    return str(item)


def is_refusal(error: BaseException) -> bool:
    """Whether the provider refused the request itself (any 4xx but 408/409/429, or a 5xx
    whose message says the request is invalid or too long)."""
    if not isinstance(error, openai.APIStatusError):
        return False
    if error.status_code < 500:
        return error.status_code not in _RETRYABLE_STATUS
    return bool(_REFUSAL.search(provider_message(error)))


def is_retryable(error: BaseException) -> bool:
    """Whether a failed request is worth sending again."""
    if isinstance(error, openai.APIConnectionError):  # includes timeouts
        return True
    if isinstance(error, openai.APIStatusError):
        if is_refusal(error):
            return False
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


def describe(error: BaseException) -> str:
    """One line for a failed request, in the provider's own words where it gave some."""
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code} from the model provider: {provider_message(error)}"
    if isinstance(error, openai.APITimeoutError):
        return "the model provider did not answer in time"
    if isinstance(error, openai.APIConnectionError):
        return f"cannot reach the model provider: {error.__cause__ or error}"
    return str(error)


def outcome_of(error: BaseException) -> str:
    """What a failed request ran into, in a few words (the deadline's message counts
    them): "timed out", "HTTP 503", "connection failed"."""
    if isinstance(error, openai.APITimeoutError):
        return "timed out"
    if isinstance(error, openai.APIStatusError):
        return f"HTTP {error.status_code}"
    if isinstance(error, openai.APIConnectionError):
        return "connection failed"
    return type(error).__name__


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
        pacer: HeaderPacer | None = None,
    ) -> None:
        self._retries = retries
        self._backoff = Backoff(initial_s, max_s).wait()
        self._retry_after_max_s = retry_after_max_s
        self._sleep = asyncio.sleep if sleep is None else sleep
        self._gate = gate
        self.pacer = pacer or HeaderPacer(sleep=self._sleep)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = retry_after_seconds(error) if error else None
        if asked is not None:
            return min(asked, self._retry_after_max_s)
        return float(self._backoff(state))

    async def _gated(self, request: Callable[[], Awaitable[RawResponse[T]]]) -> T:
        if self._gate is not None:
            await self._gate.acquire()
        limited, asked, tokens, headers = False, None, 0, None
        try:
            ticket = await self.pacer.before()
        except BaseException:
            if self._gate is not None:
                self._gate.release(False, None, 0)
            raise
        try:
            raw = await request()
            headers = raw.headers
            response = raw.parse()
            usage = getattr(response, "usage", None)
            tokens = int(getattr(usage, "total_tokens", 0) or 0)
            return response
        except openai.APIStatusError as error:
            headers = error.response.headers
            if isinstance(error, openai.RateLimitError):
                limited, asked = True, retry_after_seconds(error)
            raise
        finally:
            self.pacer.after(ticket, headers, tokens)
            if self._gate is not None:
                self._gate.release(limited, asked, tokens)

    async def send(
        self,
        request: Callable[[], Awaitable[RawResponse[T]]],
        ledger: Ledger,
        call: Call | None = None,
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
                        ledger.failures[outcome_of(error)] += 1
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
                    f"{describe(error)} (after {ledger.requests} requests)",
                    ledger.spent(),
                    retry_after=retry_after_seconds(error),
                ) from error
            raise ProviderRejected(describe(error), ledger.spent()) from error
        raise AssertionError("unreachable: tenacity either returns or raises")
