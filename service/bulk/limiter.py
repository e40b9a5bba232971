"""Adaptive rate limiting of model requests for bulk runs.

AIMD: the number of requests in flight starts at the run's concurrency; a 429 halves it
(never below one) and pauses every request for the server's Retry-After; each success
adds 1/limit, so it climbs back by about one per round of requests. Optional caps pace
requests per minute (evenly spaced) and tokens per minute (a sliding minute).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class AdaptiveGate:
    """A RequestGate (see service.engines.transport) with AIMD and optional caps."""

    def __init__(
        self,
        concurrency: int,
        rpm: int | None = None,
        tpm: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.maximum = concurrency
        self.limit = float(concurrency)
        self.in_flight = 0
        self.rate_limited = 0
        self.lowest = float(concurrency)
        self._rpm = rpm
        self._tpm = tpm
        self._clock = clock
        self._sleep = sleep
        self._changed = asyncio.Event()
        self._pause_until = 0.0
        self._next_slot = 0.0
        self._tokens: deque[tuple[float, int]] = deque()

    async def acquire(self) -> None:
        while self.in_flight >= int(self.limit):
            self._changed.clear()
            await self._changed.wait()
        self.in_flight += 1
        try:
            await self._wait_for_pause()
            await self._wait_for_rpm()
            await self._wait_for_tpm()
        except BaseException:
            self.in_flight -= 1
            self._changed.set()
            raise

    def release(self, rate_limited: bool, retry_after: float | None, tokens: int) -> None:
        self.in_flight -= 1
        now = self._clock()
        if rate_limited:
            self.rate_limited += 1
            self.limit = max(1.0, self.limit / 2)
            self.lowest = min(self.lowest, self.limit)
            self._pause_until = max(self._pause_until, now + (retry_after or 1.0))
        else:
            self.limit = min(float(self.maximum), self.limit + 1 / self.limit)
        if tokens:
            self._tokens.append((now, tokens))
        self._changed.set()

    async def _wait_for_pause(self) -> None:
        while (delay := self._pause_until - self._clock()) > 0:
            await self._sleep(delay)

    async def _wait_for_rpm(self) -> None:
        if not self._rpm:
            return
        interval = 60.0 / self._rpm
        now = self._clock()
        slot = max(now, self._next_slot)
        self._next_slot = slot + interval
        if slot > now:
            await self._sleep(slot - now)

    async def _wait_for_tpm(self) -> None:
        if not self._tpm:
            return
        while True:
            now = self._clock()
            while self._tokens and now - self._tokens[0][0] >= 60.0:
                self._tokens.popleft()
            if sum(t for _, t in self._tokens) < self._tpm:
                return
            await self._sleep(60.0 - (now - self._tokens[0][0]))
