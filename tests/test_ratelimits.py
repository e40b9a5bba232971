"""Model requests are paced by the limits the provider announces in its answers' headers
(OpenAI's ``x-ratelimit-*``, Anthropic's, the IETF draft's): never faster than they
allow, one request first to find out whether there are any, no pacing where none come."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from service.engines.llm import LLMEngine
from service.engines.ratelimits import HeaderPacer, Quota, announced, seconds_of
from service.settings import Settings
from tests.articles import VALID_ANSWER
from tests.model_stub import completion
from tests.test_llm_engine import request_for


class VirtualTime:
    """A clock that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class Bucket:
    """A provider's limit as OpenAI keeps it: ``per_minute`` a minute, refilled
    continuously, ``capacity`` at most; its headers say what remains."""

    def __init__(self, time: VirtualTime, per_minute: int, capacity: float) -> None:
        self.time, self.per_minute, self.capacity = time, per_minute, capacity
        self.level, self.at, self.refused = capacity, 0.0, 0

    def take(self) -> dict[str, str]:
        self.level = min(
            self.capacity, self.level + (self.time.now - self.at) * self.per_minute / 60
        )
        self.at = self.time.now
        if self.level >= 1:
            self.level -= 1
        else:
            self.refused += 1
        full_in = (self.capacity - self.level) * 60 / self.per_minute
        return {
            "x-ratelimit-limit-requests": str(self.per_minute),
            "x-ratelimit-remaining-requests": str(int(self.level)),
            "x-ratelimit-reset-requests": f"{full_in:.3f}s",
        }


def test_openai_headers_are_read_with_go_durations() -> None:
    quotas = announced(
        {
            "x-ratelimit-limit-requests": "600",
            "x-ratelimit-remaining-requests": "599",
            "x-ratelimit-reset-requests": "100ms",
            "x-ratelimit-limit-tokens": "150000",
            "x-ratelimit-remaining-tokens": "149000",
            "x-ratelimit-reset-tokens": "6m0s",
        }
    )
    assert quotas == {
        "requests": Quota(599, 600, 0.1),
        "tokens": Quota(149000, 150000, 360.0),
    }


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("1s", 1.0), ("1m30.5s", 90.5), ("1h2m3s", 3723.0), ("20ms", 0.02), ("2", 2.0)],
)
def test_a_reset_is_read_in_every_form_providers_write(value: str, seconds: float) -> None:
    assert seconds_of(value) == pytest.approx(seconds)


def test_anthropic_headers_and_their_reset_times_are_read() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    later = (now + timedelta(seconds=30)).isoformat().replace("+00:00", "Z")
    assert seconds_of(later, now) == pytest.approx(30.0)
    quotas = announced(
        {
            "anthropic-ratelimit-requests-limit": "50",
            "anthropic-ratelimit-requests-remaining": "49",
            "anthropic-ratelimit-requests-reset": later,
        }
    )
    assert quotas["requests"].remaining == 49 and quotas["requests"].limit == 50


def test_the_ietf_draft_headers_are_read() -> None:
    quotas = announced(
        {"RateLimit-Limit": "100", "RateLimit-Remaining": "7", "RateLimit-Reset": "12"}
    )
    assert quotas == {"requests": Quota(7, 100, 12.0)}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-ratelimit-remaining-requests": "lots"},
        {"x-ratelimit-remaining-requests": "9" * 200},
        {"x-ratelimit-remaining-requests": "-3"},
        {"x-ratelimit-remaining-requests": "5\x00"},
    ],
)
def test_headers_that_say_nothing_readable_announce_nothing(headers: dict[str, str]) -> None:
    assert announced(headers) == {}


def test_a_reset_that_is_no_duration_is_none() -> None:
    assert seconds_of("soon") is None and seconds_of("2026-01-01T00:00:00") is None


