"""The bulk run's adaptive gate: AIMD on 429, Retry-After pauses, requests-per-minute pacing."""

from __future__ import annotations

import asyncio

from service.bulk.limiter import AdaptiveGate


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


async def test_a_429_halves_the_concurrency_and_successes_climb_it_back() -> None:
    gate = AdaptiveGate(8)
    await gate.acquire()
    gate.release(rate_limited=True, retry_after=None, tokens=0)
    assert gate.limit == 4 and gate.rate_limited == 1
    for _ in range(4):
        await gate.acquire()
        gate.release(rate_limited=False, retry_after=None, tokens=10)
    assert 4.9 < gate.limit < 5.1  # about one more per round of requests
    for _ in range(200):
        await gate.acquire()
        gate.release(False, None, 10)
    assert gate.limit == 8  # never above the run's concurrency


async def test_the_concurrency_never_drops_below_one() -> None:
    gate = AdaptiveGate(2)
    for _ in range(5):
        await gate.acquire()
        gate.release(True, 0.0, 0)
    assert gate.limit == 1 and gate.lowest == 1


async def test_requests_wait_for_a_free_slot() -> None:
    gate = AdaptiveGate(1)
    await gate.acquire()
    waiting = asyncio.ensure_future(gate.acquire())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    gate.release(False, None, 0)
    await asyncio.wait_for(waiting, 1)
    assert gate.in_flight == 1


async def test_retry_after_pauses_every_request() -> None:
    time = FakeTime()
    gate = AdaptiveGate(4, clock=time.clock, sleep=time.sleep)
    await gate.acquire()
    gate.release(True, 7.0, 0)
    await gate.acquire()
    assert time.slept == [7.0]


async def test_requests_per_minute_are_evenly_spaced() -> None:
    time = FakeTime()
    gate = AdaptiveGate(10, rpm=600, clock=time.clock, sleep=time.sleep)
    for _ in range(5):
        await gate.acquire()
    assert time.slept == [0.1, 0.1, 0.1, 0.1]  # 600 per minute: one every 0.1 s


async def test_tokens_per_minute_wait_for_the_window_to_pass() -> None:
    time = FakeTime()
    gate = AdaptiveGate(10, tpm=1000, clock=time.clock, sleep=time.sleep)
    await gate.acquire()
    gate.release(False, None, 1200)
    await gate.acquire()
    assert time.slept == [60.0]
