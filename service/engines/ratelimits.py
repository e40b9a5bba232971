"""Pacing model requests by the limits the provider announces on every answer.

OpenAI (and Groq, Together, vLLM behind LiteLLM, OpenRouter …) send
``x-ratelimit-limit-requests``, ``x-ratelimit-remaining-requests`` and
``x-ratelimit-reset-requests`` with every answer, 429s included, and the ``-tokens``
twins; Anthropic's ``anthropic-ratelimit-requests-remaining`` and friends say the same,
and the IETF draft's ``RateLimit-Limit`` / ``RateLimit-Remaining`` / ``RateLimit-Reset``
too. A client that reads them knows how many requests and tokens it may still send, and
how fast they come back, without ever running into a 429 to find out.

``HeaderPacer`` keeps, per quota, the last ``remaining`` the provider said, refilled at
its limit per minute since then, less what was sent after the request that answer was
for (so requests still in flight are counted once, never forgotten); a request waits
until the estimate holds it and a small reserve. Until the first answer it sends one
request at a time, to learn whether the provider announces anything: one that sends no
headers is not paced here at all (the bulk run's AIMD gate finds its limit by the 429s).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# The header names of each convention, per quota: (limit, remaining, reset).
_NAMES: dict[str, list[tuple[str, str, str]]] = {
    "requests": [
        (
            "x-ratelimit-limit-requests",
            "x-ratelimit-remaining-requests",
            "x-ratelimit-reset-requests",
        ),
        (
            "anthropic-ratelimit-requests-limit",
            "anthropic-ratelimit-requests-remaining",
            "anthropic-ratelimit-requests-reset",
        ),
        ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"),
    ],
    "tokens": [
        ("x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"),
        (
            "anthropic-ratelimit-tokens-limit",
            "anthropic-ratelimit-tokens-remaining",
            "anthropic-ratelimit-tokens-reset",
        ),
    ],
}
# OpenAI writes durations Go's way: "1s", "6m0s", "20ms", "1h2m3.5s".
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?"
                       r"(?:(\d+(?:\.\d+)?)ms)?")  # fmt: skip
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Headers longer than this are not a number or a duration: not read.
_MAX_VALUE_CHARS = 64
# The shortest wait: below it, the wait is not worth a turn of the event loop.
MIN_WAIT_S = 0.001
# A quota whose reset is further off than this is not a per-minute one (a day's): its
# refill is not estimated, only what remains of it is.
_MAX_RESET_S = 3600.0


@dataclass(frozen=True)
class Quota:
    """One announced quota: requests or tokens."""

    remaining: float
    limit: float | None = None  # per minute
    reset_s: float | None = None  # until it is full again (OpenAI) or starts over (IETF)


def _number(value: str | None) -> float | None:
    if value is None or len(value) > _MAX_VALUE_CHARS:
        return None
    value = value.strip().split(",")[0].split(";")[0].strip()  # "100, 100;w=60" (IETF)
    return float(value) if _NUMBER.fullmatch(value) else None


def seconds_of(value: str | None, now: datetime | None = None) -> float | None:
    """A reset as seconds from now: a number of seconds, a Go duration ("6m0s", "20ms")
    or an RFC 3339 time (Anthropic's); None when it is none of these."""
    if value is None or len(value) > _MAX_VALUE_CHARS:
        return None
    value = value.strip()
    plain = _number(value)
    if plain is not None:
        return plain
    match = _DURATION.fullmatch(value)
    if match and any(match.groups()):
        h, m, s, ms = (float(g) if g else 0.0 for g in match.groups())
        return h * 3600 + m * 60 + s + ms / 1000
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def announced(headers: Mapping[str, str] | None) -> dict[str, Quota]:
    """The quotas an answer's headers announce ({} when they announce none)."""
    if not headers:
        return {}
    headers = {name.lower(): value for name, value in headers.items()}
    quotas: dict[str, Quota] = {}
    for quota, conventions in _NAMES.items():
        for limit_name, remaining_name, reset_name in conventions:
            remaining = _number(headers.get(remaining_name))
            if remaining is None:
                continue
            quotas[quota] = Quota(
                remaining, _number(headers.get(limit_name)), seconds_of(headers.get(reset_name))
            )
            break
    return quotas


@dataclass
class _Estimate:
    """What one quota holds now: the provider's last word on it, refilled since at its
    rate (up to the most it ever said remained), less what was sent since."""

    level: float
    at: float  # when ``level`` was last brought up to date
    ticket: int  # the request the last word answered (an older one never overrides it)
    rate: float | None  # refill per second (the limit per minute / 60), if known
    reset_at: float | None  # a fixed window's end, where no rate is known
    ceiling: float  # the most it ever said remained: the refill stops there

    def now(self, now: float) -> float:
        """Brought up to ``now``: refilled (or, a fixed window over, full again)."""
        if self.rate:
            self.level = min(self.level + self.rate * (now - self.at), self.ceiling)
        elif self.reset_at is not None and now >= self.reset_at:
            self.level, self.reset_at = self.ceiling, None
        self.at = now
        return self.level


class HeaderPacer:
    """Waits before each model request until the provider's announced limits hold it.

    ``before()`` returns a ticket; ``after(ticket, headers, tokens)`` is told what came
    back (the answer's headers, a 429's too, or None when no answer came)."""

    RESERVE_SHARE = 0.02  # of a quota's ceiling, kept in hand for what is not counted

    def __init__(self, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._announces: bool | None = None  # None: no answer yet to tell
        self._probing = False
        self._learned = asyncio.Event()
        self._sent = {"requests": 0.0, "tokens": 0.0}  # in all, tokens as expected
        self._in_flight: dict[int, tuple[float, float]] = {}  # ticket: tokens sent by it
        self._per_request = 0.0  # tokens a request uses, on average of recent answers
        self._quotas: dict[str, _Estimate] = {}
        self.waited_s = 0.0  # time spent waiting for the limits, in all

    @property
    def announces(self) -> bool | None:
        """Whether the provider announces its limits (None: not known yet)."""
        return self._announces

    async def before(self) -> int:
        """Wait until a request may be sent; its ticket."""
        while self._announces is None and self._probing:  # one request finds out first
            self._learned.clear()
            await self._learned.wait()
        if self._announces is None:
            self._probing = True
        while self._announces and (delay := self._delay()) > 0:
            delay = max(delay, MIN_WAIT_S)  # (a float's last digit never stalls it)
            self.waited_s += delay
            await self._sleep(delay)
        ticket = int(self._sent["requests"])
        self._sent["requests"] += 1
        self._sent["tokens"] += self._per_request
        self._in_flight[ticket] = (self._sent["requests"], self._sent["tokens"])
        now = self._clock()
        for name, known in self._quotas.items():
            known.now(now)
            known.level -= 1.0 if name == "requests" else self._per_request
        return ticket

    def after(self, ticket: int, headers: Mapping[str, str] | None, tokens: int = 0) -> None:
        """What came back for ``ticket``'s request: its answer's headers (None when no
        answer came: a connection error) and the tokens it used."""
        sent_by_it = self._in_flight.pop(ticket, None)
        if tokens:
            mean = self._per_request
            self._per_request = float(tokens) if not mean else 0.8 * mean + 0.2 * tokens
        if headers is not None:
            quotas = announced(headers)
            if self._announces is None or quotas:
                self._announces = bool(quotas)
            now = self._clock()
            for name, quota in quotas.items():
                self._update(name, quota, ticket, sent_by_it, now)
        self._probing = False
        self._learned.set()

    def _update(
        self,
        name: str,
        quota: Quota,
        ticket: int,
        sent_by_it: tuple[float, float] | None,
        now: float,
    ) -> None:
        known = self._quotas.get(name)
        if known is not None and ticket < known.ticket:
            return  # an older answer, overtaken by a newer one
        rate = None
        if quota.limit and (quota.reset_s is None or quota.reset_s <= _MAX_RESET_S):
            rate = quota.limit / 60.0
        reset_at = now + quota.reset_s if quota.reset_s is not None and rate is None else None
        ceiling = max(quota.remaining, known.ceiling if known else 0.0, 1.0)
        # What was sent after this request is not in its figure: counted against it.
        index = 0 if name == "requests" else 1
        later = self._sent[name] - sent_by_it[index] if sent_by_it else 0.0
        level = quota.remaining - later
        if known is not None and rate:
            # Whole numbers, rounded down: an estimate within the unit above agrees with
            # the figure, and is kept (snapping down each time would lose a fraction a turn).
            ours = known.now(now)
            if level <= ours < level + 1:
                level = ours
        self._quotas[name] = _Estimate(level, now, ticket, rate, reset_at, ceiling)

    def _delay(self) -> float:
        """Seconds until every quota holds one more request (0: send now)."""
        now = self._clock()
        delay = 0.0
        for name, known in self._quotas.items():
            need = 1.0 if name == "requests" else max(self._per_request, 1.0)
            # (never more than it can hold: a full quota always lets a request go)
            wanted = min(need + known.ceiling * self.RESERVE_SHARE, known.ceiling)
            held = known.now(now)
            if held >= wanted - 1e-9:
                continue
            if known.rate:
                delay = max(delay, (wanted - held) / known.rate)
            elif known.reset_at is not None and now < known.reset_at:
                delay = max(delay, known.reset_at - now)
        return delay