async def test_requests_are_paced_under_the_announced_limit_and_close_to_it() -> None:
    time = VirtualTime()
    pacer = HeaderPacer(clock=time.clock, sleep=time.sleep)
    provider = Bucket(time, per_minute=600, capacity=10)
    for _ in range(300):
        ticket = await pacer.before()
        pacer.after(ticket, provider.take())
    assert provider.refused == 0
    rate = 300 / time.now * 60  # what was sent per minute, the first burst included
    assert 0.95 * 600 <= rate <= 1.05 * 600


async def test_requests_in_flight_are_counted_against_what_an_answer_says_remains() -> None:
    time = VirtualTime()
    pacer = HeaderPacer(clock=time.clock, sleep=time.sleep)
    provider = Bucket(time, per_minute=60, capacity=3)
    first = await pacer.before()
    pacer.after(first, provider.take())  # 2 remain
    tickets = [await pacer.before() for _ in range(2)]  # both go: 2 remained
    assert sum(time.slept) < 0.1  # (the reserve's few hundredths of a second)
    answers = [provider.take() for _ in tickets]  # the provider counts both, then answers
    pacer.after(tickets[0], answers[0])  # "1 remains": the second is not in it, and
    pacer.after(tickets[1], answers[1])  # is counted against it all the same
    waited = sum(time.slept)
    await pacer.before()  # none remains: wait for the refill, a second at 60 a minute
    assert sum(time.slept) - waited >= 0.9
    pacer.after(3, provider.take())
    assert provider.refused == 0


async def test_the_first_request_goes_alone_and_no_headers_means_no_pacing() -> None:
    time = VirtualTime()
    pacer = HeaderPacer(clock=time.clock, sleep=time.sleep)
    first = await pacer.before()
    second = asyncio.create_task(pacer.before())
    await asyncio.sleep(0)
    assert not second.done()  # waits for the first answer to tell
    pacer.after(first, {"content-type": "application/json"})
    await second
    assert pacer.announces is False
    others = [await pacer.before() for _ in range(20)]
    assert len(others) == 20 and time.slept == []


async def test_a_failed_first_request_lets_the_next_one_find_out() -> None:
    pacer = HeaderPacer()
    first = await pacer.before()
    second = asyncio.create_task(pacer.before())
    await asyncio.sleep(0)
    pacer.after(first, None)  # no answer at all: nothing learned
    await asyncio.wait_for(second, 1)
    assert pacer.announces is None


async def test_an_older_answer_never_overrides_a_newer_one() -> None:
    time = VirtualTime()
    pacer = HeaderPacer(clock=time.clock, sleep=time.sleep)
    limit = {"x-ratelimit-limit-requests": "60", "x-ratelimit-reset-requests": "1s"}
    probe = await pacer.before()
    pacer.after(probe, {**limit, "x-ratelimit-remaining-requests": "59"})
    old, new = await pacer.before(), await pacer.before()
    pacer.after(new, {**limit, "x-ratelimit-remaining-requests": "0"})
    pacer.after(old, {**limit, "x-ratelimit-remaining-requests": "50"})  # arrived late
    await pacer.before()
    assert time.slept and sum(time.slept) >= 1.0


async def test_the_engine_waits_as_the_answers_headers_say(
    settings: Settings, model: respx.MockRouter
) -> None:
    time = VirtualTime()
    engine = LLMEngine(
        settings.model_copy(update={"mode": "tools"}),
        pacer=HeaderPacer(clock=time.clock, sleep=time.sleep),
    )
    exhausted = {
        "x-ratelimit-limit-requests": "30",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "2s",
    }
    answer = completion(VALID_ANSWER)
    with_headers = httpx.Response(200, json=answer.json(), headers=exhausted)
    route = model.post("/chat/completions").mock(side_effect=[with_headers, with_headers])
    await engine.extract(request_for())
    assert time.slept == []
    await engine.extract(request_for())  # none remained, 30 a minute: one in 2 s
    assert route.call_count == 2 and sum(time.slept) >= 2.0
